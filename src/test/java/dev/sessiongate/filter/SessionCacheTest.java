package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateExtension;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SPEC §1.4 and §1.6: one password check per key, cached sessions, the request wrapper. */
class SessionCacheTest {
    static final CountingAuthenticator authenticator = counting();

    @RegisterExtension
    static final GateExtension jetty = new GateExtension(() -> SessionGate.builder()
            .set("key.secret", Fixtures.SECRET)
            .authenticator(authenticator)
            .build(),
            context -> context.addServlet(WhoAmIServlet.class, "/api/whoami/*"));

    @Test
    void secondRequestWithSameKeyRunsNoPasswordCheck() {
        int before = authenticator.checks();
        JsonPath first = post("/api/cache/one", "bcrypt-2y", "bcrypt-2y-pw");
        JsonPath second = post("/api/cache/one", "bcrypt-2y", "bcrypt-2y-pw");
        assertThat(authenticator.checks() - before).isEqualTo(1);
        assertThat(first.getBoolean("newSession")).isTrue();
        assertThat(second.getBoolean("newSession")).isFalse();
        assertThat(second.getString("sessionId")).isEqualTo(first.getString("sessionId"));
    }

    @Test
    void hundredConcurrentFirstRequestsRunOnePasswordCheckAndShareOneSession() throws Exception {
        int before = authenticator.checks();
        int n = 100;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<JsonPath>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Callable<JsonPath> call = () -> {
                    start.await();
                    return post("/api/herd", "bcrypt-2y", "bcrypt-2y-pw");
                };
                answers.add(pool.submit(call));
            }
            start.countDown();
            Set<String> ids = new HashSet<>();
            int newSessions = 0;
            for (Future<JsonPath> answer : answers) {
                JsonPath body = answer.get();
                ids.add(body.getString("sessionId"));
                newSessions += body.getBoolean("newSession") ? 1 : 0;
            }
            assertThat(authenticator.checks() - before).isEqualTo(1);
            assertThat(ids).hasSize(1);
            assertThat(newSessions).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentWrongPasswordsOfOneKeyShareOneCheckAndAreAllRefused() throws Exception {
        // The check is held until all 20 requests are in: one running it, 19 waiting for its result.
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger checks = new AtomicInteger();
        Authenticator held = new Authenticator() {
            @Override
            public Optional<Identity> authenticate(String user, Password password) {
                checks.incrementAndGet();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Optional.empty();
            }

            @Override
            public boolean validate(Identity identity) {
                return true;
            }
        };
        SessionGate gate = SessionGate.builder().set("key.secret", Fixtures.SECRET).authenticator(held).build();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try (GateServer server = GateServer.start(gate)) {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                statuses.add(pool.submit(() -> server.request().header("Authorization", basic("bcrypt-2y", "wrong"))
                        .post("/api/wrong-herd").statusCode()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (gate.stats().coalesced() < 19) {
                assertThat(System.nanoTime()).as("19 requests waiting for the check").isLessThan(deadline);
                Thread.sleep(5); // polls a condition; the order of arrivals does not matter
            }
            release.countDown();
            for (Future<Integer> status : statuses) {
                assertThat(status.get(20, TimeUnit.SECONDS)).isEqualTo(401);
            }
            assertThat(checks.get()).isEqualTo(1);
            assertThat(gate.stats().authCalls()).isEqualTo(1);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void sessionIdsAre128RandomBitsUrlSafe() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String id = post("/api/ids/" + i, "sha1", "sha1-pw").getString("sessionId");
            assertThat(id).matches("[A-Za-z0-9_-]{22}");
            assertThat(Base64.getUrlDecoder().decode(id)).hasSize(16);
            ids.add(id);
        }
        assertThat(ids).hasSize(20);
    }

    @Test
    void theApplicationSeesTheUserRolesAndACachedSessionWithoutCookies() {
        Response first = jetty.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/whoami");
        Response second = jetty.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/whoami");
        Response third = jetty.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/whoami");
        JsonPath body = third.jsonPath();
        assertThat(body.getString("remoteUser")).isEqualTo("bcrypt-2y");
        assertThat(body.getString("principal")).isEqualTo("bcrypt-2y");
        assertThat(body.getString("authType")).isEqualTo("BASIC");
        assertThat(body.getBoolean("partners")).isTrue();
        assertThat(body.getBoolean("admins")).isTrue();
        assertThat(body.getInt("count")).isEqualTo(3);
        assertThat(body.getString("sessionId")).isEqualTo(first.jsonPath().getString("sessionId"));
        for (Response response : List.of(first, second, third)) {
            assertThat(response.getHeaders().getValues("Set-Cookie")).isEmpty();
        }
    }

    @Test
    void anApplicationThatInvalidatesTheSessionEndsItForTheKey() {
        int before = authenticator.checks();
        String first = post("/api/whoami/inv", "sha1", "sha1-pw").getString("sessionId");
        JsonPath invalidated = post("/api/whoami/inv?invalidate=1", "sha1", "sha1-pw");
        assertThat(invalidated.getString("sessionId")).isEqualTo(first);
        assertThat(invalidated.getBoolean("goneAfterInvalidate")).isTrue();
        JsonPath next = post("/api/whoami/inv", "sha1", "sha1-pw");
        assertThat(next.getString("sessionId")).isNotEqualTo(first);
        assertThat(next.getInt("count")).isEqualTo(1);
        assertThat(authenticator.checks() - before).isEqualTo(2);
    }

    @Test
    void rolesComeFromTheGroupsFile() {
        JsonPath body = post("/api/whoami", "sha1", "sha1-pw");
        assertThat(body.getBoolean("partners")).isTrue();
        assertThat(body.getBoolean("admins")).isFalse();
    }

    @Test
    void anotherPasswordOrUserGetsAnotherSession() {
        String a = post("/api/whoami/x", "sha1", "sha1-pw").getString("sessionId");
        String b = post("/api/whoami/x", "apr1-openssl", "apr1-openssl-pw").getString("sessionId");
        assertThat(a).isNotEqualTo(b);
    }

    private static JsonPath post(String path, String user, String password) {
        Response response = jetty.request().header("Authorization", basic(user, password)).post(path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response.jsonPath();
    }

    private static CountingAuthenticator counting() {
        try {
            return new CountingAuthenticator(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
