package dev.sessiongate.cluster;

import static dev.sessiongate.cluster.ClusterTest.call;
import static dev.sessiongate.cluster.ClusterTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.CutProxy;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.RedisProcess;
import dev.sessiongate.testing.SlowProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * SPEC §6 cluster, when Redis fails: killed, restarted empty, slow. Each test has its own
 * redis-server, which it kills and restarts; none touches a Redis on the standard port.
 */
class ClusterFaultTest {

    @Test
    void withRedisKilledNodesServeTheirCachedKeysAuthenticateNewOnesAndSayTheyAreDegraded() throws Exception {
        CountingAuthenticator users = new CountingAuthenticator(new AcceptingAuthenticator());
        try (RedisProcess redis = RedisProcess.start(); LogCapture log = new LogCapture();
             GateServer a = node(redis.uri(), "node-a", users)) {
            String alice = call(a, "alice", "ok-1").getString("sessionId");
            redis.kill();

            for (int i = 0; i < 20; i++) {
                assertThat(call(a, "alice", "ok-1").getString("sessionId")).isEqualTo(alice);
            }
            assertThat(call(a, "bob", "ok-2").getBoolean("newSession")).isTrue();
            assertThat(call(a, "bob", "ok-2").getBoolean("newSession")).isFalse();
            assertThat(users.checks()).isEqualTo(2);

            awaitHealth(a, "degraded");
            assertThat(a.request().get("/health").jsonPath().getString("reason")).isEqualTo("redis unreachable");
            assertThat(log.await("event=redis_unavailable")).contains("reason=");
            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).get("/admin/sessions")
                    .then().statusCode(200);
            assertThat(log.text()).doesNotContain("ERROR");
        }
    }

    @Test
    void redisRestartedEmptyGetsEveryLiveSessionBackFromTheNodes() throws Exception {
        CountingAuthenticator usersB = new CountingAuthenticator(new AcceptingAuthenticator());
        try (RedisProcess redis = RedisProcess.start(); LogCapture log = new LogCapture();
             GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator())) {
            String alice = call(a, "alice", "ok-1").getString("sessionId");
            redis.kill();
            String bob = call(a, "bob", "ok-2").getString("sessionId"); // made while Redis is away
            awaitHealth(a, "degraded");

            redis.restart();
            awaitHealth(a, "up");
            assertThat(log.await("event=sessions_written_back")).contains("sessions=2");
            assertThat(redis.command("EXISTS " + RedisLink.SECRET_KEY)).isEqualTo(":1");

            try (GateServer b = node(redis.uri(), "node-b", usersB)) {
                assertThat(call(b, "alice", "ok-1").getString("sessionId")).isEqualTo(alice);
                assertThat(call(b, "bob", "ok-2").getString("sessionId")).isEqualTo(bob);
                assertThat(usersB.checks()).isZero();
            }
        }
    }

    @Test
    void theWriteBackGoesOnPastASessionRedisRefusesAndSaysHowManyFailed() throws Exception {
        try (RedisProcess redis = RedisProcess.start(); LogCapture log = new LogCapture();
             GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator(), "store.timeout", "2s")) {
            for (int i = 0; i < 10; i++) {
                call(a, "user" + i, "ok-" + i);
            }
            call(a, "mallory", "ok-m");
            // Redis loses its data, and a key of another type stands where mallory's index goes:
            // that one session cannot be written back, the ten others must be.
            redis.command("EVAL \"redis.call('FLUSHALL') redis.call('SET', 'sg:u:mallory', 'not a sorted set')\" 0");

            assertThat(log.await("event=sessions_written_back")).contains("sessions=10", "of=11", "failed=1");
            awaitHealth(a, "up");
            assertThat(redis.command("ZCARD sg:all")).isEqualTo(":10");
            assertThat(log.text()).contains("event=write_back_failed sessions=1").contains("WRONGTYPE");
        }
    }

    @Test
    void aSlowRedisCostsMissesABoundedTimeOutAndHitsNothing() throws Exception {
        CountingAuthenticator users = new CountingAuthenticator(new AcceptingAuthenticator());
        try (RedisProcess redis = RedisProcess.start(); SlowProxy proxy = new SlowProxy(redis.port());
             GateServer a = node("redis://127.0.0.1:" + proxy.port(), "node-a", users, "store.timeout", "300ms")) {
            String alice = call(a, "alice", "ok-1").getString("sessionId");
            proxy.delay(Duration.ofSeconds(5));

            long slowest = 0;
            for (int i = 0; i < 50; i++) {
                long start = System.nanoTime();
                assertThat(call(a, "alice", "ok-1").getString("sessionId")).isEqualTo(alice);
                slowest = Math.max(slowest, System.nanoTime() - start);
            }
            long start = System.nanoTime();
            assertThat(call(a, "bob", "ok-2").getBoolean("newSession")).isTrue();
            long miss = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("Redis answering after 5 s: slowest of 50 hits %d ms, a new key %d ms%n",
                    slowest / 1_000_000, miss);
            // Not timings of the code under test but of whether it waited for Redis at all: 5 s.
            assertThat(slowest / 1_000_000).isLessThan(2000);
            assertThat(miss).isLessThan(2000);
            awaitHealth(a, "degraded");

            proxy.delay(Duration.ZERO);
            awaitHealth(a, "up");
            assertThat(call(a, "bob", "ok-2").getBoolean("newSession")).isFalse();
            assertThat(users.checks()).isEqualTo(2);
        }
    }

    @Test
    void aRevokeMadeWhileRedisIsAwayReachesTheOtherNodesWhenItReturns() throws Exception {
        try (RedisProcess redis = RedisProcess.start(); SlowProxy proxy = new SlowProxy(redis.port());
             LogCapture log = new LogCapture();
             GateServer a = node("redis://127.0.0.1:" + proxy.port(), "node-a", new AcceptingAuthenticator(),
                     "store.timeout", "300ms");
             GateServer b = node(redis.uri(), "node-b", new AcceptingAuthenticator())) {
            String id = call(a, "alice", "ok-1").getString("sessionId");
            assertThat(call(b, "alice", "ok-1").getString("sessionId")).isEqualTo(id);
            proxy.delay(Duration.ofSeconds(5));
            awaitHealth(a, "degraded");

            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).delete("/admin/sessions/" + id)
                    .then().statusCode(204);
            assertThat(call(b, "alice", "ok-1").getString("sessionId")).as("Redis has not heard of it yet").isEqualTo(id);

            proxy.delay(Duration.ZERO);
            awaitHealth(a, "up");
            assertThat(log.await("event=removals_replayed")).contains("sessions=1");
            ClusterTest.awaitNewSession(b, "alice", "ok-1", id, System.nanoTime());
        }
    }

    @Test
    void aRevokeANodeMissedWhileItsPubSubWasCutEndsTheSessionThereAndIsNotUndone() throws Exception {
        // B's connections to Redis are cut for a moment, healed before B made any call: the
        // sg:revoke message is lost to B. B must drop the session once it is back, and must not
        // write it back to Redis as if Redis had lost it (which would revive it on every node).
        try (RedisProcess redis = RedisProcess.start(); CutProxy proxy = new CutProxy(redis.port());
             GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator());
             GateServer b = node("redis://127.0.0.1:" + proxy.port(), "node-b", new AcceptingAuthenticator(),
                     "store.timeout", "300ms")) {
            String id = call(a, "alice", "ok-1").getString("sessionId");
            assertThat(call(b, "alice", "ok-1").getString("sessionId")).isEqualTo(id);

            proxy.cut();
            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).delete("/admin/sessions/" + id)
                    .then().statusCode(204);
            proxy.heal();

            ClusterTest.awaitNewSession(b, "alice", "ok-1", id, System.nanoTime());
            String next = call(b, "alice", "ok-1").getString("sessionId");
            Thread.sleep(2_500); // two probes: a write-back would have run by now
            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).get("/admin/sessions/" + id)
                    .then().statusCode(404);
            assertThat(call(a, "alice", "ok-1").getString("sessionId")).isEqualTo(next);
        }
    }

    @Test
    void aRevokeMadeWhileANodeWasAwayFromRedisIsNotUndoneByItsWriteBack() throws Exception {
        try (RedisProcess redis = RedisProcess.start(); CutProxy proxy = new CutProxy(redis.port());
             GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator());
             GateServer b = node("redis://127.0.0.1:" + proxy.port(), "node-b", new AcceptingAuthenticator(),
                     "store.timeout", "300ms")) {
            String id = call(a, "alice", "ok-1").getString("sessionId");
            assertThat(call(b, "alice", "ok-1").getString("sessionId")).isEqualTo(id);

            proxy.cut();
            awaitHealth(b, "degraded");
            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).delete("/admin/sessions/" + id)
                    .then().statusCode(204);
            proxy.heal();
            awaitHealth(b, "up");

            ClusterTest.awaitNewSession(b, "alice", "ok-1", id, System.nanoTime());
            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).get("/admin/sessions/" + id)
                    .then().statusCode(404);
        }
    }

    @Test
    void theIdsOfRemovedSessionsAreKeptNoLongerThanASessionLives() throws Exception {
        // Each id with its own deadline (found by an attack review: one PEXPIRE for the whole set
        // kept every id of a key that removes sessions often, without bound).
        try (RedisProcess redis = RedisProcess.start();
             GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator(), "session.max-lifetime", "2")) {
            long start = System.nanoTime();
            int removals = 0;
            while (System.nanoTime() - start < 6_000_000_000L) {
                String id = call(a, "alice", "ok-1").getString("sessionId");
                a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).delete("/admin/sessions/" + id)
                        .then().statusCode(204);
                removals++;
                Thread.sleep(100);
            }
            String key = redis.command("EVAL \"return redis.call('KEYS','sg:{*}:r')[1]\" 0");
            long kept = Long.parseLong(redis.command("ZCARD " + key).trim().substring(1));
            assertThat(kept).as("ids kept of %s removed in 6 s, 2 s lifetime", removals).isPositive()
                    .isLessThan(Math.max(removals / 2, 1));
        }
    }

    private static void awaitHealth(GateServer node, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String seen;
        while (!(seen = node.request().get("/health").then().statusCode(200).extract().jsonPath().getString("status"))
                .equals(status)) {
            assertThat(System.nanoTime()).as("health still %s", seen).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
