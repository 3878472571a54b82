package dev.sessiongate.cluster;

import dev.sessiongate.config.GateConfig;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.session.SessionStoreContract;
import dev.sessiongate.testing.RedisExtension;
import dev.sessiongate.testing.RedisProcess;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cluster store holds to the same contract, against a real redis-server of its own. */
class RedisSessionStoreContractTest extends SessionStoreContract {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private RedisProcess redis;

    @BeforeEach
    void clusterSecret() {
        redis = REDIS.redis();
        redis.command("SET " + RedisLink.SECRET_KEY + " c2VjcmV0"); // as a node would have: else the probe sees data lost
    }

    @Override
    protected SessionStore newStore(Duration idleTimeout, Duration maxLifetime, FakeClock clock) {
        Duration timeout = Duration.ofSeconds(2); // generous: the machine may be busy, and no test here times Redis
        RedisLink link = RedisLink.connect(new GateConfig.Cluster(redis.uri(), timeout));
        return new RedisSessionStore(link, new CaffeineSessionStore(1000, idleTimeout, maxLifetime, clock.ticker()),
                clock.ticker(), clock::millis, "node-a", idleTimeout, maxLifetime, timeout, Duration.ofMillis(100));
    }
}
