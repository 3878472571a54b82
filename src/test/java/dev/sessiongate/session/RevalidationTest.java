package dev.sessiongate.session;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §2: a session older than {@code session.revalidate-after} is re-checked in the background
 * with the authenticator's {@code validate}; a changed password or a removed user ends it.
 */
class RevalidationTest {
    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;

    @Test
    void aChangedPasswordStopsTheOldOneWithinRevalidateAfter() throws Exception {
        Path users = dir.resolve("users.htpasswd");
        Files.copy(Fixtures.USERS, users);
        CountingAuthenticator authenticator = new CountingAuthenticator(new HtpasswdAuthenticator(users, null));
        try (GateServer server = start(authenticator); LogCapture log = new LogCapture()) {
            String first = session(server, "sha1-pw");
            replace(users, "sha1:{SHA}lMkyXIreT2Mn2H4kBxPC/X/b/GM=\n"); // htpasswd -nbs sha1 new-pw

            advance(Duration.ofSeconds(30));
            assertThat(session(server, "sha1-pw")).as("not due yet: served from the cache").isEqualTo(first);
            advance(Duration.ofSeconds(31));
            assertThat(session(server, "sha1-pw")).as("due: served while the check runs").isEqualTo(first);

            log.await("event=session_revalidation_failed user=sha1");
            server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x").then().statusCode(401);
            assertThat(session(server, "new-pw")).isNotEqualTo(first);
        }
    }

    @Test
    void aRemovedUserIsEndedAndAnUnchangedOneKept() throws Exception {
        Path users = dir.resolve("users.htpasswd");
        Files.copy(Fixtures.USERS, users);
        CountingAuthenticator authenticator = new CountingAuthenticator(new HtpasswdAuthenticator(users, null));
        try (GateServer server = start(authenticator); LogCapture log = new LogCapture()) {
            String kept = session(server, "apr1-openssl", "apr1-openssl-pw");
            String removed = session(server, "sha1", "sha1-pw");
            replace(users, Files.readString(Fixtures.USERS).replaceAll("(?m)^sha1:.*\n", ""));

            advance(Duration.ofSeconds(61));
            session(server, "apr1-openssl", "apr1-openssl-pw");
            assertThat(session(server, "sha1", "sha1-pw")).isEqualTo(removed);
            log.await("event=session_revalidation_failed user=sha1");
            server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x").then().statusCode(401);

            int checks = authenticator.checks();
            assertThat(session(server, "apr1-openssl", "apr1-openssl-pw")).isEqualTo(kept);
            assertThat(authenticator.checks()).isEqualTo(checks);
            assertThat(log.text()).doesNotContain("session_revalidation_failed user=apr1-openssl");
        }
    }

    /** Issue 13 point 3: a user store that is down fails every due session alike; that is one line, not one each. */
    @Test
    void aDownUserStoreIsOneLineAMinuteNotOnePerSession() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        CountDownLatch failedChecks = new CountDownLatch(20);
        Authenticator accepting = new AcceptingAuthenticator();
        CountingAuthenticator authenticator = new CountingAuthenticator(new Authenticator() {
            @Override
            public Optional<Identity> authenticate(String user, Password password) {
                return accepting.authenticate(user, password);
            }

            @Override
            public boolean validate(Identity identity) {
                if (down.get()) {
                    failedChecks.countDown();
                    throw new AuthenticatorUnavailableException("directory unreachable", null);
                }
                return true;
            }
        });
        try (LogCapture log = new LogCapture()) {
            try (GateServer server = start(authenticator)) {
                for (int i = 0; i < 20; i++) {
                    session(server, "user" + i, "ok-" + i);
                }
                down.set(true);
                advance(Duration.ofSeconds(61));
                for (int i = 0; i < 20; i++) {
                    assertThat(session(server, "user" + i, "ok-" + i)).as("kept while the store is down").isNotNull();
                }
                log.await("event=revalidation_unavailable user=user0");
                assertThat(failedChecks.await(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(log.lines()).filteredOn(line -> line.contains("event=revalidation_unavailable ")).hasSize(1);
            assertThat(log.text()).contains("event=revalidation_unavailable_repeated count=19 windowSeconds=60");
        }
    }

    private GateServer start(CountingAuthenticator authenticator) {
        return GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("session.revalidate-after", "60s")
                .authenticator(authenticator)
                .ticker(ticker)
                .build());
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    /** Replaces the file as editors and htpasswd do: a new file moved over the old one. */
    private void replace(Path file, String content) throws IOException {
        Path next = Files.writeString(dir.resolve("next"), content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String session(GateServer server, String password) {
        return session(server, "sha1", password);
    }

    private static String session(GateServer server, String user, String password) {
        return server.request().header("Authorization", basic(user, password)).post("/api/x")
                .then().statusCode(200).extract().jsonPath().getString("sessionId");
    }
}
