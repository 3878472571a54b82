package dev.sessiongate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.Required;
import dev.sessiongate.testing.RunningProcess;
import dev.sessiongate.testing.TestPki;
import dev.sessiongate.testing.TestPki.Issued;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 5 with the built {@code sessiongate-standalone.jar}: HTTPS with HTTP/2 to curl and
 * Python, h2c to curl, certificate files replaced under a running server, and TLS settings that
 * cannot work stopping start-up with one line and status 2.
 */
class StandaloneTlsIT {
    private static final Pattern LISTENING = Pattern.compile("event=listening port=(\\d+)");

    @TempDir
    Path dir;
    private Issued root;
    private Path ca;
    private Path cert;
    private Path key;

    @BeforeEach
    void files() throws Exception {
        root = TestPki.root("SessionGate IT root");
        Issued server = root.server(TestPki.rsa());
        ca = TestPki.pem(dir.resolve("ca.pem"), root.certificate());
        cert = TestPki.pem(dir.resolve("cert.pem"), server.certificate());
        key = TestPki.pem(dir.resolve("key.pem"), server.keys().getPrivate());
    }

    @Test
    void curlAndPythonGetHttp2AndHttp11OverTlsAndPlainHttpIsRedirected() throws Exception {
        Required.program(onPath("curl"), "curl");
        Required.program(onPath("python3"), "python3");
        try (RunningProcess gate = RunningProcess.start(command("--port=0", "--tls.cert=" + cert, "--tls.key=" + key,
                "--tls.redirect-port=0"))) {
            int port = Integer.parseInt(gate.await(LISTENING, Duration.ofSeconds(60)));
            int redirectPort = Integer.parseInt(gate.await(Pattern.compile("redirectPort=(\\d+)"), Duration.ofSeconds(5)));
            String url = "https://localhost:" + port + "/api/orders";

            assertThat(run("curl", "-sS", "--cacert", ca.toString(), "--http2", "-u", "alice:alice-secret",
                    "-w", "\\n%{http_version}", url)).contains("\"user\":\"alice\"").endsWith("\n2");
            assertThat(run("curl", "-sS", "--cacert", ca.toString(), "--http1.1", "-u", "alice:alice-secret",
                    "-w", "\\n%{http_version}", url)).contains("\"user\":\"alice\"").endsWith("\n1.1");
            assertThat(run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                    "http://localhost:" + redirectPort + "/api/orders?page=2"))
                    .isEqualTo("308 https://localhost:" + port + "/api/orders?page=2");

            Path script = Files.writeString(dir.resolve("client.py"), String.join("\n",
                    "import base64, http.client, json, socket, ssl, sys",
                    "port = int(sys.argv[2])",
                    "context = ssl.create_default_context(cafile=sys.argv[1])",
                    "context.set_alpn_protocols(['h2', 'http/1.1'])",
                    "with context.wrap_socket(socket.create_connection(('localhost', port)), server_hostname='localhost') as s:",
                    "    print(s.selected_alpn_protocol(), s.version())",
                    "connection = http.client.HTTPSConnection('localhost', port, context=ssl.create_default_context(cafile=sys.argv[1]))",
                    "auth = base64.b64encode(b'alice:alice-secret').decode()",
                    "connection.request('GET', '/api/orders', headers={'Authorization': 'Basic ' + auth})",
                    "response = connection.getresponse()",
                    "print(response.status, json.loads(response.read())['user'])", ""));
            assertThat(run("python3", script.toString(), ca.toString(), String.valueOf(port)))
                    .isEqualTo("h2 TLSv1.3\n200 alice\n");
        }
    }

    /** The standalone's TLS (tls.client-auth, tls.client-ca) and the certificate authenticator (auth.client-cert) together. */
    @Test
    void aPartnerCertificateLogsInAndIsCachedWhileBasicGoesOnWorking() throws Exception {
        Required.program(onPath("curl"), "curl");
        Issued partner = root.client("partner-1");
        Path partnerCert = TestPki.pem(dir.resolve("partner.pem"), partner.certificate());
        Path partnerKey = TestPki.pkcs8(dir.resolve("partner-key.pem"), partner.keys());
        Path map = Files.writeString(dir.resolve("partners.map"), "subject:CN=partner-1 = bob\n");
        try (RunningProcess gate = RunningProcess.start(command("--port=0", "--warmup=0", "--tls.cert=" + cert,
                "--tls.key=" + key, "--tls.client-auth=want", "--tls.client-ca=" + ca, "--auth.client-cert=" + map))) {
            String url = "https://localhost:" + gate.await(LISTENING, Duration.ofSeconds(60)) + "/api/orders";
            String[] byCertificate = {"curl", "-sS", "--cacert", ca.toString(), "--cert", partnerCert.toString(),
                "--key", partnerKey.toString(), url};
            String first = run(byCertificate);
            assertThat(first).contains("\"user\":\"bob\"").contains("\"newSession\":true");
            assertThat(run(byCertificate)).contains("\"user\":\"bob\"").contains("\"newSession\":false");
            assertThat(run("curl", "-sS", "--cacert", ca.toString(), "-u", "alice:alice-secret", url))
                    .contains("\"user\":\"alice\"");
            assertThat(run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca.toString(), url))
                    .isEqualTo("401");
        }
    }

    @Test
    void thePlainPortSpeaksH2cByPriorKnowledgeAndByUpgrade() throws Exception {
        Required.program(onPath("curl"), "curl");
        try (RunningProcess gate = RunningProcess.start(command("--port=0", "--warmup=0"))) {
            String url = "http://localhost:" + gate.await(LISTENING, Duration.ofSeconds(60)) + "/api/orders";
            for (String mode : new String[] {"--http2-prior-knowledge", "--http2"}) {
                assertThat(run("curl", "-sS", mode, "-u", "alice:alice-secret", "-w", "\\n%{http_version}", url))
                        .as(mode).contains("\"user\":\"alice\"").endsWith("\n2");
            }
        }
    }

    @Test
    void replacedCertificateFilesAreServedWithoutARestart() throws Exception {
        try (RunningProcess gate = RunningProcess.start(command("--port=0", "--warmup=0", "--tls.cert=" + cert, "--tls.key=" + key))) {
            int port = Integer.parseInt(gate.await(LISTENING, Duration.ofSeconds(60)));
            Issued renewed = root.server(TestPki.ec());
            // The key first: until the certificate follows, the pair does not match and the old one stays.
            TestPki.pkcs8(key, renewed.keys());
            TestPki.pem(cert, renewed.certificate());
            gate.await(Pattern.compile("event=tls_reloaded subject=\"CN=localhost\" serial=" + renewed.certificate().getSerialNumber()
                    .toString(16)), Duration.ofSeconds(60));
            assertThat(TestPki.served(TestPki.clientContext(root.certificate(), null), port))
                    .isEqualTo(renewed.certificate());
        }
    }

    @Test
    void tlsFilesThatCannotWorkStopStartUpWithOneLineAndStatus2() throws Exception {
        Path store = TestPki.pkcs12(dir.resolve("server.p12"), root.server(TestPki.rsa()), "store-password-1");
        Path otherKey = TestPki.pkcs8(dir.resolve("other.pem"), TestPki.rsa());
        String[][] cases = {
            {"--tls.keystore=" + store, "--tls.keystore-password=wrong-password-42"},
            {"--tls.cert=" + cert, "--tls.key=" + otherKey},
            {"--tls.cert=" + cert},
            {"--tls.cert=" + cert, "--tls.key=" + key, "--tls.client-auth=need"},
        };
        for (String[] args : cases) {
            List<String> all = new ArrayList<>(List.of("--port=0"));
            all.addAll(List.of(args));
            Process process = command(all.toArray(new String[0])).redirectOutput(dir.resolve("out").toFile())
                    .redirectError(dir.resolve("err").toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> err = Files.readAllLines(dir.resolve("err"));
            String out = Files.readString(dir.resolve("out"));
            assertThat(process.exitValue()).as("%s: stderr %s%nstdout %s", all, err, out).isEqualTo(2);
            assertThat(err).as("%s", all).hasSize(1);
            assertThat(err.get(0)).startsWith("sessiongate: invalid configuration: tls.");
            assertThat(out + err).doesNotContain("\tat ", "Exception", "wrong-password-42");
        }
    }

    private static ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>(List.of("-jar",
                System.getProperty("sessiongate.standalone.jar", "target/sessiongate-standalone.jar")));
        command.addAll(List.of(args));
        return RunningProcess.java(command.toArray(new String[0]));
    }

    /** Runs {@code command} to its end and returns its standard output; it must exit 0. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("%s: %s", List.of(command), text).isZero();
        return text;
    }

    private static boolean onPath(String program) {
        for (String directory : System.getenv("PATH").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }
}
