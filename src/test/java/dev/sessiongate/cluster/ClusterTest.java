package dev.sessiongate.cluster;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RedisExtension;
import dev.sessiongate.testing.RedisProcess;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SPEC §6 cluster: two nodes on one Redis behave as one, over real HTTP and a real redis-server. */
class ClusterTest {
    static final String ADMIN = "admin-token-0123456789abcdef";
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private RedisProcess redis;

    @BeforeEach
    void redis() {
        redis = REDIS.redis();
    }

    /** A node on {@code redisUri}, named {@code name}, with the admin API on; {@code settings} as key, value... */
    static GateServer node(String redisUri, String name, Authenticator users, String... settings) {
        return node(redisUri, name, users, Ticker.systemTicker(), settings);
    }

    /** As above, with {@code ticker} as the node's clock of expiry and revalidation. */
    static GateServer node(String redisUri, String name, Authenticator users, Ticker ticker, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("store.redis-uri", redisUri)
                .set("node.name", name)
                .set("admin.token", ADMIN)
                .authenticator(users)
                .ticker(ticker);
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build());
    }

    static JsonPath call(GateServer node, String user, String password) {
        return node.request().header("Authorization", basic(user, password)).post("/api/orders")
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aKeyAuthenticatedOnOneNodeIsServedByTheOtherWithTheSameSession() {
        CountingAuthenticator usersA = new CountingAuthenticator(new AcceptingAuthenticator());
        CountingAuthenticator usersB = new CountingAuthenticator(new AcceptingAuthenticator());
        try (GateServer a = node(redis.uri(), "node-a", usersA); GateServer b = node(redis.uri(), "node-b", usersB)) {
            JsonPath first = call(a, "alice", "ok-1");
            JsonPath second = call(b, "alice", "ok-1");
            JsonPath third = call(a, "alice", "ok-1");
            assertThat(first.getBoolean("newSession")).isTrue();
            assertThat(second.getString("sessionId")).isEqualTo(first.getString("sessionId"));
            assertThat(second.getBoolean("newSession")).isFalse();
            assertThat(third.getString("sessionId")).isEqualTo(first.getString("sessionId"));
            assertThat(usersA.checks()).isEqualTo(1);
            assertThat(usersB.checks()).isZero();

            call(b, "bob", "ok-2");
            for (GateServer node : List.of(a, b)) {
                List<Map<String, Object>> sessions = node.request().header("Authorization", "Bearer " + ADMIN)
                        .get("/admin/sessions").then().statusCode(200).extract().jsonPath().getList("$");
                assertThat(sessions).extracting(s -> s.get("user") + "@" + s.get("node"))
                        .containsExactlyInAnyOrder("alice@node-a", "bob@node-b");
            }
            assertThat(a.request().get("/health").jsonPath().getString("status")).isEqualTo("up");
            assertThat(a.request().get("/health").jsonPath().getInt("sessions")).isEqualTo(2);
        }
    }

    @Test
    void aRevokeOnOneNodeEndsTheSessionOnEveryNodeWithinASecond() {
        CountingAuthenticator usersB = new CountingAuthenticator(new AcceptingAuthenticator());
        try (GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator());
             GateServer b = node(redis.uri(), "node-b", usersB)) {
            String id = call(a, "alice", "ok-1").getString("sessionId");
            assertThat(call(b, "alice", "ok-1").getString("sessionId")).isEqualTo(id);

            long start = System.nanoTime();
            a.request().header("Authorization", "Bearer " + ADMIN).delete("/admin/sessions/" + id)
                    .then().statusCode(204);
            long millis = awaitNewSession(b, "alice", "ok-1", id, start);
            System.out.println("revoke delay (admin DELETE on A until B authenticates again): " + millis + " ms");
            assertThat(millis).isLessThan(1000);
            assertThat(usersB.checks()).isEqualTo(1);
        }
    }

    @Test
    void aFailedRevalidationOnOneNodeEndsTheSessionOnEveryNode() throws Exception {
        Revocable users = new Revocable();
        AtomicLong clockOfA = new AtomicLong(Ticker.systemTicker().read());
        try (GateServer a = node(redis.uri(), "node-a", users, clockOfA::get, "session.revalidate-after", "1");
             GateServer b = node(redis.uri(), "node-b", new AcceptingAuthenticator(), "session.revalidate-after", "1")) {
            String id = call(a, "alice", "ok-1").getString("sessionId");
            assertThat(call(b, "alice", "ok-1").getString("sessionId")).isEqualTo(id);
            users.valid = false;
            clockOfA.addAndGet(1_100_000_000L);
            call(a, "alice", "ok-1"); // due on A's clock: A revalidates in the background, the check fails
            long start = System.nanoTime();
            long millis = awaitNewSession(b, "alice", "ok-1", id, start);
            System.out.println("revoke delay (failed revalidation on A until B authenticates again): " + millis + " ms");
            assertThat(millis).isLessThan(1000);
        }
    }

    @Test
    void aNodeThatMissedARevocationDropsTheSessionAtItsNextFlush() throws Exception {
        try (GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator(), "session.idle-timeout", "4")) {
            String id = call(a, "alice", "ok-1").getString("sessionId");
            call(a, "alice", "ok-1");
            // Gone from Redis with no message, as when a node was reconnecting while another revoked it.
            redis.command("EVAL \"for _, k in ipairs(redis.call('KEYS', 'sg:{*}:s')) do redis.call('DEL', k) end\" 0");
            long start = System.nanoTime();
            long millis = awaitNewSession(a, "alice", "ok-1", id, start);
            System.out.println("a revocation missed by a node ends there at its next flush (every 1 s here): " + millis + " ms");
            assertThat(redis.command("EXISTS sg:id:" + id)).as("the old session's id, indexed again by the flush").isEqualTo(":0");
        }
    }

    /** Calls {@code node} until the key gets a session other than {@code id}; the milliseconds since {@code start}. */
    static long awaitNewSession(GateServer node, String user, String password, String id, long start) {
        while (call(node, user, password).getString("sessionId").equals(id)) {
            assertThat(System.nanoTime() - start).as("still the old session after 5 s").isLessThan(5_000_000_000L);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void nodesWithoutAKeySecretAdoptTheClusterOnesAndADifferentOneRefusesToStart() {
        try (GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator())) {
            String stored = redis.command("GET " + RedisLink.SECRET_KEY);
            assertThat(stored).isNotBlank();
            try (GateServer b = node(redis.uri(), "node-b", new AcceptingAuthenticator())) {
                assertThat(redis.command("GET " + RedisLink.SECRET_KEY)).isEqualTo(stored);
                assertThat(call(b, "alice", "ok-1").getString("sessionId"))
                        .isEqualTo(call(a, "alice", "ok-1").getString("sessionId"));
            }
            assertThatThrownBy(() -> node(redis.uri(), "node-c", new AcceptingAuthenticator(),
                    "key.secret", "another-secret-0123456789"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("key.secret differs from the secret the cluster at 127.0.0.1:" + redis.port())
                    .hasMessageNotContaining("another-secret");
        }
        redis.command("FLUSHALL");
        try (GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator(), "key.secret", "configured-0123456789");
             GateServer b = node(redis.uri(), "node-b", new AcceptingAuthenticator(), "key.secret", "configured-0123456789")) {
            assertThat(call(b, "alice", "ok-1").getString("sessionId"))
                    .isEqualTo(call(a, "alice", "ok-1").getString("sessionId"));
        }
    }

    @Test
    void aNodeWhoseRedisIsUnreachableRefusesToStartAndNeverRepeatsThePassword() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String uri = "redis://:hunter2-secret@127.0.0.1:" + port;
        assertThatThrownBy(() -> node(uri, "node-a", new AcceptingAuthenticator()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot reach Redis at 127.0.0.1:" + port)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void apiTokensIssuedOnOneNodeWorkOnEveryNodeUntilRevoked() {
        try (GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator());
             GateServer b = node(redis.uri(), "node-b", new AcceptingAuthenticator())) {
            JsonPath issued = a.request().header("Authorization", "Bearer " + ADMIN).contentType("application/json")
                    .body("{\"user\":\"robot\"}").post("/admin/tokens").then().statusCode(201).extract().jsonPath();
            String token = issued.getString("token");
            assertThat(redis.command("HLEN sg:tokens")).isEqualTo(":1");
            assertThat(redis.command("HGETALL sg:tokens")).doesNotContain(token);
            b.request().header("Authorization", "Bearer " + token).post("/api/x").then().statusCode(200);
            assertThat(b.request().header("Authorization", "Bearer " + ADMIN).get("/admin/tokens")
                    .jsonPath().getList("user")).containsExactly("robot");

            b.request().header("Authorization", "Bearer " + ADMIN).delete("/admin/tokens/" + issued.getString("id"))
                    .then().statusCode(204);
            long deadline = System.nanoTime() + 1_000_000_000L;
            int status;
            do {
                status = a.request().header("Authorization", "Bearer " + token).post("/api/x").statusCode();
            } while (status == 200 && System.nanoTime() < deadline);
            assertThat(status).isEqualTo(401);
        }
    }

    @Test
    void aCachedKeyCostsRedisNoCallPerRequest() {
        try (GateServer a = node(redis.uri(), "node-a", new AcceptingAuthenticator())) {
            call(a, "alice", "ok-1");
            double before = redisCalls(a);
            String statsBefore = redis.command("INFO commandstats");
            int requests = 5000;
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                a.request().header("Authorization", basic("alice", "ok-1")).post("/api/orders").then().statusCode(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double calls = redisCalls(a) - before;
            System.out.printf("%d requests of a cached key in %.1f s: %.0f Redis calls by the node (%.2f per 1,000 "
                    + "requests); Redis saw (commands inside scripts included) %s%n", requests, seconds, calls,
                    calls * 1000 / requests, RedisCalls.between(statsBefore, redis.command("INFO commandstats")));
            // Not a call per request: one batched write per 5 s (the flush period) and one for the metrics page.
            // A flush of one session is 7 single-key calls (its hash, its id, its user's and address's sets,
            // sg:all, sg:users, sg:ips), one pipelined batch: each on its own shard of a Redis Cluster.
            assertThat(calls).isLessThanOrEqualTo(2 + 7 * Math.ceil(seconds / 5));
        }
    }

    private static double redisCalls(GateServer node) {
        String metrics = node.request().header("Authorization", "Bearer " + ADMIN).get("/admin/metrics").asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^sessiongate_redis_calls_total (\\S+)$")
                .matcher(metrics);
        assertThat(m.find()).as("sessiongate_redis_calls_total in\n%s", metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** Accepts "ok" passwords; {@code validate} says what {@link #valid} says. */
    static final class Revocable implements Authenticator {
        volatile boolean valid = true;

        @Override
        public Optional<Identity> authenticate(String user, Password password) {
            return new AcceptingAuthenticator().authenticate(user, password);
        }

        @Override
        public boolean validate(Identity identity) {
            return valid;
        }
    }
}
