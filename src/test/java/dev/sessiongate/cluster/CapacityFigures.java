package dev.sessiongate.cluster;

import static org.assertj.core.api.Assumptions.assumeThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.key.UserKey;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.Session;
import dev.sessiongate.testing.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The measurements behind docs/capacity.md, on real redis-server processes: bytes per session in
 * Redis, Redis commands per creation, flush and removal, and what waiting for a replica costs a
 * creation. Not a check (it asserts nothing about the figures) and not run by default:
 * {@code mvn -B -o test-compile surefire:test@default-test -Dtest=CapacityFigures -Dcapacity=true}.
 */
class CapacityFigures {
    private static final Duration IDLE = Duration.ofMinutes(15);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Test
    void measure() throws Exception {
        assumeThat(System.getProperty("capacity")).as("-Dcapacity=true").isEqualTo("true");
        int n = Integer.getInteger("capacity.sessions", 10_000);
        try (RedisProcess redis = RedisProcess.start()) {
            redis.command("SET " + RedisLink.SECRET_KEY + " c2VjcmV0");
            RedisSessionStore store = store(redis.uri());
            try {
                perSession(redis, store, n);
            } finally {
                store.close();
            }
        }
        try (RedisProcess primary = RedisProcess.start();
             RedisProcess replica = RedisProcess.start("--replicaof", "127.0.0.1", Integer.toString(primary.port()));
             RedisProcess sentinel = RedisProcess.sentinel("p", primary.port())) {
            while (!"up".equals(replica.infoText("replication", "master_link_status"))) {
                Thread.sleep(50);
            }
            primary.command("SET " + RedisLink.SECRET_KEY + " c2VjcmV0");
            waitCost(store(primary.uri()), store("redis-sentinel://127.0.0.1:" + sentinel.port() + "#p"));
        }
    }

    private static void perSession(RedisProcess redis, RedisSessionStore store, int n) throws Exception {
        long memoryBefore = redis.info("memory", "used_memory");
        String statsBefore = redis.command("INFO commandstats");
        long callsBefore = store.redisCalls();
        List<Session> sessions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // One session per user (a user set per session: the most index memory), from 1,000 addresses.
            sessions.add(new Session(new UserKey(i, ~i, i * 31L, 7), new Identity("user" + i, Set.of("staff"), "tag"),
                    "10.0." + (i % 1000 / 250) + "." + (i % 250), System.currentTimeMillis(), Ticker.systemTicker().read()));
        }
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> saved = new ArrayList<>();
        for (Session session : sessions) {
            saved.add(pool.submit(() -> store.save(session)));
        }
        for (Future<?> f : saved) {
            f.get();
        }
        pool.shutdown();
        double createSeconds = (System.nanoTime() - start) / 1e9;
        long memoryAfter = redis.info("memory", "used_memory");
        String statsCreated = redis.command("INFO commandstats");
        long callsCreated = store.redisCalls();
        String sample = sessions.get(n / 2).key().hex();
        System.out.printf("CAPACITY sessions=%d used_memory_before=%d used_memory_after=%d bytes_per_session=%.0f "
                        + "memory_usage_hash=%s memory_usage_id=%s memory_usage_user_set=%s memory_usage_all=%s "
                        + "memory_usage_users=%s memory_usage_ips=%s create_seconds=%.1f%n",
                n, memoryBefore, memoryAfter, (memoryAfter - memoryBefore) / (double) n,
                redis.command("MEMORY USAGE sg:{" + sample + "}:s"),
                redis.command("MEMORY USAGE sg:id:" + sessions.get(n / 2).id()),
                redis.command("MEMORY USAGE sg:u:user" + (n / 2)), redis.command("MEMORY USAGE sg:all SAMPLES 0"),
                redis.command("MEMORY USAGE sg:users SAMPLES 0"), redis.command("MEMORY USAGE sg:ips SAMPLES 0"),
                createSeconds);
        report("create", n, callsCreated - callsBefore, RedisCalls.between(statsBefore, statsCreated));
        long[] bytes = net(redis);
        System.out.printf("CAPACITY create_bytes in=%.0f out=%.0f per session (from Redis's start, creations dominate)%n",
                bytes[0] / (double) n, bytes[1] / (double) n);

        // Every session served a request since its creation: one flush writes them all.
        long now = Ticker.systemTicker().read();
        for (Session session : sessions) {
            session.touch(now);
            session.touch(now); // the store counted the creating request already
        }
        store.flush();
        long[] flushed = net(redis);
        System.out.printf("CAPACITY flush_bytes in=%.0f out=%.0f per session%n",
                (flushed[0] - bytes[0]) / (double) n, (flushed[1] - bytes[1]) / (double) n);
        // A miss on another node: one HGETALL of the session's hash.
        RedisSessionStore other = store(redis.uri());
        try {
            long[] beforeMiss = net(redis);
            int misses = Math.min(1000, n);
            for (int i = 0; i < misses; i++) {
                other.find(sessions.get(n - 1 - i).key());
            }
            long[] afterMiss = net(redis);
            System.out.printf("CAPACITY miss_bytes in=%.0f out=%.0f per miss%n",
                    (afterMiss[0] - beforeMiss[0]) / (double) misses, (afterMiss[1] - beforeMiss[1]) / (double) misses);
        } finally {
            other.close();
        }
        flushed = net(redis);
        String statsFlushed = redis.command("INFO commandstats");
        long callsFlushed = store.redisCalls();
        report("flush", n, callsFlushed - callsCreated, RedisCalls.between(statsCreated, statsFlushed));

        int removals = Math.min(1000, n);
        for (int i = 0; i < removals; i++) {
            store.remove(sessions.get(i));
        }
        report("remove", removals, store.redisCalls() - callsFlushed,
                RedisCalls.between(statsFlushed, redis.command("INFO commandstats")));
        long[] removed = net(redis);
        System.out.printf("CAPACITY remove_bytes in=%.0f out=%.0f per removal%n",
                (removed[0] - flushed[0]) / (double) removals, (removed[1] - flushed[1]) / (double) removals);
    }

    /** Bytes Redis received and sent since it started (its own and the test's INFO calls included: small). */
    private static long[] net(RedisProcess redis) {
        return new long[] {redis.info("stats", "total_net_input_bytes"), redis.info("stats", "total_net_output_bytes")};
    }

    private static void report(String what, int sessions, long nodeCalls, Map<String, Long> redisCommands) {
        long total = 0;
        for (long calls : redisCommands.values()) {
            total += calls;
        }
        System.out.printf("CAPACITY %s sessions=%d node_calls=%d (%.2f per session) redis_commands=%d (%.2f per "
                + "session, inside scripts included) %s%n", what, sessions, nodeCalls, nodeCalls / (double) sessions,
                total, total / (double) sessions, redisCommands);
    }

    /** Creation time, one thread, without and with {@code WAIT 1} (a Sentinel link) on the same primary and replica. */
    private static void waitCost(RedisSessionStore plain, RedisSessionStore replicated) {
        try {
            int n = 1000;
            for (int round = 0; round < 2; round++) { // the first round warms up
                long withoutNanos = creations(plain, n, 1_000_000 + round * 2 * n);
                long withNanos = creations(replicated, n, 1_000_000 + round * 2 * n + n);
                if (round == 1) {
                    System.out.printf("CAPACITY wait creations=%d without_wait_ms_each=%.3f with_wait_ms_each=%.3f%n",
                            n, withoutNanos / 1e6 / n, withNanos / 1e6 / n);
                }
            }
        } finally {
            plain.close();
            replicated.close();
        }
    }

    private static long creations(RedisSessionStore store, int n, int from) {
        long start = System.nanoTime();
        for (int i = from; i < from + n; i++) {
            store.save(new Session(new UserKey(i, ~i, i * 31L, 7), new Identity("user" + i, Set.of(), "tag"),
                    "10.1.0." + (i % 250), System.currentTimeMillis(), Ticker.systemTicker().read()));
        }
        return System.nanoTime() - start;
    }

    private static RedisSessionStore store(String uri) {
        RedisLink link = RedisLink.connect(new GateConfig.Cluster(uri, TIMEOUT));
        return new RedisSessionStore(link, new CaffeineSessionStore(20_000, IDLE, Duration.ofHours(8), Ticker.systemTicker()),
                Ticker.systemTicker(), "node-a", IDLE, Duration.ofHours(8), TIMEOUT, Duration.ofHours(1));
    }
}
