package dev.sessiongate.auth;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;

/**
 * SPEC §3: delegated authentication against a real service: 2xx allows, 401/403 deny, anything
 * else or a time-out is a 502 and no session.
 */
class DelegatedAuthenticatorTest {
    private static final AtomicInteger CALLS = new AtomicInteger();

    @Test
    void theServiceDecidesOncePerKeyAndItsFailuresAre502() {
        try (GateServer service = service(); GateServer gate = gate(service.url("/check"), "1s")) {
            int before = CALLS.get();
            gate.request().header("Authorization", basic("alice", "alice-pw")).post("/api/whoami").then()
                    .statusCode(200).body("remoteUser", equalTo("alice")).body("partners", equalTo(true));
            gate.request().header("Authorization", basic("alice", "alice-pw")).post("/api/whoami").then().statusCode(200);
            assertThat(CALLS.get() - before).isEqualTo(1);

            gate.request().header("Authorization", basic("alice", "wrong")).post("/api/x").then()
                    .statusCode(401).body("error", equalTo("invalid_credentials"));
            gate.request().header("Authorization", basic("forbidden", "x")).post("/api/x").then().statusCode(401);
            gate.request().header("Authorization", basic("broken", "x")).post("/api/x").then()
                    .statusCode(502).body("error", equalTo("authentication_delegate_failed"));
            gate.request().header("Authorization", basic("slow", "x")).post("/api/x").then().statusCode(502);
            // No session was kept for a failure of the service: the next request asks again.
            int calls = CALLS.get();
            gate.request().header("Authorization", basic("broken", "x")).post("/api/x").then().statusCode(502);
            assertThat(CALLS.get()).isEqualTo(calls + 1);
        }
    }

    @Test
    void anUnreachableServiceIs502() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (GateServer gate = gate("http://127.0.0.1:" + port + "/check", "1s")) {
            gate.request().header("Authorization", basic("alice", "alice-pw")).post("/api/x").then().statusCode(502);
        }
    }

    @Test
    void oneAuthenticatorOnly() {
        assertThatThrownBy(() -> SessionGate.builder().set("users.file", Fixtures.USERS.toString())
                .set("auth.delegate-url", "http://127.0.0.1:1/check").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("set the one authenticator");
    }

    private static GateServer gate(String url, String timeout) {
        return GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("auth.delegate-url", url)
                .set("auth.delegate-timeout", timeout)
                .build(), context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    /** A password service: alice/alice-pw in group partners; "forbidden" 403, "broken" 500, "slow" sleeps. */
    private static GateServer service() {
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                CALLS.incrementAndGet();
                String header = request.getHeader("Authorization");
                String credentials = header == null ? ""
                        : new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
                switch (credentials.substring(0, Math.max(0, credentials.indexOf(':')))) {
                    case "forbidden" -> response.setStatus(403);
                    case "broken" -> response.setStatus(500);
                    case "slow" -> {
                        try {
                            Thread.sleep(3000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    default -> {
                        if (credentials.equals("alice:alice-pw")) {
                            response.setHeader("X-Auth-Groups", "partners, b2b");
                            response.setStatus(204);
                        } else {
                            response.setStatus(401);
                        }
                    }
                }
            }
        }), "/check");
        return GateServer.start(context);
    }
}
