package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.UpstreamServlet;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §4 and issue 4 points 1–4: forwarding, faults, the per-key upstream cookie jar. */
class GatewayTest {
    private static final String ALICE = basic("alice", "ok-alice");
    private static final String BOB = basic("bob", "ok-bob");

    @Test
    void forwardsMethodPathQueryHeadersAndBody() {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gateway(upstream.url("/up"))) {
            JsonPath echo = gateway.request().header("Authorization", ALICE)
                    .header("Cookie", "JSESSIONID=client-chosen; theme=dark")
                    .header("Connection", "X-Hop")
                    .header("X-Hop", "must-not-pass")
                    .header("X-Custom", "passes")
                    .header("X-Forwarded-For", "203.0.113.7")
                    .body("hello upstream")
                    .post("/orders/17?x=1&y=2").then().statusCode(200).extract().jsonPath();
            assertThat(echo.getString("method")).isEqualTo("POST");
            assertThat(echo.getString("uri")).isEqualTo("/up/orders/17?x=1&y=2");
            assertThat(echo.getInt("bodyBytes")).isEqualTo(14);
            Map<String, String> headers = echo.getMap("headers");
            assertThat(headers).containsEntry("x-custom", "passes")
                    .containsEntry("authorization", ALICE)
                    .containsEntry("x-forwarded-for", "127.0.0.1") // the client is no trusted proxy
                    .containsEntry("x-forwarded-proto", "http")
                    .containsEntry("x-forwarded-host", "127.0.0.1:" + gateway.port())
                    .doesNotContainKey("x-hop");
            assertThat(echo.getList("cookies")).containsExactly("theme=dark");
        }
    }

    @Test
    void streamsAChunkedUploadOfUnknownLength() throws Exception {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gateway(upstream.url("/up"))) {
            long size = 5L * 1024 * 1024 + 3;
            HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url("/upload")))
                    .header("Authorization", ALICE)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new GeneratedStream(size)))
                    .build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(String.valueOf(size));
        }
    }

    @Test
    void authorizationIsNotForwardedWhenSwitchedOff() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = gateway(upstream.url("/up"), "upstream.forward-authorization", "false")) {
            JsonPath echo = gateway.request().header("Authorization", ALICE).get("/echo")
                    .then().statusCode(200).extract().jsonPath();
            assertThat(echo.getMap("headers")).doesNotContainKey("authorization");
        }
    }

    @Test
    void upstreamCookiesAreKeptPerKeyAndReplayedButNotSentToTheClient() {
        // Without path in the key, one key (and one jar) covers every path.
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = gateway(upstream.url("/up"), "key.parts", "password,client-ip")) {
            Response set = setCookies(gateway, ALICE,
                    "UPSESSION=s1; Path=/up; HttpOnly", "APBALANCEID=node-2; Path=/", "NARROW=n; Path=/up/only");
            assertThat(set.statusCode()).isEqualTo(200);
            assertThat(set.getHeaders().getValues("Set-Cookie")).isEmpty();

            assertThat(cookies(gateway, ALICE, "/echo")).containsExactlyInAnyOrder("UPSESSION=s1", "APBALANCEID=node-2");
            assertThat(cookies(gateway, ALICE, "/only/echo")).contains("NARROW=n", "UPSESSION=s1", "APBALANCEID=node-2");
            assertThat(cookies(gateway, BOB, "/echo")).isEmpty();

            // Deletion and expiry, as the upstream says.
            setCookies(gateway, ALICE, "UPSESSION=; Path=/up; Max-Age=0",
                    "APBALANCEID=gone; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT").then().statusCode(200);
            assertThat(cookies(gateway, ALICE, "/echo")).isEmpty();
        }
    }

    @Test
    void theJarEndsWithTheSession() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = gateway(upstream.url("/up"), "key.parts", "password")) {
            setCookies(gateway, ALICE, "UPSESSION=s1; Path=/").then().statusCode(200);
            assertThat(cookies(gateway, ALICE, "/echo")).containsExactly("UPSESSION=s1");
            // A new password is a new key, hence a new session and an empty jar.
            assertThat(cookies(gateway, basic("alice", "ok-other"), "/echo")).isEmpty();
        }
    }

    @Test
    void passCookiesSendsThemToTheClientToo() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = gateway(upstream.url("/up"), "upstream.pass-cookies", "true", "key.parts", "password")) {
            Response set = setCookies(gateway, ALICE, "UPSESSION=s1; Path=/up");
            // Path=/up is the upstream URL's own path, which the gateway serves at its root.
            assertThat(set.getHeaders().getValues("Set-Cookie")).singleElement().asString()
                    .contains("UPSESSION=s1").contains("Path=/").doesNotContain("/up");
            assertThat(cookies(gateway, ALICE, "/echo")).containsExactly("UPSESSION=s1");
        }
    }

    @Test
    void redirectsGoBackToTheClientRewrittenAndWarned() {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gateway(upstream.url("/up"));
             LogCapture log = new LogCapture()) {
            Response response = gateway.request().redirects().follow(false).header("Authorization", ALICE).get("/app/redirect");
            assertThat(response.statusCode()).isEqualTo(302);
            assertThat(response.getHeader("Location")).isEqualTo("http://127.0.0.1:" + gateway.port() + "/app/login");
            log.await("event=redirect_to_login status=302 path=/app/redirect user=alice");
        }
    }

    @Test
    void withoutAnUpstreamTheDemoApplicationAnswers() {
        SessionGate gate = SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .authenticator(new AcceptingAuthenticator()).build();
        try (GateServer server = GateServer.start(StandaloneServer.gatewayContext(gate))) {
            server.request().header("Authorization", ALICE).post("/anything").then()
                    .statusCode(200).body("user", equalTo("alice")).body("path", equalTo("/anything"));
            server.request().post("/anything").then().statusCode(401);
        }
    }

    @Test
    void healthIsAnsweredByTheGatewayNotForwarded() {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gateway(upstream.url("/up"))) {
            gateway.request().get("/health").then().statusCode(200).body("status", equalTo("up"));
        }
    }

    @Test
    void connectionRefusedIs502AndThePoolRecoversWhenTheUpstreamReturns() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (GateServer gateway = gateway("http://127.0.0.1:" + port + "/up"); LogCapture log = new LogCapture()) {
            gateway.request().header("Authorization", ALICE).get("/echo").then()
                    .statusCode(502).body("error", equalTo("upstream_unavailable"));
            log.await("event=upstream_failed");
            try (GateServer upstream = GateServer.upstream(port)) {
                gateway.request().header("Authorization", ALICE).get("/echo").then().statusCode(200);
            }
        }
    }

    @Test
    void connectTimeoutIs502() throws Exception {
        // A listening socket that never accepts, its backlog filled: further connection attempts hang.
        try (ServerSocket stuck = new ServerSocket(0, 1);
             Socket filler1 = new Socket(); Socket filler2 = new Socket(); Socket filler3 = new Socket()) {
            for (Socket filler : new Socket[] {filler1, filler2, filler3}) {
                try {
                    filler.connect(stuck.getLocalSocketAddress(), 200);
                } catch (IOException e) {
                    // the backlog is full already
                }
            }
            try (GateServer gateway = gateway("http://127.0.0.1:" + stuck.getLocalPort() + "/up",
                    "upstream.connect-timeout", "300ms", "upstream.timeout", "20s")) {
                long start = System.nanoTime();
                gateway.request().header("Authorization", ALICE).get("/echo").then()
                        .statusCode(502).body("error", equalTo("upstream_unavailable"));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void anUpstreamThatSaysNothingInTimeIs504() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = gateway(upstream.url("/up"), "upstream.timeout", "300ms")) {
            gateway.request().header("Authorization", ALICE).queryParam("ms", "3000").get("/slow").then()
                    .statusCode(504).body("error", equalTo("upstream_timeout"));
            gateway.request().header("Authorization", ALICE).queryParam("ms", "10").get("/slow").then().statusCode(200);
        }
    }

    @Test
    void garbageOrAResetBeforeTheHeadersIs502() throws Exception {
        try (RawUpstream garbage = new RawUpstream("this is not HTTP\r\n\r\n");
             GateServer gateway = gateway("http://127.0.0.1:" + garbage.port() + "/up")) {
            gateway.request().header("Authorization", ALICE).get("/echo").then().statusCode(502);
        }
        try (RawUpstream reset = new RawUpstream("");
             GateServer gateway = gateway("http://127.0.0.1:" + reset.port() + "/up")) {
            gateway.request().header("Authorization", ALICE).get("/echo").then().statusCode(502);
        }
    }

    @Test
    void aResetMidBodyCutsTheResponseOffAndIsLogged() throws Exception {
        // More than the gateway's response buffer, so that it has begun answering when the reset comes.
        String partial = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nContent-Type: text/plain\r\n\r\n" + "x".repeat(200_000);
        try (RawUpstream midBody = new RawUpstream(partial, 500);
             GateServer gateway = gateway("http://127.0.0.1:" + midBody.port() + "/up");
             LogCapture log = new LogCapture()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url("/echo"))).header("Authorization", ALICE).build();
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
            assertThat(log.await("event=upstream_failed")).contains("committed=true");
        }
    }

    @Test
    void aClientThatGoesAwayMidUploadAbortsTheUpstreamRequest() throws Exception {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gateway(upstream.url("/up"))) {
            int before = UpstreamServlet.ABORTED_UPLOADS.get();
            try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: " + ALICE
                        + "\r\nContent-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[256 * 1024]);
                out.flush();
                Thread.sleep(200);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (UpstreamServlet.ABORTED_UPLOADS.get() == before && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(UpstreamServlet.ABORTED_UPLOADS.get()).isGreaterThan(before);
        }
    }

    private static GateServer gateway(String upstreamUrl, String... settings) {
        return GateServer.gateway(upstreamUrl, settings);
    }

    /** Asks the upstream to answer with these Set-Cookie headers. */
    static Response setCookies(GateServer gateway, String authorization, String... cookies) {
        StringBuilder query = new StringBuilder();
        for (String cookie : cookies) {
            query.append(query.length() == 0 ? "?" : "&").append("c=")
                    .append(java.net.URLEncoder.encode(cookie, StandardCharsets.UTF_8));
        }
        return gateway.request().header("Authorization", authorization).get("/set-cookie" + query);
    }

    private static java.util.List<String> cookies(GateServer gateway, String authorization, String path) {
        return gateway.request().header("Authorization", authorization).get(path)
                .then().statusCode(200).extract().jsonPath().getList("cookies");
    }

    /** {@code size} bytes, made on the fly. */
    static final class GeneratedStream extends InputStream {
        private long left;

        GeneratedStream(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            return left-- > 0 ? 'x' : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 'x');
            left -= n;
            return n;
        }
    }

    /** A TCP server that answers every connection with fixed bytes, then closes it. */
    static final class RawUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0);
        private final Thread thread;

        RawUpstream(String answer) throws IOException {
            this(answer, 0);
        }

        /** Answers, waits {@code lingerMillis} (so the gateway can pass on what it got), then resets. */
        RawUpstream(String answer, long lingerMillis) throws IOException {
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        socket.getInputStream().read(new byte[8192]);
                        socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        socket.getOutputStream().flush();
                        Thread.sleep(lingerMillis);
                        socket.setSoLinger(true, 0); // reset, not a clean close
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
