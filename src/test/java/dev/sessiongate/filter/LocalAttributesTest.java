package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.session.SessionStore;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.AttributeServlet;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;

/** SPEC §1.6 on one node: attributes live across a key's requests, and nothing is serialized or tracked for it. */
class LocalAttributesTest {

    @Test
    void withoutAClusterAnyValueStaysInTheSessionAndNothingIsSharedOrLogged() {
        SessionGate gate = SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .authenticator(new AcceptingAuthenticator()).build();
        try (LogCapture log = new LogCapture();
             GateServer server = GateServer.start(gate,
                     context -> context.addServlet(new ServletHolder(new AttributeServlet()), "/api/attr/*"))) {
            SessionStore store = gate.store();
            assertThat(store.sharesAttributes()).isFalse();
            assertThat(call(server, "op=local&name=connection")).isEqualTo("local");
            assertThat(call(server, "op=add&name=cart&item=apple")).isEqualTo("[apple]");
            assertThat(call(server, "op=add&name=cart&item=pear")).isEqualTo("[apple, pear]");
            assertThat(call(server, "op=bytes&name=big&size=2000000")).isEqualTo("2000000");
            assertThat(call(server, "op=get&name=connection")).isEqualTo("local");
            assertThat(call(server, "op=remove&name=cart")).isEqualTo("null");
            assertThat(call(server, "op=names")).isEqualTo("[big, connection]");
            assertThat(log.text()).doesNotContain("attribute_not_shared", "WARN", "ERROR");
        }
    }

    private static String call(GateServer server, String query) {
        return server.request().header("Authorization", basic("alice", "ok-1")).get("/api/attr?" + query)
                .then().statusCode(200).extract().asString();
    }
}
