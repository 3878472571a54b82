package dev.sessiongate.session;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** SPEC §2: idle timeout and maximum lifetime, with a fake clock instead of sleeping. */
class SessionExpiryTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;
    private final CountingAuthenticator authenticator = new CountingAuthenticator(new AcceptingAuthenticator());

    @Test
    void idleSessionEndsAfterTheIdleTimeout() {
        try (GateServer server = start()) {
            String first = session(server);
            advance(Duration.ofSeconds(59));
            assertThat(session(server)).isEqualTo(first);
            advance(Duration.ofSeconds(59));
            assertThat(session(server)).isEqualTo(first);
            advance(Duration.ofSeconds(61));
            assertThat(session(server)).isNotEqualTo(first);
            assertThat(authenticator.checks()).isEqualTo(2);
        }
    }

    @Test
    void busySessionEndsAtItsMaximumLifetime() {
        try (GateServer server = start()) {
            String first = session(server);
            for (int i = 0; i < 5; i++) {
                advance(Duration.ofSeconds(50));
                assertThat(session(server)).isEqualTo(first);
            }
            advance(Duration.ofSeconds(50)); // 300 s after creation
            assertThat(session(server)).isNotEqualTo(first);
        }
    }

    private GateServer start() {
        return GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("session.idle-timeout", "60s")
                .set("session.max-lifetime", "5m")
                .authenticator(authenticator)
                .ticker(ticker)
                .build());
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    private static String session(GateServer server) {
        return server.request().header("Authorization", basic("alice", "ok")).post("/api/x")
                .then().statusCode(200).extract().jsonPath().getString("sessionId");
    }
}
