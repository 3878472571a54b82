package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static dev.sessiongate.testing.Fixtures.basicRaw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateExtension;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import io.restassured.http.Header;
import io.restassured.http.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SPEC §1.1: the challenge, and every kind of bad credentials answered 400/401, never 500. */
class BadInputTest {
    private static final String CHALLENGE = "Basic realm=\"Test realm\", charset=\"UTF-8\"";

    @RegisterExtension
    static final GateExtension jetty = new GateExtension(() -> SessionGate.builder()
            .set("realm", "Test realm")
            .set("key.secret", Fixtures.SECRET)
            .set("users.file", Fixtures.USERS.toString())
            .build());

    @Test
    void missingHeaderGetsTheChallengeAndSaysWhatIsMissing() {
        jetty.request().post("/api/orders").then()
                .statusCode(401)
                .header("WWW-Authenticate", CHALLENGE)
                .body("error", equalTo("missing_credentials"))
                .body("message", containsString("Authorization header is missing"));
    }

    @Test
    void wrongPasswordGetsTheChallenge() {
        jetty.request().header("Authorization", basic("sha1", "wrong")).post("/api/orders").then()
                .statusCode(401)
                .header("WWW-Authenticate", CHALLENGE)
                .body("error", equalTo("invalid_credentials"));
    }

    @Test
    void unknownUserGetsTheSameAnswerAsAWrongPassword() {
        jetty.request().header("Authorization", basic("nobody", "x")).post("/api/orders").then()
                .statusCode(401)
                .body("error", equalTo("invalid_credentials"));
    }

    @Test
    void unknownSchemeGetsTheChallenge() {
        for (String header : new String[] {"Digest username=\"a\"", "Basicfoo", "Negotiate"}) {
            jetty.request().header("Authorization", header).post("/api/orders").then()
                    .statusCode(401)
                    .header("WWW-Authenticate", CHALLENGE)
                    .body("error", equalTo("unsupported_scheme"));
        }
    }

    @Test
    void anUnknownBearerTokenGetsTheChallenge() {
        jetty.request().header("Authorization", "Bearer abc.def").post("/api/orders").then()
                .statusCode(401)
                .header("WWW-Authenticate", CHALLENGE)
                .body("error", equalTo("invalid_token"));
    }

    @Test
    void basicWithNothingAfterItIsMalformed() {
        assertMalformed("Basic", "no credentials");
        assertMalformed("Basic    ", "no credentials");
    }

    @Test
    void invalidBase64IsMalformed() {
        assertMalformed("Basic !!!not-base64!!!", "not valid Base64");
        assertMalformed("Basic YWxpY2U6c2VjcmV0=====", "not valid Base64");
    }

    @Test
    void credentialsWithoutColonAreMalformed() {
        assertMalformed(basicRaw("alice".getBytes(StandardCharsets.UTF_8)), "no ':'");
    }

    @Test
    void emptyUserNameIsMalformed() {
        assertMalformed(basic("", "secret"), "user name is empty");
    }

    @Test
    void controlCharactersInUserOrPasswordAreMalformed() {
        for (String credentials : new String[] {"ali\rce:pw", "alice:p\nw", "alice\u0000:pw", "alice:pw\u0000", "a\u007f:pw"}) {
            assertMalformed(basicRaw(credentials.getBytes(StandardCharsets.UTF_8)), "control characters");
        }
    }

    @Test
    void credentialsOver4KibAreMalformed() {
        assertMalformed(basic("alice", "x".repeat(4100)), "longer than 4 KiB");
        assertMalformed(basic("alice", "x".repeat(5500)), "longer than 4 KiB");
    }

    @Test
    void credentialsThatAreNotUtf8AreMalformed() {
        byte[] latin1 = "jürgen:pw".getBytes(StandardCharsets.ISO_8859_1);
        assertMalformed(basicRaw(latin1), "not UTF-8");
        assertMalformed(basicRaw(new byte[] {'a', ':', (byte) 0xC3, (byte) 0x28}), "not UTF-8");
    }

    @Test
    void utf8UserAndPasswordAreAccepted() {
        jetty.request().header("Authorization", basic("jürgen", "jürgen-pässwörd")).post("/api/x").then()
                .statusCode(200)
                .body("user", equalTo("jürgen"));
    }

    @Test
    void twoAuthorizationHeadersAreRefused() {
        jetty.request()
                .headers(new Headers(new Header("Authorization", basic("sha1", "sha1-pw")),
                        new Header("Authorization", basic("apr1-openssl", "apr1-openssl-pw"))))
                .post("/api/orders").then()
                .statusCode(400)
                .body("error", equalTo("duplicate_authorization"));
    }

    @Test
    void aOneMegabyteHeaderGets431FromTheServer() {
        jetty.request().header("Authorization", basic("sha1", "sha1-pw"))
                .header("X-Big", "y".repeat(1 << 20))
                .post("/api/orders").then()
                .statusCode(431);
    }

    @Test
    void aPathClimbingAboveTheRootIsRefused() throws IOException {
        String response = rawRequest("GET /api/../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + basic("sha1", "sha1-pw") + "\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 400");
        assertThat(response).doesNotContain("root:");
        String encoded = rawRequest("GET /api/%2e%2e/%2e%2e/x HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + basic("sha1", "sha1-pw") + "\r\nConnection: close\r\n\r\n");
        assertThat(encoded).startsWith("HTTP/1.1 400");
    }

    @Test
    void badInputIsLoggedWithoutTheCredentials() {
        // A server of its own: the class's server logs only its first 400 a minute, which another test may have had.
        try (GateServer server = GateServer.start(SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString()).build()); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basicRaw("alice:top-secret\r\n".getBytes(StandardCharsets.UTF_8)))
                    .post("/api/orders").then().statusCode(400);
            log.await("status=400");
            assertThat(log.text()).doesNotContain("top-secret");
        }
    }

    @Test
    void healthIsPublic() {
        jetty.request().get("/health").then()
                .statusCode(200)
                .body("status", equalTo("up"));
    }

    @Test
    void publicPathIsNotFiltered() {
        jetty.request().post("/public/x").then()
                .statusCode(200)
                .body("user", nullValue());
    }

    private static void assertMalformed(String authorization, String message) {
        jetty.request().header("Authorization", authorization).post("/api/orders").then()
                .statusCode(400)
                .body("error", equalTo("malformed_credentials"))
                .body("message", containsString(message));
    }

    private String rawRequest(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", jetty.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
