package dev.sessiongate.standalone;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.TestPki;
import dev.sessiongate.testing.TestPki.Issued;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 5: the standalone's HTTPS with HTTP/2 (ALPN) and HTTP/1.1, h2c on a plain port,
 * client certificates, certificate reload and the HTTP→HTTPS redirect, with a real Jetty on a free
 * port, Java's HttpClient and a CA the test makes.
 */
class TlsTest {
    private static final String SHA1_USER = basic("sha1", "sha1-pw");
    private static Issued root;
    private static Issued server;

    @TempDir
    Path dir;
    private Server running;

    @BeforeAll
    static void pki() throws Exception {
        root = TestPki.root("SessionGate test root");
        server = root.server(TestPki.rsa());
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
    }

    @Test
    void httpsServesHttp2ByAlpnAndHttp11ToClientsThatAskForIt() throws Exception {
        int port = start(pemSettings(server, TestPki.pkcs8(dir.resolve("key.pem"), server.keys())));
        SSLContext trusting = TestPki.clientContext(root.certificate(), null);
        for (HttpClient.Version version : HttpClient.Version.values()) {
            HttpResponse<String> response = get(client(trusting, version), "https://localhost:" + port + "/api/orders", SHA1_USER);
            assertThat(response.version()).isEqualTo(version);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"user\":\"sha1\"");
        }
    }

    @Test
    void pkcs1AndSec1KeysEcKeysAndChainsThroughAnIntermediateAreServed() throws Exception {
        Issued intermediate = root.intermediate("SessionGate test intermediate");
        Issued rsaLeaf = intermediate.server(TestPki.rsa());
        Issued ecLeaf = intermediate.server(TestPki.ec());
        Object[][] cases = {
            {rsaLeaf, TestPki.pem(dir.resolve("rsa-pkcs1.pem"), rsaLeaf.keys().getPrivate())},
            {rsaLeaf, TestPki.pkcs8(dir.resolve("rsa-pkcs8.pem"), rsaLeaf.keys())},
            {ecLeaf, TestPki.sec1(dir.resolve("ec-sec1.pem"), ecLeaf.keys())},
            {ecLeaf, TestPki.pkcs8(dir.resolve("ec-pkcs8.pem"), ecLeaf.keys())},
        };
        SSLContext trustingRootOnly = TestPki.clientContext(root.certificate(), null);
        for (Object[] c : cases) {
            Issued leaf = (Issued) c[0];
            int port = start(pemSettings(leaf, (Path) c[1]));
            HttpResponse<String> response = get(client(trustingRootOnly, HttpClient.Version.HTTP_2),
                    "https://localhost:" + port + "/public/x", null);
            assertThat(response.statusCode()).as("%s", c[1]).isEqualTo(200);
            assertThat(response.sslSession().orElseThrow().getPeerCertificates()).hasSize(2);
            running.stop();
        }
    }

    @Test
    void aPkcs12KeyStoreServesLikePemFiles() throws Exception {
        Path store = TestPki.pkcs12(dir.resolve("server.p12"), server, "store-password-1");
        int port = start(Map.of("tls.keystore", store.toString(), "tls.keystore-password", "store-password-1"));
        assertThat(TestPki.served(TestPki.clientContext(root.certificate(), null), port)).isEqualTo(server.certificate());
    }

    @Test
    void onlyTls12AndUpWithForwardSecretAeadSuites() throws Exception {
        int port = start(pemSettings(server, TestPki.pkcs8(dir.resolve("key.pem"), server.keys())));
        SSLContext trusting = TestPki.clientContext(root.certificate(), null);
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("localhost", port)) {
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        for (String weak : new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"}) {
            try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("localhost", port)) {
                socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                socket.setEnabledCipherSuites(new String[] {weak});
                assertThatThrownBy(socket::startHandshake).as(weak).isInstanceOf(SSLHandshakeException.class);
            }
        }
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("localhost", port)) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertThat(socket.getSession().getCipherSuite()).startsWith("TLS_ECDHE_RSA_WITH_").contains("GCM");
        }
    }

    @Test
    void clientAuthNeedAdmitsOnlyCertificatesOfTheClientCaAndPassesThemToTheApplication() throws Exception {
        Issued clientCa = TestPki.root("Partner CA");
        Issued partner = clientCa.client("partner-1");
        Issued stranger = TestPki.root("Other CA").client("partner-1");
        Map<String, String> settings = pemSettings(server, TestPki.pkcs8(dir.resolve("key.pem"), server.keys()));
        settings.put("tls.client-auth", "need");
        settings.put("tls.client-ca", TestPki.pem(dir.resolve("client-ca.pem"), clientCa.certificate()).toString());
        int port = startWithEcho(settings);
        String url = "https://localhost:" + port + "/echo";

        assertThat(get(client(TestPki.clientContext(root.certificate(), partner), HttpClient.Version.HTTP_2), url, null).body())
                .isEqualTo("secure=true client=CN=partner-1");
        for (Issued refused : new Issued[] {null, stranger}) {
            HttpClient client = client(TestPki.clientContext(root.certificate(), refused), HttpClient.Version.HTTP_1_1);
            assertThatThrownBy(() -> get(client, url, null)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void clientAuthWantLetsClientsWithoutACertificateIn() throws Exception {
        Issued clientCa = TestPki.root("Partner CA");
        Map<String, String> settings = pemSettings(server, TestPki.pkcs8(dir.resolve("key.pem"), server.keys()));
        settings.put("tls.client-auth", "want");
        settings.put("tls.client-ca", TestPki.pem(dir.resolve("client-ca.pem"), clientCa.certificate()).toString());
        int port = startWithEcho(settings);
        String url = "https://localhost:" + port + "/echo";
        assertThat(get(client(TestPki.clientContext(root.certificate(), null), HttpClient.Version.HTTP_2), url, null).body())
                .isEqualTo("secure=true client=none");
        assertThat(get(client(TestPki.clientContext(root.certificate(), clientCa.client("partner-2")),
                HttpClient.Version.HTTP_2), url, null).body()).isEqualTo("secure=true client=CN=partner-2");
    }

    @Test
    void replacedCertificateFilesServeNewConnectionsWhileAnOpenOneKeepsWorking() throws Exception {
        Path key = TestPki.pkcs8(dir.resolve("key.pem"), server.keys());
        int port = start(pemSettings(server, key));
        SSLContext trusting = TestPki.clientContext(root.certificate(), null);
        String url = "https://localhost:" + port + "/public/x";
        HttpClient old = client(trusting, HttpClient.Version.HTTP_2);
        assertThat(get(old, url, null).sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(server.certificate());

        Issued renewed = root.server(TestPki.ec());
        FileTime later = FileTime.fromMillis(System.currentTimeMillis() + 10_000);
        Files.setLastModifiedTime(TestPki.pkcs8(key, renewed.keys()), later);
        Files.setLastModifiedTime(TestPki.pem(dir.resolve("cert.pem"), renewed.certificate()), later);
        running.getBean(CertificateReloader.class).scanNow();

        assertThat(TestPki.served(trusting, port)).isEqualTo(renewed.certificate());
        HttpResponse<String> again = get(old, url, null);
        assertThat(again.statusCode()).isEqualTo(200);
        // The same certificate as before: the same connection, which the reload left open.
        assertThat(again.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(server.certificate());
    }

    @Test
    void aReplacementThatDoesNotMatchKeepsThePreviousCertificate() throws Exception {
        Path key = TestPki.pkcs8(dir.resolve("key.pem"), server.keys());
        int port = start(pemSettings(server, key));
        Issued renewed = root.server(TestPki.rsa());
        Files.setLastModifiedTime(TestPki.pem(dir.resolve("cert.pem"), renewed.certificate()),
                FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        running.getBean(CertificateReloader.class).scanNow();
        assertThat(TestPki.served(TestPki.clientContext(root.certificate(), null), port)).isEqualTo(server.certificate());
    }

    @Test
    void theRedirectPortSendsPlainHttpToTheSamePathOverHttps() throws Exception {
        Map<String, String> settings = pemSettings(server, TestPki.pkcs8(dir.resolve("key.pem"), server.keys()));
        settings.put("tls.redirect-port", "0");
        int port = start(settings);
        int redirectPort = ((ServerConnector) running.getConnectors()[1]).getLocalPort();
        HttpResponse<String> response = get(HttpClient.newHttpClient(),
                "http://localhost:" + redirectPort + "/api/orders?page=2", SHA1_USER);
        assertThat(response.statusCode()).isEqualTo(308);
        assertThat(response.headers().firstValue("Location")).hasValue("https://localhost:" + port + "/api/orders?page=2");
        assertThat(response.body()).doesNotContain("sha1");
    }

    @Test
    void thePlainPortUpgradesToH2c() throws Exception {
        int port = start(new HashMap<>());
        HttpResponse<String> response = get(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(),
                "http://localhost:" + port + "/api/orders", SHA1_USER);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.body()).contains("\"user\":\"sha1\"");
    }

    /**
     * Java's HttpClient asks to upgrade to h2c by default, also with a chunked upload; Jetty's
     * upgrade then broke the connection and the application saw a 500 (found by GatewayStreamingIT).
     */
    @Test
    void anUploadThatAsksToUpgradeStaysHttp11AndIsServed() throws Exception {
        int port = start(new HashMap<>());
        for (HttpRequest.BodyPublisher body : List.of(
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[100_000])),
                HttpRequest.BodyPublishers.ofByteArray(new byte[1000]))) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/api/orders")).header("Authorization", SHA1_USER)
                    .POST(body).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(response.body()).contains("\"user\":\"sha1\"");
        }
    }

    @Test
    void unusableTlsSettingsStopStartUpWithOneMessageNamingTheKeyButNeverThePassword() throws Exception {
        Path cert = TestPki.pem(dir.resolve("cert.pem"), server.certificate());
        Path key = TestPki.pkcs8(dir.resolve("key.pem"), server.keys());
        Path otherKey = TestPki.pkcs8(dir.resolve("other-key.pem"), TestPki.rsa());
        Path store = TestPki.pkcs12(dir.resolve("server.p12"), server, "store-password-1");
        String missing = dir.resolve("missing.pem").toString();
        Object[][] cases = {
            {Map.of("tls.cert", missing, "tls.key", key.toString()), "tls.cert=" + missing + ": no such file"},
            {Map.of("tls.cert", cert.toString()), "tls.cert=" + cert + ": tls.key is missing"},
            {Map.of("tls.key", key.toString()), "tls.key=" + key + ": tls.cert is missing"},
            {Map.of("tls.cert", cert.toString(), "tls.key", otherKey.toString()), "does not match the first certificate"},
            {Map.of("tls.cert", key.toString(), "tls.key", key.toString()), "holds no PEM certificate"},
            {Map.of("tls.cert", cert.toString(), "tls.key", cert.toString()), "holds no PEM private key"},
            {Map.of("tls.keystore", store.toString(), "tls.keystore-password", "wrong-password-42"),
                "wrong password for tls.keystore"},
            {Map.of("tls.keystore", store.toString()), "tls.keystore-password is missing"},
            {Map.of("tls.keystore", cert.toString(), "tls.keystore-password", "store-password-1"), "not a PKCS12 key store"},
            {Map.of("tls.keystore", store.toString(), "tls.keystore-password", "store-password-1", "tls.cert", cert.toString(),
                "tls.key", key.toString()), "not both"},
            {Map.of("tls.cert", cert.toString(), "tls.key", key.toString(), "tls.client-auth", "need"), "needs tls.client-ca"},
            {Map.of("tls.cert", cert.toString(), "tls.key", key.toString(), "tls.client-auth", "want"), "needs tls.client-ca"},
            {Map.of("tls.cert", cert.toString(), "tls.key", key.toString(), "tls.client-auth", "maybe"), "must be none, want or need"},
            {Map.of("tls.redirect-port", "8081"), "tls.redirect-port=8081: needs tls.cert and tls.key, or tls.keystore"},
            {Map.of("tls.client-auth", "need"), "tls.client-auth=need: needs tls.cert and tls.key, or tls.keystore"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, String> tls = (Map<String, String>) c[0];
            assertThatThrownBy(() -> StandaloneServer.create(ConfigLoader.load(null, settings(tls))))
                    .as("%s", tls).isInstanceOf(ConfigException.class).hasMessageContaining((String) c[1])
                    .message().doesNotContain("wrong-password-42", "store-password-1");
        }
    }

    private Map<String, String> pemSettings(Issued issued, Path key) throws IOException {
        Map<String, String> settings = new HashMap<>();
        settings.put("tls.cert", TestPki.pem(dir.resolve("cert.pem"), issued.chain().toArray()).toString());
        settings.put("tls.key", key.toString());
        return settings;
    }

    private int start(Map<String, String> tls) throws Exception {
        running = StandaloneServer.create(ConfigLoader.load(null, settings(tls)));
        running.start();
        return ((ServerConnector) running.getConnectors()[0]).getLocalPort();
    }

    /** The standalone's connectors in front of a servlet that tells what the connection carried. */
    private int startWithEcho(Map<String, String> tls) throws Exception {
        running = StandaloneServer.create(ConfigLoader.load(null, settings(tls)));
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(Echo.class, "/echo");
        running.setHandler(context);
        running.start();
        return ((ServerConnector) running.getConnectors()[0]).getLocalPort();
    }

    private static Map<String, String> settings(Map<String, String> tls) {
        Map<String, String> settings = new HashMap<>(tls);
        settings.put("port", "0");
        settings.put("users.file", Fixtures.USERS.toAbsolutePath().toString());
        settings.put("key.secret", Fixtures.SECRET);
        return settings;
    }

    private static HttpClient client(SSLContext context, HttpClient.Version version) {
        return HttpClient.newBuilder().sslContext(context).version(version).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(HttpClient client, String url, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Answers {@code secure=… client=SUBJECT|none}. */
    public static final class Echo extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            X509Certificate[] chain = (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
            response.getWriter().print("secure=" + request.isSecure() + " client="
                    + (chain == null ? "none" : chain[0].getSubjectX500Principal().getName()));
        }
    }
}
