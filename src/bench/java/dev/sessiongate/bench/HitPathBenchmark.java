package dev.sessiongate.bench;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.sessiongate.util.Secret;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.key.KeyPart;
import dev.sessiongate.key.UserKey;
import dev.sessiongate.key.UserKeyDeriver;
import dev.sessiongate.testing.TestPki;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The hit path: from the {@code Authorization} header to the application holding the wrapped
 * request (parse, client IP, path, HMAC user key, Caffeine lookup, wrapper), for 50 rotating
 * users whose sessions are cached; and the key derivation alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HitPathBenchmark {
    static final int USERS = 50;

    private SessionGate gate;
    private BenchRequest[] requests;
    /** The same users, each by a client certificate and no Authorization header ({@code auth.client-cert}). */
    private BenchRequest[] certificateRequests;
    private final BenchResponse response = new BenchResponse();
    private UserKeyDeriver deriver;
    private byte[][] credentials;
    private int[] colons;

    /** The application: reads the user and the session, as an application does. */
    private static final class App implements FilterChain {
        Blackhole blackhole;

        @Override
        public void doFilter(jakarta.servlet.ServletRequest request, jakarta.servlet.ServletResponse response) {
            HttpServletRequest http = (HttpServletRequest) request;
            blackhole.consume(http.getRemoteUser());
            blackhole.consume(http.getSession(false));
        }
    }

    /**
     * Per thread: its own users, as different clients have different keys (two threads on one
     * key at once is the rare case), and the application.
     */
    @State(Scope.Thread)
    public static class Client {
        private static final java.util.concurrent.atomic.AtomicInteger THREADS = new java.util.concurrent.atomic.AtomicInteger();
        int first;
        int next;
        final App app = new App();

        @Setup(Level.Trial)
        public void setUp(Blackhole blackhole) {
            app.blackhole = blackhole;
            first = (THREADS.getAndIncrement() % 2) * (USERS / 2);
            next = first;
        }

        /** Rotates through this thread's half of the users. */
        int user() {
            int user = next;
            next = user + 1 == first + USERS / 2 ? first : user + 1;
            return user;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException, ServletException {
        Path users = Files.createTempFile("bench-users", ".htpasswd");
        StringBuilder lines = new StringBuilder();
        requests = new BenchRequest[USERS];
        credentials = new byte[USERS][];
        colons = new int[USERS];
        for (int i = 0; i < USERS; i++) {
            String password = "password-" + i;
            // Cost 4: only the first request of a user checks it; the hit path never does.
            lines.append("user").append(i).append(':')
                    .append(BCrypt.withDefaults().hashToString(4, password.toCharArray())).append('\n');
            credentials[i] = ("user" + i + ":" + password).getBytes(StandardCharsets.UTF_8);
            colons[i] = ("user" + i).length();
            requests[i] = new BenchRequest("Basic " + Base64.getEncoder().encodeToString(credentials[i]),
                    "/api/bench/orders", "192.0.2.10");
        }
        Files.writeString(users, lines);
        users.toFile().deleteOnExit();
        TestPki.Issued ca = TestPki.ca("CN=Bench CA");
        StringBuilder map = new StringBuilder();
        certificateRequests = new BenchRequest[USERS];
        for (int i = 0; i < USERS; i++) {
            TestPki.Issued client = TestPki.client(ca, "CN=user" + i, Duration.ofDays(1));
            map.append("subject:CN=user").append(i).append(" = user").append(i).append('\n');
            certificateRequests[i] = new BenchRequest(null, "/api/bench/orders", "192.0.2.10",
                    new X509Certificate[] {client.certificate(), ca.certificate()});
        }
        Path mapFile = Files.writeString(Files.createTempFile("bench-certs", ".map"), map);
        Path caFile = TestPki.writePem(Files.createTempFile("bench-ca", ".pem"), ca);
        mapFile.toFile().deleteOnExit();
        caFile.toFile().deleteOnExit();
        gate = SessionGate.builder()
                .set("key.secret", "bench-secret-0123456789abcdef")
                .set("users.file", users.toString())
                .set("auth.client-cert", mapFile.toString())
                .set("auth.client-ca", caFile.toString())
                .build();
        Client warm = new Client();
        warm.app.blackhole = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        for (BenchRequest request : requests) {
            gate.doFilter(request, response, warm.app);
        }
        for (BenchRequest request : certificateRequests) {
            gate.doFilter(request, response, warm.app);
        }
        deriver = new UserKeyDeriver(Secret.of("bench-secret-0123456789abcdef"),
                List.of(KeyPart.parse("password"), KeyPart.parse("client-ip"), KeyPart.parse("path")));
    }

    @Benchmark
    public void hitPath(Client client) throws IOException, ServletException {
        gate.doFilter(requests[client.user()], response, client.app);
    }

    /** The hit path of a request authenticated by its client certificate: fingerprint (remembered), key, lookup. */
    @Benchmark
    public void certificateHitPath(Client client) throws IOException, ServletException {
        gate.doFilter(certificateRequests[client.user()], response, client.app);
    }

    @Benchmark
    @Threads(2)
    public void hitPathTwoThreads(Client client) throws IOException, ServletException {
        gate.doFilter(requests[client.user()], response, client.app);
    }

    @Benchmark
    public UserKey keyDerivation(Client client) {
        int user = client.user();
        return deriver.derive(credentials[user], colons[user], "192.0.2.10", "/api/bench/orders", null);
    }
}
