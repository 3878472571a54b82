package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.admin.AdminServlet;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RawHttp;
import dev.sessiongate.testing.RawHttp.Answer;
import dev.sessiongate.testing.WhoAmIServlet;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 point 1: {@code /health} and {@code /admin} pass without credentials only where the
 * container dispatches them to SessionGate's own servlets; a raw URI that merely starts with
 * them, and an application's own {@code /admin} or {@code /health}, are authenticated.
 */
class OwnEndpointTest {
    private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";

    @ParameterizedTest
    @ValueSource(strings = {"/admin/../api/orders", "/admin/./../api/orders", "/health/../api/orders",
            "/admin/%2e%2e/api/orders", "/admin/..;/api/orders", "/admin/x/../../api/orders",
            "/health;x/../api/orders", "/admin;x/../api/orders", "/admin/%2E%2E/api/orders", "/admin//../api/orders"})
    void aPathThatOnlyStartsWithAnOwnEndpointIsAuthenticatedInTheDemo(String target) {
        try (GateServer server = GateServer.start(gate("key.secret", Fixtures.SECRET,
                "users.file", Fixtures.USERS.toString(), "admin.token", ADMIN_TOKEN))) {
            Answer answer = RawHttp.send(server.port(), "POST", target);
            assertThat(answer.status()).as(target + " → " + answer).isIn(400, 401);
            assertThat(answer.body()).doesNotContain("\"user\"");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin/../up/orders", "/health/../up/orders", "/admin/%2e%2e/up/orders",
            "/admin/..;/up/orders", "/admin/x/../../up/orders"})
    void aPathThatOnlyStartsWithAnOwnEndpointIsAuthenticatedInTheGateway(String target) {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = GateServer.gateway(upstream.url("/"), "admin.token", ADMIN_TOKEN)) {
            Answer answer = RawHttp.send(gateway.port(), "POST", target);
            assertThat(answer.status()).as(target + " → " + answer).isIn(400, 401);
            assertThat(answer.body()).doesNotContain("\"uri\"");
        }
    }

    @Test
    void ownEndpointsStillAnswerWithoutBasicCredentials() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = GateServer.gateway(upstream.url("/"), "admin.token", ADMIN_TOKEN)) {
            assertThat(RawHttp.send(gateway.port(), "GET", "/health").status()).isEqualTo(200);
            assertThat(RawHttp.send(gateway.port(), "GET", "/up/../health").status()).isEqualTo(200);
            assertThat(RawHttp.send(gateway.port(), "GET", "/admin/stats").status()).isEqualTo(401);
            assertThat(RawHttp.send(gateway.port(), "GET", "/admin/stats", "Authorization: Bearer " + ADMIN_TOKEN)
                    .status()).isEqualTo(200);
        }
    }

    /** Found by the confusion suite: HttpServlet's default TRACE echoed the credentials from a public endpoint. */
    @Test
    void healthDoesNotEchoATrace() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = GateServer.gateway(upstream.url("/"))) {
            Answer answer = RawHttp.send(gateway.port(), "TRACE", "/health", "Authorization: " + basic("alice", "ok-secret"));
            assertThat(answer.status()).isEqualTo(405);
            assertThat(answer.headers() + answer.body()).doesNotContain(basic("alice", "ok-secret").substring(6));
        }
    }

    @Test
    void anEmbeddingApplicationsOwnAdminAndHealthAreAuthenticated() {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/app");
        FilterHolder filter = new FilterHolder(gate("key.secret", Fixtures.SECRET, "users.file", Fixtures.USERS.toString()));
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(WhoAmIServlet.class, "/admin/*");
        context.addServlet(WhoAmIServlet.class, "/health");
        context.addServlet(WhoAmIServlet.class, "/*");
        try (GateServer server = GateServer.start(context)) {
            for (String target : new String[] {"/app/admin/users", "/app/admin", "/app/health", "/app/healthz",
                    "/app/admin/../x", "/app/x"}) {
                Answer answer = RawHttp.send(server.port(), "POST", target);
                assertThat(answer.status()).as(target + " → " + answer).isEqualTo(401);
            }
            Answer admitted = RawHttp.send(server.port(), "POST", "/app/admin/users",
                    "Authorization: " + basic("bcrypt-2y", "bcrypt-2y-pw"));
            assertThat(admitted.status()).isEqualTo(200);
            assertThat(admitted.body()).contains("\"remoteUser\":\"bcrypt-2y\"");
        }
    }

    @Test
    void sessionGatesServletsUnderAnotherPathAreStillItsOwn() {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        SessionGate gate = gate("key.secret", Fixtures.SECRET, "users.file", Fixtures.USERS.toString(),
                "admin.token", ADMIN_TOKEN);
        FilterHolder filter = new FilterHolder(gate);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(HealthServlet.class, "/status/health");
        context.addServlet(AdminServlet.class, "/ops/admin/*");
        context.addServlet(WhoAmIServlet.class, "/*");
        try (GateServer server = GateServer.start(context)) {
            assertThat(RawHttp.send(server.port(), "GET", "/status/health").status()).isEqualTo(200);
            assertThat(RawHttp.send(server.port(), "GET", "/health").status()).isEqualTo(401);
            assertThat(RawHttp.send(server.port(), "GET", "/ops/admin/stats", "Authorization: Bearer " + ADMIN_TOKEN)
                    .status()).isEqualTo(200);
        }
    }

    private static SessionGate gate(String... settings) {
        SessionGate.Builder builder = SessionGate.builder();
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return builder.build();
    }

}
