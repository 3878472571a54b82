package dev.sessiongate.wiring;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.cluster.ClusterSecret;
import dev.sessiongate.cluster.RedisLink;
import dev.sessiongate.cluster.RedisSessionStore;
import dev.sessiongate.cluster.RedisTokenStore;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.Secret;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.SessionStore;
import java.io.IOException;
import java.time.Duration;

/** {@code store.redis-uri}: loaded only when it is set, after {@link OptionalLibrary#REDIS} was found. */
final class RedisSupport {
    private RedisSupport() {
    }

    /** What the cluster's Redis gives a node: the shared key secret, the shared store, the shared tokens. */
    record Cluster(Secret keySecret, SessionStore store, ApiTokens tokens) {
    }

    static Cluster open(GateConfig cfg, CaffeineSessionStore local, Ticker ticker) {
        RedisLink redis = RedisLink.connect(cfg.cluster());
        try {
            Secret secret = ClusterSecret.agree(redis, cfg);
            RedisTokenStore tokenStore = new RedisTokenStore(redis);
            ApiTokens tokens = new ApiTokens(tokenStore);
            tokenStore.follow(tokens);
            Duration flushEvery = Duration.ofMillis(Math.max(100, Math.min(5000, cfg.idleTimeout().toMillis() / 4)));
            SessionStore store = new RedisSessionStore(redis, local, ticker, cfg.node(), cfg.idleTimeout(),
                    cfg.maxLifetime(), cfg.cluster().timeout(), flushEvery);
            return new Cluster(secret, store, tokens);
        } catch (IOException e) {
            redis.close();
            throw new ConfigException("store.redis-uri: the cluster's API tokens cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }
}
