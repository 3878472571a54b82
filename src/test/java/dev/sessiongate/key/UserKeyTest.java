package dev.sessiongate.key;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * SPEC §1.2: the user key covers the user and exactly the configured {@code key.parts}; changing
 * a configured part gives a new session, changing an unconfigured one does not.
 */
class UserKeyTest {

    @Test
    void defaultPartsAreUserPasswordClientIpAndPath() {
        try (GateServer server = start(null, "127.0.0.1/32")) {
            String base = session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "alice", "ok-1", "GET", "/api/a");
            // configured parts: user, password, client IP, path
            assertNew(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "bob", "ok-1", "GET", "/api/a"));
            assertNew(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "alice", "ok-2", "GET", "/api/a"));
            assertNew(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.2"), "alice", "ok-1", "GET", "/api/a"));
            assertNew(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "alice", "ok-1", "GET", "/api/b"));
            // unconfigured parts: method, headers, query
            assertSame(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "alice", "ok-1", "POST", "/api/a"));
            assertSame(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.1").header("X-Tenant", "t2"),
                    "alice", "ok-1", "GET", "/api/a"));
            assertSame(base, session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "alice", "ok-1", "GET", "/api/a?x=1"));
        }
    }

    @Test
    void methodPartSeparatesMethods() {
        try (GateServer server = start("password,method", "")) {
            String get = session(server, r -> r, "alice", "ok", "GET", "/api/a");
            assertNew(get, session(server, r -> r, "alice", "ok", "POST", "/api/a"));
            assertSame(get, session(server, r -> r, "alice", "ok", "GET", "/api/other/path"));
        }
    }

    @Test
    void pathPrefixPartCountsOnlyTheFirstSegments() {
        try (GateServer server = start("password,path-prefix:2", "")) {
            String orders = session(server, r -> r, "alice", "ok", "GET", "/api/orders/1");
            assertSame(orders, session(server, r -> r, "alice", "ok", "GET", "/api/orders/2/lines"));
            assertSame(orders, session(server, r -> r, "alice", "ok", "GET", "/api/orders"));
            assertNew(orders, session(server, r -> r, "alice", "ok", "GET", "/api/items/1"));
        }
    }

    @Test
    void headerPartSeparatesHeaderValuesAndAbsence() {
        try (GateServer server = start("password,header:X-Tenant", "")) {
            String t1 = session(server, r -> r.header("X-Tenant", "t1"), "alice", "ok", "GET", "/api/a");
            assertSame(t1, session(server, r -> r.header("x-tenant", "t1"), "alice", "ok", "GET", "/api/b"));
            assertNew(t1, session(server, r -> r.header("X-Tenant", "t2"), "alice", "ok", "GET", "/api/a"));
            String none = session(server, r -> r, "alice", "ok", "GET", "/api/a");
            assertNew(t1, none);
            assertNew(none, session(server, r -> r.header("X-Tenant", ""), "alice", "ok", "GET", "/api/a"));
        }
    }

    @Test
    void clientIpPartFollowsTheTcpPeerWhenNoProxyIsTrusted() {
        try (GateServer server = start("password,client-ip", "")) {
            String a = session(server, r -> r.header("X-Forwarded-For", "192.0.2.1"), "alice", "ok", "GET", "/api/a");
            String b = session(server, r -> r.header("X-Forwarded-For", "192.0.2.2"), "alice", "ok", "GET", "/api/a");
            assertSame(a, b);
        }
    }

    @Test
    void equivalentPathsShareASession() {
        try (GateServer server = start(null, "")) {
            String base = session(server, r -> r, "alice", "ok", "GET", "/api/orders/list");
            for (String path : new String[] {"/api//orders/list", "/api/./orders/list", "/api/x/../orders/list",
                    "/api/orders;jsessionid=abc/list", "/api/orders/list;jsessionid=ABC"}) {
                assertThat(session(server, r -> r, "alice", "ok", "GET", path)).as(path).isEqualTo(base);
            }
        }
    }

    private static GateServer start(String keyParts, String trustedProxies) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", trustedProxies)
                .authenticator(new AcceptingAuthenticator());
        if (keyParts != null) {
            builder.set("key.parts", keyParts);
        }
        return GateServer.start(builder.build());
    }

    private static String session(GateServer server, UnaryOperator<RequestSpecification> extra, String user,
                                  String password, String method, String path) {
        Response response = extra.apply(server.request().header("Authorization", basic(user, password)))
                .request(method, path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response.jsonPath().getString("sessionId");
    }

    private static void assertNew(String before, String after) {
        assertThat(after).isNotEqualTo(before);
    }

    private static void assertSame(String before, String after) {
        assertThat(after).isEqualTo(before);
    }
}
