package dev.sessiongate.standalone;

import static dev.sessiongate.testing.Fixtures.basic;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 3 point 5: the built {@code sessiongate-standalone.jar}, run as a user runs it, with the
 * sample configuration in {@code etc/}.
 */
class StandaloneIT {
    private static final Pattern LISTENING = Pattern.compile("event=listening port=(\\d+)");

    @Test
    void runsTheDemoWithTheSampleConfigurationAndStopsCleanlyOnSigterm() throws Exception {
        try (Standalone gate = Standalone.start("--port=0")) {
            gate.request().post("/api/orders").then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"SessionGate demo\", charset=\"UTF-8\"");
            JsonPath first = gate.request().header("Authorization", basic("alice", "alice-secret"))
                    .body("{\"order\":1}").post("/api/orders").then().statusCode(200).extract().jsonPath();
            assertThat(first.getString("user")).isEqualTo("alice");
            assertThat(first.getBoolean("newSession")).isTrue();
            assertThat(first.getInt("bodyBytes")).isEqualTo(11);
            JsonPath second = gate.request().header("Authorization", basic("alice", "alice-secret"))
                    .header("Cookie", "JSESSIONID=mine; theme=dark")
                    .post("/api/orders").then().statusCode(200).extract().jsonPath();
            assertThat(second.getString("sessionId")).isEqualTo(first.getString("sessionId"));
            assertThat(second.getBoolean("newSession")).isFalse();
            assertThat(second.getList("cookies")).containsExactly("theme");
            gate.request().header("Authorization", basic("carol", "carol-secret")).post("/api/orders")
                    .then().statusCode(403);
            gate.request().post("/public/orders").then().statusCode(200)
                    .body("user", nullValue()).body("path", equalTo("/public/orders"));
            gate.request().get("/health").then().statusCode(200).body("status", equalTo("up")).body("sessions", equalTo(1));

            gate.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
            assertThat(gate.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(gate.output()).as("exit %d", gate.process.exitValue()).contains("event=stopped");
        }
    }

    @Test
    void everyKeyCanBeGivenOnTheCommandLine() throws Exception {
        try (Standalone gate = Standalone.start("--port=0", "--realm=Command line", "--policy.require-group=admins")) {
            gate.request().post("/api/x").then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"Command line\", charset=\"UTF-8\"");
            gate.request().header("Authorization", basic("bob", "bob-secret")).post("/api/x").then().statusCode(403);
            gate.request().header("Authorization", basic("alice", "alice-secret")).post("/api/x").then().statusCode(200);
        }
    }

    @Test
    void aBadConfigurationStopsStartUpWithOneMessage() throws Exception {
        Process process = command("--port=0", "--session.idle-timeout=forever").redirectErrorStream(true).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output).contains("session.idle-timeout=forever").contains("not a duration");
    }

    @Test
    void anotherConfigFileIsTakenWithConfig() throws Exception {
        Path dir = Files.createTempDirectory("sessiongate-it");
        Files.copy(Path.of("etc/users.htpasswd"), dir.resolve("people"));
        Path config = Files.writeString(dir.resolve("other.properties"), "realm=Other\nusers.file=people\n");
        try (Standalone gate = Standalone.start("--config", config.toString(), "--port=0")) {
            gate.request().post("/api/x").then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"Other\", charset=\"UTF-8\"");
            gate.request().header("Authorization", basic("carol", "carol-secret")).post("/api/x").then().statusCode(200);
        }
    }

    private static ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(System.getProperty("sessiongate.standalone.jar", "target/sessiongate-standalone.jar"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** A running standalone jar; its output is collected. */
    private static final class Standalone implements AutoCloseable {
        final Process process;
        final StringBuffer output = new StringBuffer();
        Thread reader;
        int port;

        private Standalone(Process process) {
            this.process = process;
        }

        static Standalone start(String... args) throws IOException, InterruptedException {
            Standalone gate = new Standalone(command(args).redirectErrorStream(true).start());
            CompletableFuture<Integer> port = new CompletableFuture<>();
            gate.reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(gate.process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        gate.output.append(line).append('\n');
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        }
                    }
                } catch (IOException e) {
                    port.completeExceptionally(e);
                }
                port.completeExceptionally(new IllegalStateException("exited before listening"));
            });
            gate.reader.setDaemon(true);
            gate.reader.start();
            try {
                gate.port = port.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                gate.close();
                throw new AssertionError("standalone did not start: " + gate.output, e);
            }
            return gate;
        }

        RequestSpecification request() {
            return given().baseUri("http://127.0.0.1").port(port);
        }

        /** Everything the process printed; call after it exited. */
        String output() throws InterruptedException {
            reader.join(10_000);
            return output.toString();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
