package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 4: {@code Expect: 100-continue} is SessionGate's to answer, as nginx does. The
 * client sends its headers and waits; after authentication the gateway says {@code 100 Continue}
 * itself, and the upstream never sees the {@code Expect} header, so an upstream that would never
 * send {@code 100} costs nothing; a failed authentication is a final answer before any body is
 * sent, which is what {@code Expect} is for. Raw sockets, since HTTP clients hide the interim answer.
 */
class GatewayExpectContinueTest {
    private static final String BODY = "hello, upstream";

    @Test
    void theGatewaySaysContinueAfterAuthenticationAndDoesNotForwardExpect() throws Exception {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = GateServer.gateway(upstream.url("/up"));
             Socket client = expectingClient(gateway, "ok-alice")) {
            assertThat(readHead(client.getInputStream())).startsWith("HTTP/1.1 100 ");
            sendBody(client);
            String answer = readToEnd(client.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200 ").contains("\"bodyBytes\":" + BODY.length());
            assertThat(answer.toLowerCase(Locale.ROOT)).doesNotContain("\"expect\"").doesNotContain("100-continue");
        }
    }

    @Test
    void aWrongPasswordIsAFinal401BeforeTheBodyIsSent() throws Exception {
        try (NoContinueUpstream upstream = new NoContinueUpstream();
             GateServer gateway = GateServer.gateway(upstream.url());
             Socket client = expectingClient(gateway, "wrong")) {
            String head = readHead(client.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 401 ");
            assertThat(head.toLowerCase(Locale.ROOT)).contains("content-type: application/json");
            assertThat(upstream.requests.get()).isZero();
        }
    }

    /**
     * An upstream that ignores {@code Expect} (as HTTP/1.0 servers and many frameworks do) and
     * waits for the body: before, the gateway forwarded {@code Expect}, waited for the upstream's
     * {@code 100}, and answered {@code 504} after {@code upstream.timeout}.
     */
    @Test
    void anUpstreamThatNeverSaysContinueIsNotWaitedOn() throws Exception {
        try (NoContinueUpstream upstream = new NoContinueUpstream();
             GateServer gateway = GateServer.gateway(upstream.url(), "upstream.timeout", "5s");
             Socket client = expectingClient(gateway, "ok-alice")) {
            assertThat(readHead(client.getInputStream())).startsWith("HTTP/1.1 100 ");
            sendBody(client);
            String answer = readToEnd(client.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("body=" + BODY.length());
            assertThat(upstream.head.get().toLowerCase(Locale.ROOT)).doesNotContain("expect:");
        }
    }

    /** A socket that has sent a POST's headers with {@code Expect: 100-continue}, and no body yet. */
    private static Socket expectingClient(GateServer gateway, String password) throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.setSoTimeout(10_000); // only so that a gateway that never answers fails the test, not hangs it
        socket.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                + basic("alice", password) + "\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length()
                + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    private static void sendBody(Socket client) throws IOException {
        client.getOutputStream().write(BODY.getBytes(StandardCharsets.ISO_8859_1));
        client.getOutputStream().flush();
    }

    /** The status line and headers of one answer, read byte by byte so that nothing after them is consumed. */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b;
            try {
                b = in.read();
            } catch (InterruptedIOException e) {
                throw new AssertionError("no answer from the gateway; seen so far: " + head, e);
            }
            if (b < 0) {
                throw new AssertionError("connection closed; seen: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * An HTTP/1.1 server that never sends {@code 100 Continue}: it reads the headers, then the
     * {@code Content-Length} bytes of the body, and answers {@code body=N}; it keeps the last
     * request's headers.
     */
    static final class NoContinueUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0);
        final AtomicReference<String> head = new AtomicReference<>("");
        final AtomicInteger requests = new AtomicInteger();

        NoContinueUpstream() throws IOException {
            Thread thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        answer(socket);
                    } catch (IOException | AssertionError e) {
                        // closed, or the gateway went away
                    }
                }
            }, "no-continue-upstream");
            thread.setDaemon(true);
            thread.start();
        }

        private void answer(Socket socket) throws IOException {
            InputStream in = socket.getInputStream();
            String received = readHead(in);
            requests.incrementAndGet();
            head.set(received);
            int length = 0;
            for (String line : received.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            int read = in.readNBytes(length).length;
            String body = "body=" + read;
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/up";
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
