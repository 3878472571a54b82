package dev.sessiongate.standalone;

import static dev.sessiongate.testing.Fixtures.basic;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RunningProcess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import java.io.IOException;
import java.net.Socket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

            assertThat(gate.process.terminate(Duration.ofSeconds(20))).isTrue();
            assertThat(gate.process.output()).contains("event=stopped");
        }
    }

    @Test
    void everyKeyCanBeGivenOnTheCommandLine() throws Exception {
        try (Standalone gate = Standalone.start("--port=0", "--warmup=0", "--realm=Command line", "--policy.require-group=admins")) {
            gate.request().post("/api/x").then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"Command line\", charset=\"UTF-8\"");
            gate.request().header("Authorization", basic("bob", "bob-secret")).post("/api/x").then().statusCode(403);
            gate.request().header("Authorization", basic("alice", "alice-secret")).post("/api/x").then().statusCode(200);
        }
    }

    @Test
    void aBadConfigurationStopsStartUpWithOneMessage() throws Exception {
        try (RunningProcess process = RunningProcess.start(command("--port=0", "--session.idle-timeout=forever"))) {
            assertThat(process.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.process().exitValue()).isEqualTo(2);
            process.await(Pattern.compile("session.idle-timeout=forever.*not a duration"), Duration.ofSeconds(5));
        }
    }

    @Test
    void aPortInUseStopsStartUpWithOneLineNamingThePortAndStatus2() throws Exception {
        Path dir = Files.createTempDirectory("sessiongate-it");
        try (ServerSocket taken = new ServerSocket(0)) {
            // Standard output and error apart: the error must be one line, with no stack trace anywhere.
            Process process = command("--port=" + taken.getLocalPort())
                    .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> err = Files.readAllLines(dir.resolve("err"));
            String out = Files.readString(dir.resolve("out"));
            assertThat(process.exitValue()).as("stderr %s%nstdout %s", err, out).isEqualTo(2);
            assertThat(err).hasSize(1);
            assertThat(err.get(0)).startsWith("sessiongate: ").contains("port " + taken.getLocalPort());
            assertThat(out + err).doesNotContain("\tat ", "Exception");
        }
    }

    @Test
    void anotherConfigFileIsTakenWithConfig() throws Exception {
        Path dir = Files.createTempDirectory("sessiongate-it");
        Files.copy(Path.of("etc/users.htpasswd"), dir.resolve("people"));
        Path config = Files.writeString(dir.resolve("other.properties"), "realm=Other\nusers.file=people\n");
        try (Standalone gate = Standalone.start("--config", config.toString(), "--port=0", "--warmup=0")) {
            gate.request().post("/api/x").then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"Other\", charset=\"UTF-8\"");
            gate.request().header("Authorization", basic("carol", "carol-secret")).post("/api/x").then().statusCode(200);
        }
    }

    /** Issue 14 point 6: the warm-up runs before the port is served and never reaches the real upstream. */
    @Test
    void theWarmUpRunsBeforeServingAndNeverReachesTheUpstream() throws Exception {
        AtomicInteger upstreamRequests = new AtomicInteger();
        try (GateServer upstream = GateServer.start(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    upstreamRequests.incrementAndGet();
                    response.write(true, ByteBuffer.wrap("up".getBytes(StandardCharsets.US_ASCII)), callback);
                    return true;
                }
            });
             Standalone gate = Standalone.start("--port=0", "--warmup=5s", "--upstream.url=" + upstream.url("/app"))) {
            String output = gate.process.output();
            Matcher warmed = Pattern.compile("event=warmed_up requests=(\\d+)").matcher(output);
            assertThat(warmed.find()).isTrue();
            assertThat(Long.parseLong(warmed.group(1))).isPositive();
            assertThat(output.indexOf("event=warmed_up")).isLessThan(output.indexOf("event=listening"));
            assertThat(upstreamRequests).hasValue(0);
            // The warm-up's own filter, users and sessions are not the server's, and not logged as if they were.
            assertThat(output).doesNotContain("session_created").containsOnlyOnce("event=filter_started");
            gate.request().get("/health").then().statusCode(200).body("sessions", equalTo(0));

            gate.request().header("Authorization", basic("alice", "alice-secret")).post("/x").then().statusCode(200);
            assertThat(upstreamRequests).hasValue(1);
        }
    }

    /** Found by the attack review: Jetty's parser warned with the client's text, unquoted, once per request. */
    @Test
    void theClientsTextReachesTheLogOnlyThroughSessionGatesOwnEscapedLine() throws Exception {
        try (Standalone gate = Standalone.start("--port=0", "--warmup=0")) {
            for (String head : new String[] {"Host: x event=auth_ok user=admin y", "Host: a\r\nHost: b event=auth_ok"}) {
                try (Socket socket = new Socket("127.0.0.1", gate.port)) {
                    socket.getOutputStream().write(("GET / HTTP/1.1\r\n" + head + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .startsWith("HTTP/1.1 400");
                }
            }
            gate.process.await(Pattern.compile("event=container_error status=400"), Duration.ofSeconds(10));
            assertThat(gate.process.output()).doesNotContain("event=auth_ok");
        }
    }

    @Test
    void aWarmUpOfMoreThanAMinuteIsABadSetting() throws Exception {
        try (RunningProcess process = RunningProcess.start(command("--port=0", "--warmup=10m"))) {
            assertThat(process.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.process().exitValue()).isEqualTo(2);
            assertThat(process.output()).contains("warmup").contains("at most 60s");
        }
    }

    private static ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>(List.of("-jar",
                System.getProperty("sessiongate.standalone.jar", "target/sessiongate-standalone.jar")));
        command.addAll(List.of(args));
        return RunningProcess.java(command.toArray(new String[0]));
    }

    /** The standalone jar, running. */
    private static final class Standalone implements AutoCloseable {
        final RunningProcess process;
        final int port;

        private Standalone(RunningProcess process, int port) {
            this.process = process;
            this.port = port;
        }

        static Standalone start(String... args) throws IOException, InterruptedException {
            RunningProcess process = RunningProcess.start(command(args));
            try {
                return new Standalone(process, Integer.parseInt(process.await(LISTENING, Duration.ofSeconds(60))));
            } catch (AssertionError e) {
                process.close();
                throw e;
            }
        }

        RequestSpecification request() {
            return given().baseUri("http://127.0.0.1").port(port);
        }

        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }
}
