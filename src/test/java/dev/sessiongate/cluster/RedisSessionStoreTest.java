package dev.sessiongate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.key.UserKey;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionPage;
import dev.sessiongate.testing.RedisExtension;
import dev.sessiongate.testing.RedisProcess;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the cluster store leaves in a real redis-server over time, beyond the store contract. */
class RedisSessionStoreTest {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private static final Duration IDLE = Duration.ofMinutes(1);
    private RedisProcess redis;
    private RedisSessionStore store;

    @BeforeEach
    void start() {
        redis = REDIS.redis();
        redis.command("SET " + RedisLink.SECRET_KEY + " c2VjcmV0"); // as a node would have: else the probe sees data lost
        Duration timeout = Duration.ofSeconds(2); // generous: the machine may be busy, and no test here times Redis
        RedisLink link = RedisLink.connect(new GateConfig.Cluster(redis.uri(), timeout));
        store = new RedisSessionStore(link, new CaffeineSessionStore(1000, IDLE, Duration.ofHours(1), Ticker.systemTicker()),
                Ticker.systemTicker(), "node-a", IDLE, Duration.ofHours(1), timeout, Duration.ofMinutes(1));
    }

    @AfterEach
    void stop() {
        store.close();
    }

    @Test
    void expiredSessionsLeaveTheIndexSetsWhenSessionsAreAdded() {
        store.save(session(0, Duration.ZERO));
        // As after 300 sessions idled out: their deadline (a minute after their last request) has passed.
        for (int i = 1; i <= 300; i++) {
            store.save(session(i, Duration.ofMinutes(2)));
        }
        store.save(session(1000, Duration.ZERO));

        assertThat(redis.command("ZCARD sg:all")).isEqualTo(":2");
        assertThat(redis.command("ZCARD sg:u:alice")).isEqualTo(":2");
        assertThat(redis.command("ZCARD sg:ip:192.0.2.1")).isEqualTo(":2");
        assertThat(store.size()).isEqualTo(2);
    }

    @Test
    void aLookupByIdAndAPageCostRedisCallsForWhatTheyShowNotForEverySession() {
        Session target = store.save(session(0, Duration.ZERO));
        for (int i = 1; i < 300; i++) {
            store.save(new Session(new UserKey(i, ~i, i * 31L, 7), new Identity("user" + i, Set.of(), "tag"),
                    "198.51.100." + (i % 200), System.currentTimeMillis(), Ticker.systemTicker().read()));
        }
        long before = store.redisCalls();
        assertThat(store.findById(target.id()).identity().name()).isEqualTo("alice");
        assertThat(store.findById("AAAAAAAAAAAAAAAAAAAAAA")).isNull();
        assertThat(store.redisCalls() - before).as("Redis calls of two lookups by id").isLessThanOrEqualTo(4);

        before = store.redisCalls();
        SessionPage all = store.search(null, 20, 10);
        assertThat(all.total()).isEqualTo(300);
        assertThat(all.sessions()).hasSize(10);
        assertThat(store.redisCalls() - before).as("Redis calls of a page of 10").isLessThanOrEqualTo(15);

        before = store.redisCalls();
        SessionPage found = store.search("ALI", 0, 10);
        assertThat(found.total()).isEqualTo(1);
        assertThat(found.sessions().get(0).id()).isEqualTo(target.id());
        // .1, .10-.19 and .100-.199: 111 addresses, with 111 sessions of users 1-199 and 11 of users 200-299
        SessionPage byIp = store.search("198.51.100.1", 0, 10);
        assertThat(byIp.total()).isEqualTo(122);
        assertThat(byIp.sessions()).hasSize(10);
        // One pipelined call per matching index set (1 user, 111 addresses; a script over several sets
        // would cross slots on a Redis Cluster), and the records of the two pages: not one per session.
        assertThat(store.redisCalls() - before).as("Redis calls of two searches").isLessThanOrEqualTo(30 + 112);
    }

    /** A session of alice from 192.0.2.1 whose last request was {@code ago}. */
    @Test
    void aListingReadsTheRecordsNotTheSharedAttributes() {
        Session session = store.save(session(7, Duration.ZERO));
        String key = redis.command("EVAL \"return redis.call('KEYS', 'sg:{*}:s')[1]\" 0");
        redis.command("HSET " + key + " a:big " + "x".repeat(50_000)); // as a shared attribute of 50 kB would be
        Duration timeout = Duration.ofSeconds(2);
        // Another node, which does not hold the session: the listing comes from Redis.
        RedisSessionStore other = new RedisSessionStore(RedisLink.connect(new GateConfig.Cluster(redis.uri(), timeout)),
                new CaffeineSessionStore(1000, IDLE, Duration.ofHours(1), Ticker.systemTicker()), Ticker.systemTicker(),
                "node-b", IDLE, Duration.ofHours(1), timeout, Duration.ofMinutes(1));
        try {
            long before = redis.info("stats", "total_net_output_bytes");
            SessionPage page = other.search(null, 0, 10);
            long sent = redis.info("stats", "total_net_output_bytes") - before;

            assertThat(page.sessions()).extracting(Session::id).containsExactly(session.id());
            assertThat(sent).as("bytes Redis sent for a page of one session").isLessThan(5_000);
        } finally {
            other.close();
        }
    }

    private static Session session(long keyBits, Duration ago) {
        return new Session(new UserKey(keyBits, ~keyBits, keyBits * 31, 7), new Identity("alice", Set.of(), "tag"),
                "192.0.2.1", System.currentTimeMillis() - ago.toMillis(), Ticker.systemTicker().read());
    }
}
