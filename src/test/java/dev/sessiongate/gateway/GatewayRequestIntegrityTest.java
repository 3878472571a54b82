package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.key.PathNormalizer;
import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.RawHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the gateway forwards is what the client sent, and no more: the query byte for byte, the
 * normalised path, forwarding headers only from trusted proxies, no SessionGate credentials, the
 * upstream cookie jar ahead of the client's cookies. Requests are written to a socket, since HTTP
 * clients normalise or refuse such URLs.
 */
class GatewayRequestIntegrityTest {
    private static final String ALICE = basic("alice", "ok-alice");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static GateServer upstream;
    private static GateServer gateway;

    @BeforeAll
    static void start() {
        upstream = GateServer.upstream();
        gateway = GateServer.gateway(upstream.url("/up"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    /** Characters java.net.URI refuses, which clients send and nginx passes on unchanged. */
    @ParameterizedTest
    @ValueSource(strings = {"filter={\"a\":1}", "a=|", "x=%zz", "a=<b>", "q=\"x\"", "a=^", "a=`b`", "a=%", "a=b%2",
            "a=\\", "a=[1]", "", "a=1&a=2&b", "a==b&&c", "q=caf\u00e9", "q=\u65e5\u672c"})
    void theQueryReachesTheUpstreamByteForByte(String query) throws IOException {
        RawHttp.Answer answer = get(gateway, "/orders?" + query);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(json(answer).path("uri").asString()).isEqualTo("/up/orders?" + query);
    }

    @Test
    void noQueryStaysNoQuery() throws IOException {
        RawHttp.Answer answer = get(gateway, "/orders");
        assertThat(json(answer).path("uri").asString()).isEqualTo("/up/orders");
    }

    /** Malformed chunk sizes and bare LF line ends: the container answers 400 for them, and so must the gateway. */
    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "fffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
            "5\nhello\n0\n\n", "5\r\nhello\r\n-1\r\n\r\n"})
    void aMalformedChunkedBodyIs400(String body) throws IOException {
        try (LogCapture log = new LogCapture()) {
            RawHttp.Answer answer = RawHttp.exchange(gateway.port(), "POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + ALICE + "\r\nTransfer-Encoding: chunked\r\n", body.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(answer.status()).as(answer.body()).isEqualTo(400);
            assertThat(json(answer).path("error").asString()).isEqualTo("bad_body");
            // the response line itself may be counted into a responses_repeated line: one 400 a minute is logged
            assertThat(log.await("event=client_request_failed")).startsWith("INFO").contains("status=400");
            assertThat(log.text()).doesNotContain("upstream_failed").doesNotContain("ERROR");
        }
    }

    /** Not a server error, nor an upstream one: an INFO line, and the response hook logs no 500. */
    @Test
    void aClientThatAbortsMidBodyIsLoggedAsSuch() throws Exception {
        try (LogCapture log = new LogCapture()) {
            try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: " + ALICE
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + "x".repeat(100)).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                Thread.sleep(200);
            }
            assertThat(log.await("event=client_request_failed")).startsWith("INFO").doesNotContain("status=500");
            assertThat(log.text()).doesNotContain("upstream_failed").doesNotContain("ERROR");
        }
    }

    private static final String[] CLIENT_FORWARDING = {"Forwarded: for=198.51.100.9;proto=https;host=evil.example",
        "X-Real-IP: 198.51.100.9", "X-Forwarded-For: 198.51.100.9", "x-forwarded-for: 198.51.100.10",
        "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example", "X-Forwarded-Port: 1",
        "X-Forwarded-Prefix: /evil", "X-Forwarded-Server: evil", "X-FORWARDED-SSL: on"};

    /** From a peer that is no trusted proxy every forwarding header is the client's invention: replaced by the truth. */
    @Test
    void forwardingHeadersOfAnUntrustedPeerAreReplaced() throws IOException {
        JsonNode headers = json(get(gateway, "/echo", CLIENT_FORWARDING)).path("headers");
        assertThat(headers.propertyNames()).doesNotContain("forwarded", "x-real-ip", "x-forwarded-prefix",
                "x-forwarded-server", "x-forwarded-ssl");
        assertThat(headers.path("x-forwarded-for").asString()).isEqualTo("127.0.0.1");
        assertThat(headers.path("x-forwarded-proto").asString()).isEqualTo("http");
        assertThat(headers.path("x-forwarded-host").asString()).isEqualTo("gw.example:8443");
        assertThat(headers.path("x-forwarded-port").asString()).isEqualTo(String.valueOf(gateway.port()));
    }

    /** Found by the attack review: CGI-style and CDN spellings of the same claims went through. */
    @Test
    void lookAlikeForwardingHeadersOfAnUntrustedPeerAreRemovedToo() throws IOException {
        JsonNode headers = json(get(gateway, "/echo", "X_Forwarded_For: 6.6.6.6", "X-Forwarded_Prefix: /evil",
                "X_Real_IP: 6.6.6.6", "True-Client-IP: 6.6.6.6", "X-Original-URL: /admin", "X-Client-IP: 6.6.6.6",
                "CF-Connecting-IP: 6.6.6.6", "X-Request-Id: kept")).path("headers");
        assertThat(headers.toString()).doesNotContain("6.6.6.6").doesNotContain("/evil").doesNotContain("/admin");
        assertThat(headers.path("x-request-id").asString()).isEqualTo("kept");
        assertThat(headers.path("x-forwarded-for").asString()).isEqualTo("127.0.0.1");
    }

    /** Found by the attack review: CONNECT was forwarded as "CONNECT /path" and answered 500. */
    @Test
    void connectIsNotForwarded() throws IOException {
        RawHttp.Answer answer = RawHttp.exchange(gateway.port(), "CONNECT 127.0.0.1:" + upstream.port()
                + " HTTP/1.1\r\nHost: 127.0.0.1:" + upstream.port() + "\r\nAuthorization: " + ALICE + "\r\n");
        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.header("Allow")).contains("GET");
    }

    /** A trusted proxy's headers are kept, its own address appended to the chain. */
    @Test
    void forwardingHeadersOfATrustedProxyAreKept() throws IOException {
        try (GateServer behindProxy = GateServer.gateway(upstream.url("/up"), "trusted-proxies", "127.0.0.1/32")) {
            JsonNode headers = json(get(behindProxy, "/echo", CLIENT_FORWARDING)).path("headers");
            assertThat(headers.path("forwarded").asString()).isEqualTo("for=198.51.100.9;proto=https;host=evil.example");
            assertThat(headers.path("x-real-ip").asString()).isEqualTo("198.51.100.9");
            assertThat(headers.path("x-forwarded-for").asString()).isEqualTo("198.51.100.9, 198.51.100.10, 127.0.0.1");
            assertThat(headers.path("x-forwarded-proto").asString()).isEqualTo("https");
            assertThat(headers.path("x-forwarded-host").asString()).isEqualTo("evil.example");
            assertThat(headers.path("x-forwarded-port").asString()).isEqualTo("1");
            assertThat(headers.path("x-forwarded-prefix").asString()).isEqualTo("/evil");

            // A trusted proxy that sent none of them: the gateway's own.
            JsonNode plain = json(get(behindProxy, "/echo")).path("headers");
            assertThat(plain.path("x-forwarded-for").asString()).isEqualTo("127.0.0.1");
            assertThat(plain.path("x-forwarded-proto").asString()).isEqualTo("http");
            assertThat(plain.path("x-forwarded-host").asString()).isEqualTo("gw.example:8443");
            assertThat(plain.path("x-forwarded-port").asString()).isEqualTo(String.valueOf(behindProxy.port()));
        }
    }

    /** An API token is SessionGate's credential, not the application's: it never reaches the upstream. */
    @Test
    void anApiTokenIsNotForwarded() throws IOException {
        String admin = "admin-token-0123456789abcdef";
        try (GateServer withTokens = GateServer.gateway(upstream.url("/up"), "admin.token", admin)) {
            byte[] issue = "{\"user\":\"alice\"}".getBytes(StandardCharsets.UTF_8);
            RawHttp.Answer issued = RawHttp.exchange(withTokens.port(), "POST /admin/tokens HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + admin + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + issue.length + "\r\n", issue);
            assertThat(issued.status()).as(issued.body()).isEqualTo(201);
            String token = json(issued).path("token").asString();

            RawHttp.Answer answer = RawHttp.exchange(withTokens.port(), "GET /echo HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + token + "\r\nProxy-Authorization: Basic cHJveHk6c2VjcmV0\r\n");
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(json(answer).path("headers").propertyNames()).doesNotContain("authorization", "proxy-authorization");
            assertThat(answer.body()).doesNotContain(token);
        }
    }

    /** Basic credentials are forwarded (upstream.forward-authorization defaults to true), a proxy's never. */
    @Test
    void basicIsForwardedButProxyAuthorizationNever() throws IOException {
        JsonNode headers = json(get(gateway, "/echo", "Proxy-Authorization: Basic cHJveHk6c2VjcmV0")).path("headers");
        assertThat(headers.path("authorization").asString()).isEqualTo(ALICE);
        assertThat(headers.propertyNames()).doesNotContain("proxy-authorization");
    }

    /**
     * The upstream session is the one the upstream gave this key, whatever the client says: a
     * client cookie named like one in the jar (in any letter case) is replaced by the jar's.
     */
    @Test
    void theJarsCookiesReplaceTheClientsOfTheSameName() throws IOException {
        try (GateServer oneJar = GateServer.gateway(upstream.url("/up"), "key.parts", "password,client-ip")) {
            String setCookie = java.net.URLEncoder.encode("UPSESSION=u123; Path=/", StandardCharsets.UTF_8);
            assertThat(get(oneJar, "/set-cookie?c=" + setCookie).status()).isEqualTo(200);
            JsonNode echo = json(get(oneJar, "/echo", "Cookie: UPSESSION=attacker; theme=dark; upsession=attacker2"));
            assertThat(echo.path("headers").path("cookie").asString()).isEqualTo("theme=dark; UPSESSION=u123");

            // Without a jar cookie of that name the client's own passes.
            JsonNode other = json(get(oneJar, "/echo", "Cookie: OTHER=mine"));
            assertThat(other.path("headers").path("cookie").asString()).isEqualTo("OTHER=mine; UPSESSION=u123");
        }
    }

    /** The upstream sees the path the filter keyed and authorised, not another spelling of it. */
    @ParameterizedTest
    @CsvSource({"/a/../b, /up/b", "/a/./b, /up/a/b", "/a;p=1/b;q/c, /up/a/b/c", "/x;jsessionid=abc/y, /up/x/y",
            "/a/b/, /up/a/b/", "/, /up/", "/a/b?x=/../y;z, /up/a/b?x=/../y;z"})
    void theNormalisedPathIsForwarded(String target, String forwarded) throws IOException {
        assertThat(json(get(gateway, target)).path("uri").asString()).isEqualTo(forwarded);
    }

    /** PathNormalizer's contract: unreserved characters decoded, other escapes kept with upper-case hex. */
    @ParameterizedTest
    @CsvSource({"/%41b, /up/Ab", "/a%7cb, /up/a%7Cb", "/a/%7e, /up/a/~"})
    void escapesAreNormalisedAsThePathNormalizerSays(String target, String forwarded) throws IOException {
        assumeTrue("/A".equals(PathNormalizer.normalize("/%41")), "needs the PathNormalizer that decodes unreserved escapes");
        assertThat(json(get(gateway, target)).path("uri").asString()).isEqualTo(forwarded);
    }

    /**
     * A Location under the upstream URL is rewritten to the gateway; one that merely starts with
     * the same characters ({@code /upload} beside {@code /up}) is another resource, not mangled
     * into the gateway's {@code /load}.
     */
    @Test
    void onlyALocationUnderTheUpstreamUrlIsRewritten() throws IOException {
        String gatewayBase = "http://gw.example:8443";
        assertThat(location(upstream.url("/up/login?next=/a"))).isEqualTo(gatewayBase + "/login?next=/a");
        assertThat(location(upstream.url("/up"))).isEqualTo(gatewayBase);
        assertThat(location(upstream.url("/up?x=1"))).isEqualTo(gatewayBase + "?x=1");
        assertThat(location(upstream.url("/upload/x"))).isEqualTo(upstream.url("/upload/x"));
        assertThat(location(upstream.url("/up") + "x.example/")).isEqualTo(upstream.url("/up") + "x.example/");
    }

    /** SessionGate's own error answers name neither the upstream nor an exception. */
    @Test
    void errorAnswersNameNeitherTheUpstreamNorAnException() throws Exception {
        int closed;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            closed = free.getLocalPort();
        }
        try (GateServer refused = GateServer.gateway("http://127.0.0.1:" + closed + "/up");
             GateServer slow = GateServer.gateway(upstream.url("/up"), "upstream.timeout", "500ms")) {
            RawHttp.Answer unavailable = get(refused, "/echo");
            assertThat(unavailable.status()).isEqualTo(502);
            assertThat(unavailable.body()).doesNotContain(String.valueOf(closed)).doesNotContain("127.0.0.1")
                    .doesNotContainIgnoringCase("exception");
            RawHttp.Answer timeout = get(slow, "/slow?ms=4000");
            assertThat(timeout.status()).isEqualTo(504);
            assertThat(timeout.body()).doesNotContain(String.valueOf(upstream.port())).doesNotContain("127.0.0.1")
                    .doesNotContainIgnoringCase("exception");
        }
    }

    private static String location(String to) throws IOException {
        RawHttp.Answer answer = get(gateway, "/location?to=" + java.net.URLEncoder.encode(to, StandardCharsets.UTF_8));
        assertThat(answer.status()).isEqualTo(302);
        return answer.header("Location");
    }

    static JsonNode json(RawHttp.Answer answer) {
        return JSON.readTree(answer.body());
    }

    /** A client that stops sending its body until the container's idle timeout: 408, no upstream failure. */
    @Test
    void aBodyTooSlowForTheContainersIdleTimeoutIs408() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setIdleTimeout(500);
        server.addConnector(connector);
        server.setHandler(StandaloneServer.gatewayContext(SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .set("upstream.url", upstream.url("/up")).authenticator(new AcceptingAuthenticator()).build()));
        server.start();
        try (LogCapture log = new LogCapture()) {
            RawHttp.Answer answer = RawHttp.exchange(connector.getLocalPort(), "POST /upload HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: " + ALICE + "\r\nContent-Length: 1000\r\n", "only a little".getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status()).as(answer.body()).isEqualTo(408);
            assertThat(json(answer).path("error").asString()).isEqualTo("request_timeout");
            assertThat(log.await("event=response status=408")).startsWith("INFO");
            assertThat(log.text()).doesNotContain("upstream_failed");
        } finally {
            server.stop();
        }
    }

    /** A GET written to a socket, the target exactly as given (UTF-8 for anything beyond ASCII). */
    static RawHttp.Answer get(GateServer server, String target, String... headers) throws IOException {
        StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: gw.example:8443\r\n")
                .append("Authorization: ").append(ALICE).append("\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return RawHttp.exchange(server.port(), head.toString());
    }
}
