package dev.sessiongate.session;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import io.restassured.response.Response;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** SPEC §2: sessions.max-per-user, sessions.max-per-ip and sessions.on-limit. */
class SessionLimitsTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = () -> nanos.addAndGet(1_000); // every reading is a little later
    private final CountingAuthenticator authenticator = new CountingAuthenticator(new AcceptingAuthenticator());

    @Test
    void evictOldestEndsTheUsersOldestSessionToMakeRoom() {
        try (GateServer server = start("sessions.max-per-user", "2"); LogCapture log = new LogCapture()) {
            String a = session(server, "alice", "/api/a", "192.0.2.1");
            String b = session(server, "alice", "/api/b", "192.0.2.1");
            session(server, "alice", "/api/c", "192.0.2.1");
            log.await("event=session_evicted user=alice");
            assertThat(log.text()).contains("sessionId=" + a).contains("reason=sessions.max-per-user");
            int checks = authenticator.checks();
            assertThat(session(server, "alice", "/api/b", "192.0.2.1")).isEqualTo(b);
            assertThat(session(server, "alice", "/api/a", "192.0.2.1")).isNotEqualTo(a);
            assertThat(authenticator.checks()).isEqualTo(checks + 1);
            session(server, "bob", "/api/a", "192.0.2.1");
        }
    }

    @Test
    void rejectRefusesTheNewSessionWith429AndKeepsTheOldOnes() {
        try (GateServer server = start("sessions.max-per-user", "2", "sessions.on-limit", "reject")) {
            String a = session(server, "alice", "/api/a", "192.0.2.1");
            session(server, "alice", "/api/b", "192.0.2.1");
            Response refused = request(server, "alice", "/api/c", "192.0.2.1");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.jsonPath().getString("error")).isEqualTo("session_limit");
            assertThat(refused.getHeader("Retry-After")).isEqualTo("60");
            assertThat(session(server, "alice", "/api/a", "192.0.2.1")).isEqualTo(a);
            session(server, "bob", "/api/c", "192.0.2.1");
        }
    }

    @Test
    void perIpLimitEvictsTheOldestSessionFromThatAddress() {
        try (GateServer server = start("sessions.max-per-ip", "2"); LogCapture log = new LogCapture()) {
            String first = session(server, "u1", "/api/a", "198.51.100.1");
            session(server, "u2", "/api/a", "198.51.100.1");
            session(server, "u3", "/api/a", "198.51.100.1");
            log.await("reason=sessions.max-per-ip");
            assertThat(log.text()).contains("sessionId=" + first);
            session(server, "u4", "/api/a", "198.51.100.2");
            server.request().get("/health").then().body("sessions", equalTo(3));
        }
    }

    /**
     * Issue 13 point 10: behind a NAT or an unconfigured load balancer all partners share one
     * address; the defaults keep every one of them cached (no per-address limit) and the log says
     * once which key would tell them apart.
     */
    @Test
    void byDefaultManyUsersBehindOneAddressStayCachedAndTheLogSaysWhy() {
        SessionGate gate = SessionGate.builder().set("key.secret", Fixtures.SECRET).authenticator(authenticator)
                .ticker(ticker).build();
        try (GateServer server = GateServer.start(gate); LogCapture log = new LogCapture()) {
            int users = SessionLimits.SHARED_ADDRESS_SESSIONS + 70;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < users; i++) {
                    server.request().header("Authorization", basic("user" + i, "ok")).post("/api/x")
                            .then().statusCode(200);
                }
            }
            assertThat(authenticator.checks()).isEqualTo(users);
            assertThat(log.text()).doesNotContain("event=session_evicted");
            assertThat(log.text().split("event=shared_client_address", -1)).hasSize(2);
            assertThat(log.text()).contains("set trusted-proxies");
        }
    }

    @Test
    void onLimitMustBeKnown() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("sessions.on-limit", "drop")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sessions.on-limit=drop");
    }

    private GateServer start(String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", "127.0.0.1/32")
                .authenticator(authenticator)
                .ticker(ticker);
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build());
    }

    private static Response request(GateServer server, String user, String path, String ip) {
        return server.request().header("Authorization", basic(user, "ok")).header("X-Forwarded-For", ip).post(path);
    }

    private static String session(GateServer server, String user, String path, String ip) {
        Response response = request(server, user, path, ip);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response.jsonPath().getString("sessionId");
    }
}
