package dev.sessiongate.hook;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.Test;

/** SPEC §1.7: every non-2xx response reaches the hook; the default logs it with secrets redacted. */
class ResponseHookTest {
    private static final String PASSWORD = "ok-Very-Secret-Password-42";

    @Test
    void defaultHookLogsOneRedactedLinePerNon2xxResponse() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            String authorization = basic("alice", PASSWORD);
            server.request().header("Authorization", authorization)
                    .header("Cookie", "JSESSIONID=cookie-value-1; theme=cookie-value-2")
                    .header("Proxy-Authorization", "Basic proxy-secret")
                    .header("X-Request-Id", "req-77")
                    .post("/api/fail/404").then().statusCode(404);
            String line = log.await("event=response");
            assertThat(log.lines().stream().filter(l -> l.contains("event=response"))).hasSize(1);
            assertThat(line).contains("status=404", "method=POST", "path=/api/fail/404", "user=alice",
                    "clientIp=127.0.0.1", "sessionId=", "durationMs=", "X-Request-Id: req-77",
                    "Authorization: <redacted>", "Cookie: <redacted>", "Proxy-Authorization: <redacted>",
                    "Set-Cookie: <redacted>");
            assertThat(line).containsPattern("sessionId=[A-Za-z0-9_-]{22} ");
            assertThat(log.text()).doesNotContain(PASSWORD, authorization.substring(6), "cookie-value",
                    "proxy-secret", "server-cookie");
        }
    }

    @Test
    void successfulResponsesAreNotLogged() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/fine").then().statusCode(200);
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/fine").then().statusCode(200);
            server.request().post("/api/marker").then().statusCode(401);
            log.await("path=/api/marker");
            assertThat(log.text()).doesNotContain("path=/api/fine");
        }
    }

    @Test
    void refusalsOfTheGateAreLoggedToo() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basic("alice", "wrong-" + PASSWORD)).post("/api/x").then().statusCode(401);
            log.await("event=response status=401 method=POST path=/api/x user=alice");
            assertThat(log.text()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void redirectLogsTheLoginWarning() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            server.request().redirects().follow(false).header("Authorization", basic("alice", PASSWORD))
                    .get("/api/fail/302").then().statusCode(302);
            assertThat(log.await("event=redirect_to_login status=302 path=/api/fail/302 user=alice location="))
                    .contains("/login").contains("clientless mode is not working");
        }
    }

    @Test
    void anOrdinaryRedirectIsNoLoginWarning() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            server.request().redirects().follow(false).header("Authorization", basic("alice", PASSWORD))
                    .get("/api/fail/302-plain").then().statusCode(302);
            log.await("event=response status=302");
            assertThat(log.text()).doesNotContain("redirect_to_login");
        }
    }

    /** Issue 13 point 2: secrets hide in more headers than four, and in path parameters. */
    @Test
    void secretLookingHeadersAndPathParameterValuesAreRedacted() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basic("alice", PASSWORD))
                    .header("X-Api-Key", "key-SECRET-1").header("X-Auth-Token", "token-SECRET-2")
                    .header("X-Session-Id", "sid-SECRET-3").header("X-Request-Id", "req-78")
                    .post("/api/fail/404;jsessionid=SECRETSID123;v=2").then().statusCode(404);
            String line = log.await("event=response status=404");
            assertThat(line).contains("X-Request-Id: req-78", "X-Api-Key: <redacted>", "X-Auth-Token: <redacted>",
                    "path=\"/api/fail/404;jsessionid=<redacted>;v=<redacted>\"");
            assertThat(log.text()).doesNotContain("SECRET");
        }
    }

    /** Issue 13 point 1: a user name cannot add fields to the line. */
    @Test
    void aForgedUserNameStaysOneQuotedValue() {
        try (GateServer server = start(null); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basic("x clientIp=6.6.6.6 sessionId=forged", PASSWORD))
                    .post("/api/fail/404").then().statusCode(404);
            String line = log.await("event=response status=404");
            assertThat(line).contains("user=\"x clientIp=6.6.6.6 sessionId=forged\" clientIp=127.0.0.1");
        }
    }

    /** Issue 13 point 3: a spray of refusals from one address is one line and a count, not a line each. */
    @Test
    void repeatedRefusalsFromOneAddressAreCountedNotLoggedOneByOne() {
        List<String> lines;
        LoggingResponseHook hook = new LoggingResponseHook();
        try (GateServer server = start(hook); LogCapture log = new LogCapture()) {
            for (int i = 0; i < 30; i++) {
                server.request().header("Authorization", "Bearer not-a-token-" + i).post("/api/x").then().statusCode(401);
            }
            log.await("event=response status=401");
            hook.flush();
            lines = log.lines();
        }
        // Every response is either written or counted, and nearly all are counted. (Once, in the
        // fuzz-regression JVM on a machine at load 15, a second full line appeared: the window's
        // entry was re-created; the flood stays bounded either way.)
        long full = lines.stream().filter(l -> l.contains("event=response ")).count();
        long counted = lines.stream().filter(l -> l.contains("event=responses_repeated status=401 clientIp=127.0.0.1"))
                .mapToLong(l -> Long.parseLong(l.replaceAll(".* count=(\\d+).*", "$1"))).sum();
        assertThat(full).isBetween(1L, 2L);
        assertThat(full + counted).isEqualTo(30);
    }

    @Test
    void redactedHeadersAreConfigurable() {
        LoggingResponseHook hook = new LoggingResponseHook(List.of("X-Partner-*", "Cookie"),
                com.github.benmanes.caffeine.cache.Ticker.systemTicker());
        assertThat(hook.isRedacted("x-partner-signature")).isTrue();
        assertThat(hook.isRedacted("X-PARTNER-ID")).isTrue();
        assertThat(hook.isRedacted("Cookie")).isTrue();
        assertThat(hook.isRedacted("Authorization")).isFalse();
        LoggingResponseHook defaults = new LoggingResponseHook();
        for (String name : new String[] {"Authorization", "X-Api-Key", "X-Auth-Token", "X-Amz-Security-Token",
                "X-CSRF-Token", "X-Client-Secret", "Set-Cookie", "X-Session-Id", "X-Hub-Signature-256"}) {
            assertThat(defaults.isRedacted(name)).as(name).isTrue();
        }
        for (String name : new String[] {"X-Request-Id", "Content-Type", "User-Agent", "Accept", "Keep-Alive"}) {
            assertThat(defaults.isRedacted(name)).as(name).isFalse();
        }
    }

    @Test
    void customHookReceivesEveryNon2xxEvent() {
        List<ResponseEvent> events = new CopyOnWriteArrayList<>();
        try (GateServer server = start(events::add)) {
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/fail/500").then().statusCode(500);
            server.request().post("/api/x").then().statusCode(401);
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/ok").then().statusCode(200);
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/fail/throw").then().statusCode(500);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (events.size() < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(events).extracting(ResponseEvent::status).containsExactlyInAnyOrder(500, 401, 500);
        for (ResponseEvent event : events) {
            if (event.status() == 401) {
                assertThat(event.user()).isNull();
                assertThat(event.sessionId()).isNull();
            } else {
                assertThat(event.user()).isEqualTo("alice");
                assertThat(event.sessionId()).isNotNull();
            }
        }
    }

    @Test
    void asynchronousResponsesAreReportedWhenTheyComplete() {
        List<ResponseEvent> events = new CopyOnWriteArrayList<>();
        try (GateServer server = start(events::add)) {
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/async/503").then().statusCode(503);
            server.request().header("Authorization", basic("alice", PASSWORD)).post("/api/async/200").then().statusCode(200);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (events.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        assertThat(events).extracting(ResponseEvent::status).containsExactly(503);
        assertThat(events.get(0).path()).isEqualTo("/api/async/503");
    }

    private static GateServer start(ResponseHook hook) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .authenticator(new AcceptingAuthenticator());
        if (hook != null) {
            builder.responseHook(hook);
        }
        return GateServer.start(builder.build(), ResponseHookTest::addFailingServlet);
    }

    private static void addFailingServlet(ServletContextHandler context) {
        context.addServlet(FailingServlet.class, "/api/fail/*");
        context.addServlet(AsyncServlet.class, "/api/async/*").setAsyncSupported(true);
    }

    /** Answers later, from another thread, with the status in its path. */
    public static final class AsyncServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) {
            int status = Integer.parseInt(request.getPathInfo().substring(1));
            AsyncContext async = request.startAsync();
            async.start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ((HttpServletResponse) async.getResponse()).setStatus(status);
                async.complete();
            });
        }
    }

    /** Answers with the status in its path: 404, 500, 302, or throws for "throw". */
    public static final class FailingServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String what = request.getPathInfo().substring(1);
            if (what.equals("throw")) {
                throw new IllegalStateException("application bug");
            }
            response.addHeader("Set-Cookie", "APPSESSION=server-cookie; Path=/");
            if (what.equals("302")) {
                response.sendRedirect("/login");
                return;
            }
            if (what.equals("302-plain")) {
                response.sendRedirect("/orders/17");
                return;
            }
            response.sendError(Integer.parseInt(what));
        }
    }
}
