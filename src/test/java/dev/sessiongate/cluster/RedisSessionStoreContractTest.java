package dev.sessiongate.cluster;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.session.SessionStoreContract;
import dev.sessiongate.testing.RedisProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The cluster store holds to the same contract, against a real redis-server of its own. */
class RedisSessionStoreContractTest extends SessionStoreContract {
    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @BeforeEach
    void emptyRedis() {
        redis.command("FLUSHALL");
        redis.command("SET " + RedisLink.SECRET_KEY + " c2VjcmV0");
    }

    @Override
    protected SessionStore newStore(Duration idleTimeout, Duration maxLifetime) {
        Duration timeout = Duration.ofMillis(500);
        RedisLink link = RedisLink.connect(new GateConfig.Cluster(redis.uri(), timeout));
        return new RedisSessionStore(link, new CaffeineSessionStore(1000, idleTimeout, maxLifetime, Ticker.systemTicker()),
                Ticker.systemTicker(), "node-a", idleTimeout, maxLifetime, timeout, Duration.ofMillis(100));
    }
}
