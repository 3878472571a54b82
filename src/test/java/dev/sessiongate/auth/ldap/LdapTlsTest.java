package dev.sessiongate.auth.ldap;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.util.ssl.KeyStoreKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RunningProcess;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §3 / issue 5 point 6: LDAP over {@code ldaps://} and with StartTLS, the directory's
 * certificate (made by the JDK's keytool for 127.0.0.1) trusted through {@code ldap.trust-store}.
 */
class LdapTlsTest {
    private static final char[] PASS = "changeit".toCharArray();

    @TempDir
    Path dir;

    private InMemoryDirectoryServer directory;
    private Path trustStore;

    @BeforeEach
    void startDirectory() throws Exception {
        Path keyStore = dir.resolve("server.p12");
        trustStore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "ldap", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit");
        Path cert = dir.resolve("ldap.crt");
        keytool("-exportcert", "-alias", "ldap", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "ldap", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", "changeit");

        SSLUtil server = new SSLUtil(new KeyStoreKeyManager(keyStore.toFile(), PASS, "PKCS12", "ldap"), new TrustAllTrustManager());
        directory = TestDirectory.start(
                InMemoryListenerConfig.createLDAPSConfig("ldaps", null, 0, server.createSSLServerSocketFactory(), null),
                InMemoryListenerConfig.createLDAPConfig("starttls", null, 0, server.createSSLSocketFactory()));
    }

    @AfterEach
    void stopDirectory() {
        directory.shutDown(true);
    }

    @Test
    void ldapsWithTheTrustStore() {
        try (GateServer server = gate("ldaps://127.0.0.1:" + directory.getListenPort("ldaps"), false)) {
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/x").then()
                    .statusCode(200).body("user", equalTo("alice"));
            server.request().header("Authorization", basic("alice", "wrong")).post("/api/x").then().statusCode(401);
        }
    }

    @Test
    void startTlsWithTheTrustStore() {
        try (GateServer server = gate("ldap://127.0.0.1:" + directory.getListenPort("starttls"), true)) {
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/x").then()
                    .statusCode(200).body("user", equalTo("alice"));
        }
    }

    @Test
    void anUntrustedCertificateStopsStartUp() {
        String url = "ldaps://127.0.0.1:" + directory.getListenPort("ldaps");
        assertThatThrownBy(() -> SessionGate.builder().set("key.secret", Fixtures.SECRET).set("ldap.url", url)
                .set("ldap.user-dn-pattern", "uid={0},ou=people,dc=example,dc=com").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("ldap.url=" + url);
    }

    private GateServer gate(String url, boolean startTls) {
        return GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("ldap.url", url)
                .set("ldap.start-tls", String.valueOf(startTls))
                .set("ldap.trust-store", trustStore.toString())
                .set("ldap.trust-store-password", "changeit")
                .set("ldap.user-dn-pattern", "uid={0},ou=people,dc=example,dc=com")
                .build());
    }

    private static void keytool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        try (RunningProcess keytool = RunningProcess.start(new ProcessBuilder(command))) {
            if (!keytool.process().waitFor(60, TimeUnit.SECONDS) || keytool.process().exitValue() != 0) {
                throw new AssertionError("keytool failed: " + keytool.output());
            }
        }
    }
}
