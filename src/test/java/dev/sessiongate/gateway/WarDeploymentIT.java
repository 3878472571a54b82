package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static dev.sessiongate.testing.WarContainers.freePort;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RedisProcess;
import dev.sessiongate.testing.RunningProcess;
import dev.sessiongate.testing.WarContainers;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 4 points 6 and 7: {@code target/sessiongate.war} dropped into real Tomcat 11, Tomcat 10.1
 * and Jetty 12 distributions (fetched from Maven Central by the build), configured through the
 * system property {@code sessiongate.config}, in gateway mode in front of a test upstream.
 */
class WarDeploymentIT {
    @TempDir
    Path base;

    @ParameterizedTest
    @ValueSource(strings = {"tomcat11", "tomcat10", "jetty12"})
    void theWarGuardsAndForwardsInARealContainer(String container) throws Exception {
        try (GateServer upstream = GateServer.upstream()) {
            Path config = config(upstream, "sessiongate.properties");
            int port = freePort();
            ProcessBuilder command = containers().command(container, port, config);
            try (RunningProcess server = RunningProcess.start(command)) {
                String root = "http://127.0.0.1:" + port + "/sessiongate";
                server.awaitHttp(root + "/health", Duration.ofSeconds(90));
                checks(root, server);
            }
        }
    }

    /**
     * Issue 6 in the WAR: a Tomcat 11 node and a Jetty 12 node of one cluster on a real
     * redis-server; a key authenticated on Tomcat is served by Jetty with the same session, no
     * password check, and the upstream cookie Tomcat's node received.
     */
    @Test
    void twoWarsInDifferentContainersFormOneCluster() throws Exception {
        try (RedisProcess redis = RedisProcess.start(); GateServer upstream = GateServer.upstream()) {
            int tomcatPort = freePort();
            int jettyPort = freePort();
            ProcessBuilder tomcat = containers().command("tomcat11", tomcatPort,
                    config(upstream, "tomcat.properties", "store.redis-uri=" + redis.uri(), "node.name=tomcat-node"));
            ProcessBuilder jetty = containers().command("jetty12", jettyPort,
                    config(upstream, "jetty.properties", "store.redis-uri=" + redis.uri(), "node.name=jetty-node"));
            try (RunningProcess first = RunningProcess.start(tomcat); RunningProcess second = RunningProcess.start(jetty)) {
                String tomcatRoot = "http://127.0.0.1:" + tomcatPort + "/sessiongate";
                String jettyRoot = "http://127.0.0.1:" + jettyPort + "/sessiongate";
                first.awaitHttp(tomcatRoot + "/health", Duration.ofSeconds(90));
                second.awaitHttp(jettyRoot + "/health", Duration.ofSeconds(90));

                String setCookie = "/set-cookie?c=" + java.net.URLEncoder.encode("UPSESSION=u1; Path=/", StandardCharsets.UTF_8);
                request(tomcatRoot).header("Authorization", basic("alice", "alice-secret")).post(setCookie)
                        .then().statusCode(200);
                JsonPath echo = request(jettyRoot).header("Authorization", basic("alice", "alice-secret"))
                        .post("/orders").then().statusCode(200).extract().jsonPath();
                assertThat(echo.getList("cookies")).containsExactly("UPSESSION=u1");
                assertThat(count(first.output(), "event=session_created user=alice")).isEqualTo(1);
                assertThat(count(second.output(), "event=session_created")).isZero();
                assertThat(given().get(jettyRoot + "/health").jsonPath().getInt("sessions")).isEqualTo(1);
            }
        }
    }

    private static void checks(String root, RunningProcess server) throws InterruptedException, IOException {
        given().get(root + "/health").then().statusCode(200).body("status", equalTo("up"));

        request(root).post("/orders").then().statusCode(401)
                .header("WWW-Authenticate", "Basic realm=\"WAR test\", charset=\"UTF-8\"");

        // The upstream sets its session cookie; the client does not see it, its next request carries it.
        String setCookie = "/set-cookie?c=" + java.net.URLEncoder.encode("UPSESSION=u1; Path=/", StandardCharsets.UTF_8);
        assertThat(request(root).header("Authorization", basic("alice", "alice-secret")).post(setCookie)
                .then().statusCode(200).extract().headers().getValues("Set-Cookie")).isEmpty();
        JsonPath echo = request(root).header("Authorization", basic("alice", "alice-secret"))
                .header("Cookie", "JSESSIONID=client-chosen; theme=dark")
                .body("payload").post("/orders?id=7")
                .then().statusCode(200).extract().jsonPath();
        assertThat(echo.getString("uri")).isEqualTo("/up/orders?id=7");
        assertThat(echo.getInt("bodyBytes")).isEqualTo(7);
        assertThat(echo.getList("cookies")).containsExactlyInAnyOrder("theme=dark", "UPSESSION=u1");
        assertThat(echo.getString("headers.x-forwarded-for")).isEqualTo("127.0.0.1");

        // The second request of the key was served from the cache: one password check in the log.
        server.await(Pattern.compile("event=session_created user=alice"), Duration.ofSeconds(10));
        assertThat(count(server.output(), "event=session_created user=alice")).isEqualTo(1);

        // Issue 14 item 2: the upstream's redirects, relative or absolute, come back under the context path.
        assertThat(location(root, "/a/location?to=" + java.net.URLEncoder.encode("../b?x=1", StandardCharsets.UTF_8)))
                .isEqualTo(root + "/b?x=1");
        assertThat(location(root, "/location?to=" + java.net.URLEncoder.encode("/up/get", StandardCharsets.UTF_8)))
                .isEqualTo(root + "/get");

        request(root).header("Authorization", basic("alice", "wrong")).post("/orders").then().statusCode(401);
        request(root).header("Authorization", basic("carol", "carol-secret")).post("/orders").then().statusCode(403);

        // Issue 14 item 3: an error the container finds inside the webapp (/health takes no POST) is JSON too.
        String notAllowed = given().post(root + "/health").then().statusCode(405)
                .contentType(startsWith("application/json")).body("error", equalTo("method_not_allowed"))
                .extract().asString();
        assertThat(notAllowed).doesNotContain("<").doesNotContainIgnoringCase("tomcat").doesNotContainIgnoringCase("jetty");

        // Issue 14 item 4: the container says 100 Continue once the filter has authenticated, the upstream no Expect.
        java.net.URI uri = java.net.URI.create(root);
        try (java.net.Socket client = new java.net.Socket(uri.getHost(), uri.getPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST " + uri.getPath() + "/orders HTTP/1.1\r\nHost: " + uri.getAuthority()
                    + "\r\nAuthorization: " + basic("alice", "alice-secret") + "\r\nContent-Length: 7"
                    + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(GatewayExpectContinueTest.readHead(client.getInputStream())).startsWith("HTTP/1.1 100 ");
            client.getOutputStream().write("payload".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200 ").contains("\"bodyBytes\":7").doesNotContainIgnoringCase("\"expect\"");
        }
    }

    /** The {@code Location} of the gateway's {@code 302} for {@code path}, as alice. */
    private static String location(String root, String path) {
        return request(root).redirects().follow(false).header("Authorization", basic("alice", "alice-secret"))
                .get(path).then().statusCode(302).extract().header("Location");
    }

    private static RequestSpecification request(String root) {
        return given().baseUri(root).urlEncodingEnabled(false);
    }

    /** A properties file {@code name} in gateway mode in front of {@code upstream}, plus {@code extra} lines. */
    private Path config(GateServer upstream, String name, String... extra) throws IOException {
        containers().copy(Path.of("etc/users.htpasswd"), "users.htpasswd");
        containers().copy(Path.of("etc/users.htgroup"), "users.htgroup");
        return containers().file(name,
                "realm=WAR test",
                "key.secret=war-test-secret-0123456789",
                "key.parts=password,client-ip",
                "users.file=users.htpasswd",
                "groups.file=users.htgroup",
                "policy.require-group=partners",
                "upstream.url=" + upstream.url("/up"),
                String.join("\n", extra));
    }

    private WarContainers containers() {
        return new WarContainers(base);
    }

    private static int count(String text, String fragment) {
        int n = 0;
        for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + 1)) {
            n++;
        }
        return n;
    }
}
