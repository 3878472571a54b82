package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RawHttp;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the gateway forwards is what the client sent, and no more: the query byte for byte, the
 * normalised path, forwarding headers only from trusted proxies, no SessionGate credentials, the
 * upstream cookie jar ahead of the client's cookies. Requests are written to a socket, since HTTP
 * clients normalise or refuse such URLs.
 */
class GatewayRequestIntegrityTest {
    private static final String ALICE = basic("alice", "ok-alice");

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
        assertThat(new JsonPath(answer.body()).getString("uri")).isEqualTo("/up/orders?" + query);
    }

    @Test
    void noQueryStaysNoQuery() throws IOException {
        RawHttp.Answer answer = get(gateway, "/orders");
        assertThat(new JsonPath(answer.body()).getString("uri")).isEqualTo("/up/orders");
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
