package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 14 item 1 and SPEC §7: the upstream's body reaches the client as the upstream sends it,
 * in the upstream's framing. The upstream (a real Jetty) writes its first part, flushes, and waits
 * for a latch that the test releases only after the client has read that first part through the
 * gateway: a gateway that holds the answer back never lets the client see it (the socket's read
 * timeout then fails the test; nothing here measures time).
 */
class GatewayFlushingTest {
    private static final String ALICE = basic("alice", "ok-alice");
    private static final String FIRST = "data: first\n\n";
    private static final String SECOND = "data: second\n\n";

    @ParameterizedTest
    @ValueSource(strings = {"event-stream", "chunked", "content-length"})
    void theFirstPartArrivesBeforeTheUpstreamHasWrittenTheSecondInTheUpstreamsFraming(String kind) throws Exception {
        CountDownLatch secondPart = new CountDownLatch(1);
        try (GateServer upstream = dripUpstream(secondPart);
             GateServer gateway = GateServer.gateway(upstream.url("/drip"));
             Socket client = request(gateway, "/" + kind)) {
            String head;
            try {
                String seen = readUntil(client.getInputStream(), FIRST);
                head = seen.substring(0, seen.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
            } finally {
                secondPart.countDown();
            }
            assertThat(head).startsWith("http/1.1 200");
            if (kind.equals("content-length")) {
                assertThat(head).contains("content-length: " + (FIRST.length() + SECOND.length()))
                        .doesNotContain("transfer-encoding");
                assertThat(readUntil(client.getInputStream(), SECOND)).isEqualTo(SECOND); // and the body ends there
            } else {
                assertThat(head).contains("transfer-encoding: chunked").doesNotContain("content-length");
                assertThat(readUntil(client.getInputStream(), "\r\n0\r\n\r\n")).contains(SECOND);
            }
            if (kind.equals("event-stream")) {
                assertThat(head).contains("content-type: text/event-stream");
            }
        }
    }

    /** An event stream's headers alone say "the stream is open" (EventSource's onopen): they are not held back either. */
    @Test
    void anEventStreamsHeadersArriveBeforeItsFirstEvent() throws Exception {
        CountDownLatch firstEvent = new CountDownLatch(1);
        try (GateServer upstream = dripUpstream(firstEvent);
             GateServer gateway = GateServer.gateway(upstream.url("/drip"));
             Socket client = request(gateway, "/quiet-event-stream")) {
            String head;
            try {
                head = readUntil(client.getInputStream(), "\r\n\r\n").toLowerCase(Locale.ROOT);
            } finally {
                firstEvent.countDown();
            }
            assertThat(head).startsWith("http/1.1 200").contains("content-type: text/event-stream");
            assertThat(readUntil(client.getInputStream(), "\r\n0\r\n\r\n")).contains(FIRST);
        }
    }

    /** A real Jetty whose servlet under {@code /drip/*} writes, flushes and waits for {@code latch} between parts. */
    private static GateServer dripUpstream(CountDownLatch latch) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new DripServlet(latch)), "/drip/*");
        return GateServer.start(context);
    }

    /** A keep-alive request: to a client that asked to close, a server may end an answer of unknown length by closing, not chunking. */
    private static Socket request(GateServer gateway, String path) throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.setSoTimeout(10_000); // only so that a gateway that holds the answer back fails the test, not hangs it
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + ALICE
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    /** What arrived until {@code marker} has, read byte by byte so that nothing after it is needed. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf(marker) < 0) {
            int b;
            try {
                b = in.read();
            } catch (InterruptedIOException e) {
                throw new AssertionError("the gateway held back the upstream's answer; seen so far: " + seen, e);
            }
            if (b < 0) {
                throw new AssertionError("connection closed before " + marker.trim() + "; seen: " + seen);
            }
            seen.append((char) b);
        }
        return seen.toString();
    }

    /**
     * By the last path segment: {@code event-stream}, {@code chunked} (no length) and
     * {@code content-length} write {@link #FIRST}, flush, wait for the latch, write {@link #SECOND};
     * {@code quiet-event-stream} sends its headers alone first, then waits, then one event.
     */
    static final class DripServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient CountDownLatch latch;

        DripServlet(CountDownLatch latch) {
            this.latch = latch;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String uri = request.getRequestURI();
            String kind = uri.substring(uri.lastIndexOf('/') + 1);
            response.setContentType(kind.endsWith("event-stream") ? "text/event-stream" : "text/plain");
            if (kind.equals("content-length")) {
                response.setContentLength(FIRST.length() + SECOND.length());
            }
            ServletOutputStream out = response.getOutputStream();
            if (kind.equals("quiet-event-stream")) {
                response.flushBuffer();
                await();
                out.write(FIRST.getBytes(StandardCharsets.US_ASCII));
                return;
            }
            out.write(FIRST.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await();
            out.write(SECOND.getBytes(StandardCharsets.US_ASCII));
        }

        private void await() throws IOException {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }
    }
}
