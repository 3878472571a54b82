package dev.sessiongate.cluster;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.Secret;
import dev.sessiongate.util.Logfmt;
import io.lettuce.core.SetArgs;
import java.util.Arrays;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code key.secret} every node of a cluster must share (user keys are HMACs under it). The
 * first node stores its secret in Redis with {@code SET NX}; a node without {@code key.secret}
 * adopts the stored one; a node configured with a different one refuses to start. After Redis
 * lost its data, the nodes store it again.
 */
public final class ClusterSecret {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecret.class);

    private ClusterSecret() {
    }

    /**
     * The secret this node uses: the cluster's.
     *
     * @throws ConfigException when {@code key.secret} is set and is not the cluster's
     */
    public static Secret agree(RedisLink redis, GateConfig config) {
        byte[] mine = config.keySecret().bytes();
        String encoded = Base64.getEncoder().encodeToString(mine);
        Arrays.fill(mine, (byte) 0);
        String stored;
        try {
            redis.call(r -> r.set(RedisLink.SECRET_KEY, encoded, SetArgs.Builder.nx()));
            stored = redis.call(r -> r.get(RedisLink.SECRET_KEY));
        } catch (RedisLink.Unavailable e) {
            throw new ConfigException("store.redis-uri: Redis at " + config.cluster().where()
                    + " did not answer, so the cluster's key.secret cannot be agreed: " + redis.downReason());
        }
        byte[] cluster = Base64.getDecoder().decode(stored);
        redis.onRecovery(() -> redis.call(r -> r.set(RedisLink.SECRET_KEY, stored, SetArgs.Builder.nx())));
        if (config.keySecret().matches(cluster)) {
            LOG.info("event=key_secret_agreed redis={} message={}", config.cluster().where(), Logfmt.value(
                    config.keySecretGenerated() ? "key.secret is unset: this node is the first, its generated one is "
                            + "now the cluster's" : "this node's key.secret is the cluster's"));
            return config.keySecret();
        }
        if (config.keySecretGenerated()) {
            LOG.info("event=key_secret_adopted redis={} message=\"key.secret is unset: using the cluster's\"",
                    config.cluster().where());
            return Secret.ofBytes(cluster);
        }
        throw new ConfigException("key.secret differs from the secret the cluster at " + config.cluster().where()
                + " already uses (Redis key " + RedisLink.SECRET_KEY + "); give every node the same key.secret, or "
                + "leave it unset on every node to share the one in Redis");
    }
}
