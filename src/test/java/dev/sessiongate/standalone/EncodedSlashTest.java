package dev.sessiongate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.confusion.RecordedRequest;
import dev.sessiongate.confusion.Recorder;
import dev.sessiongate.confusion.RecordingUpstream;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.RawHttp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 14 item 3: a path with an encoded slash ({@code /anything/a%2Fb}) through the standalone
 * gateway ({@link StandaloneServer#create} on a free port, raw sockets) reaches a recording
 * upstream byte for byte by default ({@code upstream.encoded-slash=forward}, as nginx's
 * {@code proxy_pass} without a URI), and is a JSON 400 with {@code reject}. {@code %2F} never
 * opens SessionGate's own endpoints nor skips authentication.
 */
class EncodedSlashTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ADMIN_TOKEN = "encoded-slash-admin-token-0123456789";
    private static final String ALICE = "Authorization: " + Fixtures.basic("bcrypt-2y", "bcrypt-2y-pw");

    private final Recorder recorder = new Recorder();
    private RecordingUpstream upstream;
    private Server server;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = RecordingUpstream.start(recorder);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        upstream.close();
    }

    @Test
    void anEncodedSlashReachesTheUpstreamAsItCame() throws Exception {
        int port = start(Map.of());
        RawHttp.Answer answer = RawHttp.send(port, "GET", "/anything/a%2Fb?q=a%2Fb", ALICE);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.header(RecordedRequest.ANSWER_HEADER)).isEqualTo("upstream");
        assertThat(uris()).containsExactly("/anything/a%2Fb?q=a%2Fb");
    }

    @Test
    void anEncodedSlashBelowTheUpstreamsBasePathKeepsIt() throws Exception {
        int port = start(Map.of("upstream.url", upstream.url("/base")));
        assertThat(RawHttp.send(port, "GET", "/x/a%2Fb%2F..%2Fc", ALICE).status()).isEqualTo(200);
        assertThat(uris()).containsExactly("/base/x/a%2Fb%2F..%2Fc");
    }

    @Test
    void pathsWithoutAnEncodedSlashAreForwardedAsBefore() throws Exception {
        int port = start(Map.of());
        assertThat(RawHttp.send(port, "GET", "/anything/a/b", ALICE).status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", "/anything/x/../a/b", ALICE).status()).isEqualTo(200);
        assertThat(uris()).containsExactly("/anything/a/b", "/anything/a/b");
    }

    @Test
    void anEncodedSlashWithoutCredentialsIsChallengedAndNotForwarded() throws Exception {
        int port = start(Map.of());
        RawHttp.Answer answer = RawHttp.send(port, "GET", "/anything/a%2Fb");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(401);
        assertThat(answer.header("WWW-Authenticate")).startsWith("Basic");
        assertThat(uris()).isEmpty();
    }

    @Test
    void theRejectSettingAnswersAJson400AndForwardsNothing() throws Exception {
        int port = start(Map.of("upstream.encoded-slash", "reject"));
        RawHttp.Answer answer = RawHttp.send(port, "GET", "/anything/a%2Fb", ALICE);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("status").asInt()).isEqualTo(400);
        assertThat(answer.body()).doesNotContain("<html");
        assertThat(RawHttp.send(port, "GET", "/anything/a/b", ALICE).status()).isEqualTo(200);
        assertThat(uris()).containsExactly("/anything/a/b");
    }

    /**
     * Neither {@code /admin} nor {@code /health} is reached through {@code %2F}: without
     * credentials each is a challenge (the gateway's, not the admin token's), never a 5xx; with
     * them, the upstream gets the path as it came.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/x%2F..%2Fadmin", "/%2e%2e%2Fadmin", "/health%2F..", "/health%2F",
        "/x%2F..%2Fhealth"})
    void anEncodedSlashReachesNeitherAdminNorHealth(String path) throws Exception {
        int port = start(Map.of());
        RawHttp.Answer anonymous = RawHttp.send(port, "GET", path);
        assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate")).startsWith("Basic");
        assertThat(uris()).isEmpty();
        RawHttp.Answer alice = RawHttp.send(port, "GET", path, ALICE);
        assertThat(alice.status()).as(alice.toString()).isEqualTo(200);
        assertThat(alice.header(RecordedRequest.ANSWER_HEADER)).isEqualTo("upstream");
        assertThat(uris()).hasSize(1).allSatisfy(uri -> assertThat(uri).contains("%2"));
    }

    /**
     * Jetty maps a servlet on the decoded path, so {@code /admin%2F…} is the admin servlet's
     * ({@code /admin/*}), as {@code /admin/…} is; Jetty then refuses it the ambiguous path info,
     * a JSON 400 even with the admin token. Nothing is forwarded, nothing is listed, nothing fails.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/admin%2F..", "/admin%2Fsessions", "/admin%2F..%2Fhealth", "/admin%2F..%2Fanything"})
    void anEncodedSlashAfterAdminStaysWithTheTokenGuardedAdminServlet(String path) throws Exception {
        int port = start(Map.of("admin.token", ADMIN_TOKEN));
        for (RawHttp.Answer answer : List.of(RawHttp.send(port, "GET", path), RawHttp.send(port, "GET", path, ALICE),
                RawHttp.send(port, "GET", path, "Authorization: Bearer " + ADMIN_TOKEN))) {
            assertThat(answer.status()).as(answer.toString()).isIn(400, 401, 404);
            assertThat(answer.header("Content-Type")).startsWith("application/json");
            assertThat(answer.header(RecordedRequest.ANSWER_HEADER)).isNull();
        }
        assertThat(uris()).isEmpty();
    }

    private List<String> uris() {
        return recorder.drain().stream().map(RecordedRequest::uri).toList();
    }

    private int start(Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>();
        all.put("upstream.url", upstream.url(""));
        all.putAll(settings);
        all.put("port", "0");
        all.put("key.secret", Fixtures.SECRET);
        all.put("users.file", Fixtures.USERS.toString());
        server = StandaloneServer.create(ConfigLoader.load(null, all));
        server.start();
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }
}
