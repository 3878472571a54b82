package dev.sessiongate.bench;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.sessiongate.filter.SessionGate;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The miss path, for scale: every request has a new user key (a new path), so each runs the
 * password check of an htpasswd user with bcrypt cost 10, then creates and caches a session.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MissPathBenchmark {
    private SessionGate gate;
    private String authorization;
    private long next;
    private final BenchResponse response = new BenchResponse();
    private final FilterChain app = (request, response) -> { };

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path users = Files.createTempFile("bench-users", ".htpasswd");
        Files.writeString(users, "miss:" + BCrypt.withDefaults().hashToString(10, "miss-password".toCharArray()) + "\n");
        users.toFile().deleteOnExit();
        gate = SessionGate.builder()
                .set("key.secret", "bench-secret-0123456789abcdef")
                .set("users.file", users.toString())
                .set("sessions.max", "1000000")
                .build();
        authorization = "Basic " + Base64.getEncoder().encodeToString("miss:miss-password".getBytes(StandardCharsets.UTF_8));
    }

    @Benchmark
    public void missPathBcryptCost10() throws IOException, ServletException {
        gate.doFilter(new BenchRequest(authorization, "/api/miss/" + next++, "192.0.2.10"), response, app);
    }
}
