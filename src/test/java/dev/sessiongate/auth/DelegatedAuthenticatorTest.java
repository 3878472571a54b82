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
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    /**
     * {@code auth.delegate-timeout} covers the whole answer: a service that never answers, or
     * sends its status line and then stalls the body, is a {@code 502} from the delegate's own
     * time-out, not a login held until {@code auth.timeout} ({@code 503}).
     */
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aServiceThatStallsIs502() throws Exception {
        try (StallingService silent = new StallingService(null);
             StallingService midAnswer = new StallingService("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")) {
            for (StallingService service : List.of(silent, midAnswer)) {
                try (GateServer gate = gate("http://127.0.0.1:" + service.port() + "/check", "300ms")) {
                    gate.request().header("Authorization", basic("alice", "alice-pw")).post("/api/x").then()
                            .statusCode(502).body("error", equalTo("authentication_delegate_failed"));
                }
            }
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

    /** Accepts connections, reads each request's head, writes {@code answer} (or nothing) and stalls. */
    private static final class StallingService implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0);
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        StallingService(String answer) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        open.add(socket);
                        readHead(socket.getInputStream());
                        if (answer != null) {
                            socket.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                            socket.getOutputStream().flush();
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "stalling-service");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void readHead(InputStream in) throws IOException {
            int matched = 0;
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int b; matched < end.length && (b = in.read()) != -1; ) {
                matched = b == end[matched] ? matched + 1 : b == end[0] ? 1 : 0;
            }
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : open) {
                socket.close();
            }
        }
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
