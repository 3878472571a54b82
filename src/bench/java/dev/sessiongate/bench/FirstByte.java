package dev.sessiongate.bench;

import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/**
 * First-byte delay of a dripping upstream, directly and through the gateway (issue 14 item 1).
 * The upstream (a real Jetty) drips like httpbin's {@code /drip?duration=D&numbytes=N}: N bytes
 * spread evenly over D seconds (the first at once), flushed at least every 10 ms, with no Content-Length. For each shape the
 * client (the JDK's HTTP/1.1 client) measures, from sending the request, the arrival of the first
 * byte of the body and of the last; each figure is the median of the runs, interleaved.
 *
 * <p>{@code mvn -B -q -P bench test-compile exec:exec@first-byte} (arguments: runs, default 3).
 */
public final class FirstByte {
    private static final String ALICE = Fixtures.basic("alice", "ok-alice");

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(DripServlet.class, "/drip");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (GateServer upstream = GateServer.start(context);
             GateServer gateway = GateServer.gateway(upstream.url(""))) {
            String[] shapes = {"/drip?duration=4&numbytes=4", "/drip?duration=5&numbytes=102400"};
            get(client, gateway.url("/drip?duration=0&numbytes=1")); // authenticates alice, warms the JIT
            System.out.println("| drip | direct: first byte | gateway: first byte | direct: last byte | gateway: last byte |");
            System.out.println("|------|--------------------|---------------------|-------------------|--------------------|");
            for (String shape : shapes) {
                long[][] direct = new long[2][runs];
                long[][] through = new long[2][runs];
                for (int i = 0; i < runs; i++) {
                    long[] d = get(client, upstream.url(shape));
                    long[] g = get(client, gateway.url(shape));
                    direct[0][i] = d[0];
                    direct[1][i] = d[1];
                    through[0][i] = g[0];
                    through[1][i] = g[1];
                }
                System.out.printf("| `%s` | %s | %s | %s | %s |%n", shape, ms(median(direct[0])), ms(median(through[0])),
                        ms(median(direct[1])), ms(median(through[1])));
            }
        }
    }

    /** Nanoseconds from sending to the first and to the last byte of the body. */
    private static long[] get(HttpClient client, String url) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", ALICE).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode());
        }
        try (InputStream in = response.body()) {
            if (in.read() < 0) {
                throw new IllegalStateException(url + " answered no body");
            }
            long first = System.nanoTime() - start;
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return new long[] {first, System.nanoTime() - start};
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String ms(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    /** httpbin's drip: {@code numbytes} bytes of {@code *} over {@code duration} seconds, flushed at least every 10 ms. */
    public static final class DripServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            long bytes = Long.parseLong(request.getParameter("numbytes"));
            long durationNanos = (long) (Double.parseDouble(request.getParameter("duration")) * 1e9);
            response.setContentType("application/octet-stream");
            ServletOutputStream out = response.getOutputStream();
            long start = System.nanoTime();
            long sent = 0;
            while (sent < bytes) {
                // byte i is due at i × duration / numbytes, as httpbin's: the first at once
                long elapsed = System.nanoTime() - start;
                long due = durationNanos == 0 ? bytes : Math.min(bytes, 1 + bytes * elapsed / durationNanos);
                for (; sent < due; sent++) {
                    out.write('*');
                }
                out.flush();
                if (sent < bytes) {
                    long next = durationNanos * sent / bytes - (System.nanoTime() - start);
                    sleep(Math.min(10, Math.max(1, next / 1_000_000)));
                }
            }
        }

        private static void sleep(long ms) throws IOException {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
    }
}
