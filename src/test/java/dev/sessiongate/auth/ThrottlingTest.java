package dev.sessiongate.auth;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import io.restassured.response.Response;
import java.io.IOException;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * SPEC §2: failed-login throttling per user and IP and per IP ({@code 429} with
 * {@code Retry-After}), never across IPs; password checks on a bounded pool ({@code 503} when
 * full) that cached clients never wait for.
 */
class ThrottlingTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;

    @Test
    void tooManyFailuresOfOneUserFromOneIpAre429ButNotFromAnotherIp() {
        try (GateServer server = start(new AcceptingAuthenticator())) {
            for (int i = 0; i < 3; i++) {
                attempt(server, "alice", "wrong-" + i, "192.0.2.1").then().statusCode(401);
            }
            Response throttled = attempt(server, "alice", "ok-right", "192.0.2.1");
            assertThat(throttled.statusCode()).isEqualTo(429);
            assertThat(throttled.jsonPath().getString("error")).isEqualTo("too_many_failures");
            assertThat(Long.parseLong(throttled.getHeader("Retry-After"))).isBetween(1L, 60L);

            attempt(server, "alice", "ok-right", "192.0.2.2").then().statusCode(200);
            attempt(server, "bob", "ok-right", "192.0.2.1").then().statusCode(200);

            nanos.addAndGet(Duration.ofSeconds(61).toNanos());
            attempt(server, "alice", "ok-right", "192.0.2.1").then().statusCode(200);
        }
    }

    @Test
    void tooManyFailuresFromOneIpAre429ForEveryUserThere() {
        try (GateServer server = start(new AcceptingAuthenticator())) {
            for (int i = 0; i < 12; i++) { // 3 × 4, spread over users so no single user is throttled
                attempt(server, "user" + i, "wrong", "198.51.100.9").then().statusCode(401);
            }
            attempt(server, "carol", "ok-right", "198.51.100.9").then().statusCode(429);
            attempt(server, "carol", "ok-right", "198.51.100.10").then().statusCode(200);
        }
    }

    @Test
    void theSameWrongPasswordCountsOnceButEveryNewOneCounts() {
        try (GateServer server = start(new AcceptingAuthenticator(), "auth.max-failures", "5")) {
            for (int i = 0; i < 20; i++) {
                attempt(server, "alice", "wrong", "192.0.2.20").then().statusCode(401);
            }
            attempt(server, "alice", "ok-right", "192.0.2.20").then().statusCode(200);

            for (int i = 0; i < 5; i++) {
                attempt(server, "bob", "guess-" + i, "192.0.2.20").then().statusCode(401);
            }
            attempt(server, "bob", "guess-5", "192.0.2.20").then().statusCode(429);
            // A repeat of a counted guess is no way around the limit either.
            attempt(server, "bob", "guess-0", "192.0.2.20").then().statusCode(429);
        }
    }

    /**
     * A repeat is the same name as typed: in a case-sensitive users file {@code Alice} and
     * {@code alice} are two accounts, so one password tried against both is two guesses, counted
     * against the folded name as every failure is.
     */
    @Test
    void oneWrongPasswordUnderTwoSpellingsOfANameCountsTwice() {
        try (GateServer server = start(new AcceptingAuthenticator(), "auth.max-failures", "2")) {
            attempt(server, "alice", "wrong", "192.0.2.21").then().statusCode(401);
            attempt(server, "Alice", "wrong", "192.0.2.21").then().statusCode(401);
            attempt(server, "alice", "ok-right", "192.0.2.21").then().statusCode(429);
        }
    }

    /**
     * The client of the report: Java's HttpClient answers each 401 with the same wrong password
     * again (four tries per request, then it gives up with an exception). Two such requests used
     * to reach {@code auth.max-failures=5}, and the right password then got {@code 429}.
     */
    @Test
    void javasHttpClientRetryingAWrongPasswordDoesNotLockItselfOut() throws Exception {
        try (GateServer server = start(new AcceptingAuthenticator(), "auth.max-failures", "5")) {
            AtomicInteger asked = new AtomicInteger();
            HttpClient careful = HttpClient.newBuilder().authenticator(new java.net.Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    asked.incrementAndGet();
                    return new PasswordAuthentication("carol", "wrong".toCharArray());
                }
            }).build();
            for (String path : new String[] {"/api/one", "/api/two"}) {
                assertThatThrownBy(() -> careful.send(HttpRequest.newBuilder(URI.create(server.url(path)))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()))
                        .isInstanceOf(IOException.class).hasMessageContaining("too many authentication attempts");
            }
            assertThat(asked.get()).as("wrong passwords sent").isGreaterThan(5);

            server.request().header("Authorization", basic("carol", "ok-right")).post("/api/three").then().statusCode(200);
        }
    }

    @Test
    void cachedClientsAreNeverThrottled() {
        try (GateServer server = start(new AcceptingAuthenticator())) {
            attempt(server, "alice", "ok-right", "192.0.2.5").then().statusCode(200);
            for (int i = 0; i < 5; i++) {
                attempt(server, "alice", "wrong-" + i, "192.0.2.5");
            }
            attempt(server, "alice", "ok-right", "192.0.2.5").then().statusCode(200);
        }
    }

    @Test
    void aFullPoolOfPasswordChecksIs503AndCachedClientsGoOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Authenticator slow = new Authenticator() {
            @Override
            public Optional<Identity> authenticate(String user, Password password) {
                if (user.startsWith("slow")) {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return Optional.of(new Identity(user, java.util.Set.of(), ""));
            }

            @Override
            public boolean validate(Identity identity) {
                return true;
            }
        };
        ExecutorService clients = Executors.newFixedThreadPool(6);
        // auth.timeout out of the way: this is about a full pool, on a machine that may be slow.
        try (GateServer server = start(slow, "auth.threads", "1", "auth.queue", "1", "auth.timeout", "5m")) {
            attempt(server, "cached", "pw", "192.0.2.7").then().statusCode(200);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String user = "slow" + i;
                statuses.add(clients.submit(() -> attempt(server, user, "pw", "192.0.2.8").statusCode()));
            }
            // Whichever arrive first take the one thread and the one queue place, held there until
            // released; the other four are refused at once. Waiting for those four answers, rather
            // than sleeping, makes sure every request has arrived.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (statuses.stream().filter(Future::isDone).count() < 4) {
                assertThat(System.nanoTime()).as("four refusals while the pool is full").isLessThan(deadline);
                Thread.sleep(5);
            }
            for (int i = 0; i < 5; i++) {
                attempt(server, "cached", "pw", "192.0.2.7").then().statusCode(200);
            }
            Response busy = attempt(server, "slow-extra", "pw", "192.0.2.8");
            busy.then().statusCode(503).body("error", equalTo("authentication_busy"));
            assertThat(busy.getHeader("Retry-After")).isNotNull();
            release.countDown();
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                codes.add(status.get(10, TimeUnit.SECONDS));
            }
            assertThat(codes).filteredOn(c -> c == 200).hasSize(2);
            assertThat(codes).filteredOn(c -> c == 503).hasSize(4);
        } finally {
            clients.shutdownNow();
        }
    }

    private GateServer start(Authenticator authenticator, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", "127.0.0.1/32")
                .set("auth.max-failures", "3")
                .set("auth.failure-window", "60s")
                .authenticator(authenticator)
                .ticker(ticker);
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build());
    }

    private static Response attempt(GateServer server, String user, String password, String clientIp) {
        return server.request().header("Authorization", basic(user, password)).header("X-Forwarded-For", clientIp)
                .post("/api/x");
    }
}
