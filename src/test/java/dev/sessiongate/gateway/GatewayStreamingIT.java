package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RunningProcess;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 point 5: a 1 GiB upload and a 1 GiB download through the standalone gateway running
 * with {@code -Xmx128m}: bodies are streamed, never held. The bodies are generated on the fly.
 */
class GatewayStreamingIT {
    private static final long GIB = 1L << 30;
    private static final Pattern LISTENING = Pattern.compile("event=listening port=(\\d+)");
    private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    @TempDir
    Path dir;

    @Test
    void oneGibibyteEachWayThroughA128MegabyteHeap() throws Exception {
        Files.copy(Path.of("etc/users.htpasswd"), dir.resolve("users.htpasswd"));
        Path gcLog = dir.resolve("gc.log");
        try (GateServer upstream = GateServer.upstream();
             RunningProcess gateway = RunningProcess.start(RunningProcess.java("-Xmx128m", "-Xlog:gc:file=" + gcLog,
                     "-jar", System.getProperty("sessiongate.standalone.jar", "target/sessiongate-standalone.jar"),
                     "--config", Files.writeString(dir.resolve("g.properties"), "users.file=users.htpasswd\n").toString(),
                     "--port=0", "--upstream.url=" + upstream.url("/up"), "--upstream.timeout=60s"))) {
            String base = "http://127.0.0.1:" + gateway.await(LISTENING, Duration.ofSeconds(60));
            HttpClient client = HttpClient.newHttpClient();
            String authorization = basic("alice", "alice-secret");

            HttpResponse<String> upload = client.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
                    .header("Authorization", authorization)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new GatewayTest.GeneratedStream(GIB)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(200);
            assertThat(upload.body()).isEqualTo(String.valueOf(GIB));

            HttpResponse<InputStream> download = client.send(HttpRequest.newBuilder(URI.create(base + "/download?bytes=" + GIB))
                    .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(download.statusCode()).isEqualTo(200);
            long received = 0;
            try (InputStream in = download.body()) {
                byte[] buffer = new byte[256 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received += n;
                }
            }
            assertThat(received).isEqualTo(GIB);
            System.out.println("gateway heap during 2 GiB of transfers, largest before a GC: " + peakHeapMb(gcLog) + " MiB of 128");
        }
    }

    private static int peakHeapMb(Path gcLog) throws java.io.IOException {
        int peak = 0;
        Matcher m = GC.matcher(Files.readString(gcLog));
        while (m.find()) {
            peak = Math.max(peak, Integer.parseInt(m.group(1)));
        }
        return peak;
    }
}
