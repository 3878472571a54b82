package dev.sessiongate.bench;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.GateServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The thundering herd: N concurrent first requests of one user key against a real Jetty, over
 * real HTTP. Prints how many password checks ran (bcrypt cost 10), how many sessions the answers
 * name, and the latency distribution of the N answers, measured from the common start.
 *
 * <p>{@code mvn -B -q -P bench test-compile exec:exec@herd} runs it for N = 10, 100 and 500.
 */
public final class Herd {
    public static void main(String[] args) throws Exception {
        Path users = Files.createTempFile("herd", ".htpasswd");
        Files.writeString(users, "herd:" + BCrypt.withDefaults().hashToString(10, "herd-password".toCharArray()) + "\n");
        int[] sizes = args.length > 0 ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray() : new int[] {10, 100, 500};
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int n : sizes) {
            CountingAuthenticator checks = new CountingAuthenticator(new HtpasswdAuthenticator(users, null));
            SessionGate gate = SessionGate.builder().set("key.secret", "herd-secret-0123456789abcdef")
                    .authenticator(checks).build();
            try (GateServer server = GateServer.start(gate)) {
                warmUp(client, server);
                HttpRequest request = HttpRequest.newBuilder(URI.create(server.url("/api/herd")))
                        .header("Authorization", "Basic " + Base64.getEncoder()
                                .encodeToString("herd:herd-password".getBytes(StandardCharsets.UTF_8)))
                        .POST(HttpRequest.BodyPublishers.noBody()).build();
                int before = checks.checks();
                long start = System.nanoTime();
                List<CompletableFuture<long[]>> answers = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                            .thenApply(r -> new long[] {System.nanoTime() - start, r.statusCode(), sessionIdHash(r.body())}));
                }
                long[] micros = new long[n];
                Set<String> sessions = new HashSet<>();
                int ok = 0;
                for (int i = 0; i < n; i++) {
                    long[] answer = answers.get(i).join();
                    micros[i] = answer[0] / 1000;
                    ok += answer[1] == 200 ? 1 : 0;
                }
                for (CompletableFuture<long[]> answer : answers) {
                    sessions.add(String.valueOf(answer.join()[2]));
                }
                Arrays.sort(micros);
                System.out.printf("N=%d ok=%d passwordChecks=%d sessions=%d latency ms: min=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f%n",
                        n, ok, checks.checks() - before, sessions.size(), micros[0] / 1000.0, pct(micros, 50),
                        pct(micros, 90), pct(micros, 99), micros[n - 1] / 1000.0);
            }
        }
        Files.delete(users);
    }

    /** Another user's request first, so that connection set-up and JIT are not what we measure. */
    private static void warmUp(HttpClient client, GateServer server) throws Exception {
        for (int i = 0; i < 20; i++) {
            client.send(HttpRequest.newBuilder(URI.create(server.url("/public/warm"))).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    /** The hash of the "sessionId" value of the demo's JSON answer. */
    private static long sessionIdHash(String body) {
        int start = body.indexOf("\"sessionId\":\"") + 13;
        return body.substring(start, body.indexOf('"', start)).hashCode();
    }

    private static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1000.0;
    }
}
