package dev.sessiongate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.RawHttp;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 14 item 3: what Jetty itself refuses — a request it cannot parse, headers too large, a
 * path no servlet serves, a method a servlet does not take — is answered in SessionGate's JSON
 * form, as the filter's own refusals are: no HTML page, no stack trace, nothing of the request
 * echoed (each case carries {@value #MARK}, which must not come back). The standalone server
 * itself ({@link StandaloneServer#create}) on a free port, in both of its modes, over raw sockets,
 * since HTTP clients refuse to send most of these.
 */
class ContainerErrorsTest {
    private static final String MARK = "ECHOME";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "dot segments above the root     | 400 | GET /../" + MARK + " HTTP/1.1",
        "malformed escape                | 400 | GET /" + MARK + "%zz% HTTP/1.1",
        "not HTTP                        | 400 | " + MARK + " \\x01 nonsense",
        "unsupported version             | 505 | GET /" + MARK + " HTTP/7.0",
        "a header line without a colon   | 400 | GET /api/x HTTP/1.1\\r\\n" + MARK + " no colon here",
        "a bad Content-Length            | 400 | POST /api/x HTTP/1.1\\r\\nContent-Length: " + MARK,
        "headers too large               | 431 | GET /api/x HTTP/1.1\\r\\nX-Big: " + MARK + "{20000}",
        "no servlet for the path         | 404 | GET /" + MARK + "/nothing HTTP/1.1",
        "a method the servlet lacks      | 405 | POST /health?" + MARK + " HTTP/1.1",
        "TRACE, which echoes credentials | 405 | TRACE /api/x?" + MARK + " HTTP/1.1\\r\\nAuthorization: Basic c2hhMTpzaGExLXB3",
        "TRACE of an unserved path       | 405 | TRACE /?" + MARK + " HTTP/1.1",
    })
    void theDemoStandaloneAnswersContainerErrorsAsJson(String name, int status, String request) throws Exception {
        try (Standalone server = Standalone.start(Map.of())) {
            assertJsonError(RawHttp.exchange(server.port(), head(request, server.port())), status);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "dot segments above the root     | 400 | GET /../" + MARK + " HTTP/1.1",
        "headers too large               | 431 | GET /x HTTP/1.1\\r\\nX-Big: " + MARK + "{20000}",
        "a method the servlet lacks      | 405 | POST /health?" + MARK + " HTTP/1.1",
        "TRACE, which echoes credentials | 405 | TRACE /x?" + MARK + " HTTP/1.1\\r\\nAuthorization: Basic c2hhMTpzaGExLXB3",
    })
    void theGatewayStandaloneAnswersContainerErrorsAsJson(String name, int status, String request) throws Exception {
        try (GateServer upstream = GateServer.upstream();
             Standalone server = Standalone.start(Map.of("upstream.url", upstream.url("/up")))) {
            assertJsonError(RawHttp.exchange(server.port(), head(request, server.port())), status);
        }
    }

    /** One line per refusal, so that an operator sees what the container turned away. */
    @Test
    void aContainerErrorIsLoggedOnce() throws Exception {
        try (Standalone server = Standalone.start(Map.of()); LogCapture log = new LogCapture()) {
            RawHttp.exchange(server.port(), head("GET /api/x HTTP/1.1\\r\\nX-Big: " + MARK + "{20000}", server.port()));
            assertThat(log.await("event=container_error")).contains("status=431").doesNotContain(MARK);
        }
    }

    private static void assertJsonError(RawHttp.Answer answer, int status) throws IOException {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body().toLowerCase(Locale.ROOT)).doesNotContain("<html").doesNotContain("<h1")
                .doesNotContain("jetty").doesNotContain("exception").doesNotContain(MARK.toLowerCase(Locale.ROOT));
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asString()).matches("[a-z_]+");
        assertThat(body.get("message").asString()).isNotBlank();
    }

    /** {@code request} (with {@code \\r\\n} and {@code \\x01} written out; a final {@code {N}}: N times "a") and a Host header. */
    private static String head(String request, int port) {
        String expanded = request.replace("\\x01", "\u0001").replace("\\r\\n", "\r\n");
        int brace = expanded.indexOf('{');
        if (brace > 0 && expanded.endsWith("}")) {
            int times = Integer.parseInt(expanded.substring(brace + 1, expanded.length() - 1));
            expanded = expanded.substring(0, brace) + "a".repeat(times);
        }
        return expanded + "\r\nHost: 127.0.0.1:" + port + "\r\n";
    }

    /** {@link StandaloneServer#create} with a free port and {@code settings}, started. */
    private record Standalone(Server server) implements AutoCloseable {
        static Standalone start(Map<String, String> settings) throws Exception {
            Map<String, String> all = new HashMap<>(settings);
            all.put("port", "0");
            all.put("key.secret", Fixtures.SECRET);
            all.put("users.file", "etc/users.htpasswd");
            Server server = StandaloneServer.create(ConfigLoader.load(null, all));
            server.start();
            return new Standalone(server);
        }

        int port() {
            return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }
}
