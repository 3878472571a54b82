package dev.sessiongate.auth;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A user store that hangs (a stopped directory still accepts connections) holds no login longer
 * than {@code auth.timeout}: {@code 503} with {@code Retry-After}, for the login whose check hangs
 * and for those queued behind it; {@code /health} says so. The time-out is a guard against a hanging
 * test, not an assertion.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HangingStoreTest {

    @Test
    void healthSaysDegradedWhileChecksFailAndUpOnceOneIsAnsweredAgain() {
        Hanging store = new Hanging();
        try (GateServer server = start(store, "auth.timeout", "2s")) {
            login(server, "alice", "ok").then().statusCode(200);
            server.request().get("/health").then().statusCode(200).body("status", equalTo("up"));

            login(server, "hang", "ok").then().statusCode(503);
            server.request().get("/health").then().statusCode(200).body("status", equalTo("degraded"))
                    .body("reason", equalTo("authenticator unavailable")).body("sessions", equalTo(1));
            login(server, "alice", "ok").then().statusCode(200); // cached: served all the same

            login(server, "bob", "wrong").then().statusCode(401); // a wrong password is an answer too
            server.request().get("/health").then().statusCode(200).body("status", equalTo("up"));
            store.release.countDown();
        }
    }

    @Test
    void aCheckThatHangsIs503AndSoIsOneWaitingForAThread() {
        Hanging store = new Hanging();
        try (GateServer server = start(store, "auth.threads", "1", "auth.timeout", "2s")) {
            Response hung = login(server, "hang", "ok");
            hung.then().statusCode(503).body("error", equalTo("authentication_timeout"));
            assertThat(hung.getHeader("Retry-After")).isNotNull();
            // The one thread is still stuck in the first check: this one never gets to run.
            login(server, "alice", "ok").then().statusCode(503).body("error", equalTo("authentication_timeout"));

            store.release.countDown();
            login(server, "alice", "ok").then().statusCode(200);
        }
    }

    private static GateServer start(Authenticator authenticator, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .authenticator(authenticator);
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build());
    }

    private static Response login(GateServer server, String user, String password) {
        return server.request().header("Authorization", basic(user, password)).post("/api/x");
    }

    /**
     * Hangs the check of user {@code hang} until released, deaf to interrupts as a blocking
     * socket read is; accepts passwords starting with "ok".
     */
    static final class Hanging implements Authenticator {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Optional<Identity> authenticate(String user, Password password) {
            boolean ok = new String(password.bytes(), StandardCharsets.UTF_8).startsWith("ok");
            if (user.equals("hang")) {
                boolean interrupted = false;
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return ok ? Optional.of(new Identity(user, Set.of(), "")) : Optional.empty();
        }

        @Override
        public boolean validate(Identity identity) {
            return true;
        }
    }
}
