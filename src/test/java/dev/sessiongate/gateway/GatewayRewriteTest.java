package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RawHttp;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 2 over real HTTP: the standalone's gateway mounted under the context path
 * {@code /gw} of a real Jetty, in front of a real upstream whose base path is {@code /up}. The
 * upstream's {@code Location}, {@code Content-Location} and passed {@code Set-Cookie} headers must
 * name the gateway as the client addressed it; the cases one by one are in
 * {@link ResponseHeaderRewriterTest}'s corpus.
 */
class GatewayRewriteTest {
    private static final String ALICE = basic("alice", "ok-alice");
    private static final String FORWARDED_HTTPS = "https";
    private static final String FORWARDED_HOST = "partners.example.com";

    @Test
    void relativeAndAbsoluteLocationsComeBackUnderTheContextPathAndOthersAsTheyWere() {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gatewayUnder("/gw", upstream.url("/up"))) {
            String gw = "http://127.0.0.1:" + gateway.port() + "/gw";
            assertThat(redirect(gateway.request(), "/gw/a/location", "/up/get")).isEqualTo(gw + "/get");
            assertThat(redirect(gateway.request(), "/gw/a/location", "next")).isEqualTo(gw + "/a/next");
            assertThat(redirect(gateway.request(), "/gw/a/location", "../c?x=1")).isEqualTo(gw + "/c?x=1");
            assertThat(redirect(gateway.request(), "/gw/a/location", upstream.url("/up/z#f"))).isEqualTo(gw + "/z#f");
            assertThat(redirect(gateway.request(), "/gw/location", upstream.url("/up"))).isEqualTo(gw);

            assertThat(redirect(gateway.request(), "/gw/location", upstream.url("/upload"))).isEqualTo(upstream.url("/upload"));
            assertThat(redirect(gateway.request(), "/gw/location", "/elsewhere")).isEqualTo("/elsewhere");
            assertThat(redirect(gateway.request(), "/gw/location", "../../x")).isEqualTo("../../x");
            assertThat(redirect(gateway.request(), "/gw/location", "https://partner.example/cb")).isEqualTo("https://partner.example/cb");

            Response content = gateway.request().redirects().follow(false).header("Authorization", ALICE)
                    .get("/gw/docs/location?h=Content-Location&to=" + encode("17.json"));
            assertThat(content.getHeader("Content-Location")).isEqualTo(gw + "/docs/17.json");
        }
    }

    @Test
    void aTrustedProxysForwardedSchemeHostAndPortNameTheGatewayAndAnyoneElsesAreIgnored() {
        try (GateServer upstream = GateServer.upstream();
             GateServer trusting = gatewayUnder("/gw", upstream.url("/up"), "trusted-proxies", "127.0.0.1/32,::1/128");
             GateServer untrusting = gatewayUnder("/gw", upstream.url("/up"))) {
            assertThat(redirect(forwarded(trusting.request()), "/gw/location", "/up/get"))
                    .isEqualTo("https://partners.example.com/gw/get");
            assertThat(redirect(forwarded(trusting.request()).header("X-Forwarded-Port", "8443"), "/gw/location", "/up/get"))
                    .isEqualTo("https://partners.example.com:8443/gw/get");
            // Nonsense from the trusted proxy is no host: the Host header stands.
            assertThat(redirect(trusting.request().header("X-Forwarded-Host", "evil.example/path@x"), "/gw/location", "/up/get"))
                    .isEqualTo("http://127.0.0.1:" + trusting.port() + "/gw/get");

            assertThat(redirect(forwarded(untrusting.request()), "/gw/location", "/up/get"))
                    .isEqualTo("http://127.0.0.1:" + untrusting.port() + "/gw/get");
        }
    }

    /**
     * Found by the attack review: an HTTP/2 request has no Host header (:authority instead), and
     * the gateway rewrote redirects to its own IP address and sent no X-Forwarded-Host.
     */
    @Test
    void overHttp2TheAuthorityNamesTheGatewayAsHostDoesOverHttp11() throws Exception {
        try (GateServer upstream = GateServer.upstream()) {
            Server server = StandaloneServer.create(ConfigLoader.load(null, Map.of("port", "0",
                    "key.secret", Fixtures.SECRET, "users.file", Fixtures.USERS.toAbsolutePath().toString(),
                    "upstream.url", upstream.url("/up"), "warmup", "0")));
            server.start();
            try {
                String base = "http://localhost:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
                HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
                String sha1 = basic("sha1", "sha1-pw");
                h2.send(HttpRequest.newBuilder(URI.create(base + "/echo")).header("Authorization", sha1).build(),
                        HttpResponse.BodyHandlers.discarding()); // the h2c upgrade: HTTP/2 from here on
                HttpResponse<String> redirect = h2.send(HttpRequest.newBuilder(URI.create(base + "/location?to=/up/get"))
                        .header("Authorization", sha1).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(redirect.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(redirect.headers().firstValue("Location")).hasValue(base + "/get");
                HttpResponse<String> echo = h2.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                        .header("Authorization", sha1).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(echo.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(JsonPath.from(echo.body()).getString("headers.x-forwarded-host"))
                        .isEqualTo(URI.create(base).getAuthority());
            } finally {
                server.stop();
            }
        }
    }

    /** A Host the container accepts but java.net.URI does not (an underscore) is no reason for a 500. */
    @Test
    void aHostThatIsNoUrlHostFallsBackToTheAddressTheClientConnectedTo() throws Exception {
        try (GateServer upstream = GateServer.upstream(); GateServer gateway = gatewayUnder("/gw", upstream.url("/up"))) {
            RawHttp.Answer answer = RawHttp.exchange(gateway.port(), "GET /gw/location?to=" + encode("/up/get")
                    + " HTTP/1.1\r\nHost: under_score.example\r\nAuthorization: " + ALICE + "\r\n");
            assertThat(answer.status()).isEqualTo(302);
            assertThat(answer.header("Location")).isEqualTo("http://127.0.0.1:" + gateway.port() + "/gw/get");
        }
    }

    @Test
    void passedCookiesGetTheContextPathAndLoseTheUpstreamsDomainWhileTheJarKeepsTheUpstreamsOwn() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = gatewayUnder("/gw", upstream.url("/up"), "upstream.pass-cookies", "true",
                     "key.parts", "password,client-ip")) {
            // The client calls the gateway "localhost"; the upstream is 127.0.0.1 and says so in Domain.
            RequestSpecification client = given().baseUri("http://localhost").port(gateway.port())
                    .urlEncodingEnabled(false).header("Authorization", ALICE);
            Response set = client.get("/gw/x/set-cookie?c=" + encode("S=1; Path=/up/x; Domain=127.0.0.1; HttpOnly")
                    + "&c=" + encode("ROOT=r; Path=/"));
            assertThat(set.statusCode()).isEqualTo(200);
            // Jetty writes a Set-Cookie header anew, without spaces: compared without them.
            assertThat(set.getHeaders().getValues("Set-Cookie")).extracting(cookie -> cookie.replace("; ", ";"))
                    .containsExactlyInAnyOrder("S=1;Path=/gw/x;HttpOnly", "ROOT=r;Path=/gw");

            // The jar replays them on upstream requests by the upstream's paths, as before.
            JsonPath below = given().baseUri("http://localhost").port(gateway.port()).urlEncodingEnabled(false)
                    .header("Authorization", ALICE).get("/gw/x/echo").then().statusCode(200).extract().jsonPath();
            assertThat(below.getList("cookies", String.class)).containsExactlyInAnyOrder("S=1", "ROOT=r");
            JsonPath beside = given().baseUri("http://localhost").port(gateway.port()).urlEncodingEnabled(false)
                    .header("Authorization", ALICE).get("/gw/y/echo").then().statusCode(200).extract().jsonPath();
            assertThat(beside.getList("cookies", String.class)).isEqualTo(List.of("ROOT=r"));
        }
    }

    /** The standalone's gateway context, mounted under {@code contextPath} of a real Jetty on a free port. */
    private static GateServer gatewayUnder(String contextPath, String upstreamUrl, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("upstream.url", upstreamUrl)
                .authenticator(new AcceptingAuthenticator());
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        ServletContextHandler context = StandaloneServer.gatewayContext(builder.build());
        context.setContextPath(contextPath);
        return GateServer.start(context);
    }

    private static RequestSpecification forwarded(RequestSpecification request) {
        return request.header("X-Forwarded-Proto", FORWARDED_HTTPS).header("X-Forwarded-Host", FORWARDED_HOST);
    }

    /** The {@code Location} the client gets when the upstream answers the request for {@code path} with {@code to}. */
    private static String redirect(RequestSpecification request, String path, String to) {
        Response response = request.redirects().follow(false).header("Authorization", ALICE)
                .get(path + "?to=" + encode(to));
        assertThat(response.statusCode()).isEqualTo(302);
        return response.getHeader("Location");
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
