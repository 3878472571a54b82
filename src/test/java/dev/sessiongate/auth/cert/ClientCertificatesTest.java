package dev.sessiongate.auth.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.PartnerPki;
import dev.sessiongate.testing.PartnerPki.Issued;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mapping file's rules and the checks that need no TLS connection. */
class ClientCertificatesTest {
    private static final Issued CA = PartnerPki.ca("CN=Partner CA,O=SessionGate Test");

    @TempDir
    Path dir;
    private Path map;
    private Path ca;

    @BeforeEach
    void files() {
        map = dir.resolve("client-certs.map");
        ca = PartnerPki.writePem(dir.resolve("ca.pem"), CA);
    }

    @Test
    void subjectsAreComparedAsDistinguishedNamesNotAsText() throws IOException {
        write("subject:cn=Partner-1 ,  o=ACME,C=de = partner1\n");
        assertThat(user(client("CN=partner-1,O=Acme,C=DE"))).isEqualTo("partner1");
        assertThat(user(client("CN=partner-1,O=Acme,C=FR"))).isEqualTo("unmapped");
        assertThat(user(client("CN=partner-1,OU=Sales,O=Acme,C=DE"))).isEqualTo("unmapped");
        assertThat(user(client("O=Acme,CN=partner-1,C=DE"))).as("RDN order matters").isEqualTo("unmapped");
    }

    @Test
    void sansAreComparedAsRfc5280Says() throws IOException {
        write("""
                san:dns:API.acme.example = dns
                san:email:Ops@acme.example = mail
                san:uri:spiffe://acme.example/billing = uri
                """);
        assertThat(user(client("CN=a", "dns:api.ACME.example"))).isEqualTo("dns");
        assertThat(user(client("CN=b", "email:Ops@ACME.EXAMPLE"))).as("domain in any case").isEqualTo("mail");
        assertThat(user(client("CN=c", "email:ops@acme.example"))).as("local part exactly").isEqualTo("unmapped");
        assertThat(user(client("CN=d", "uri:spiffe://acme.example/billing"))).isEqualTo("uri");
        assertThat(user(client("CN=e", "uri:spiffe://acme.example/Billing"))).isEqualTo("unmapped");
    }

    @Test
    void aCertificateNamingTwoUsersOrANameListedForTwoUsersMapsToNobody() throws IOException {
        write("""
                subject:CN=both,O=Acme = one
                san:dns:both.acme.example = two
                san:dns:twice.acme.example = three
                san:dns:twice.acme.example = four
                not a mapping line
                """);
        try (LogCapture log = new LogCapture()) {
            ClientCertificates certificates = certificates(null);
            assertThat(problem(certificates, chain(client("CN=both,O=Acme", "dns:both.acme.example")))).isEqualTo("ambiguous");
            assertThat(problem(certificates, chain(client("CN=x", "dns:twice.acme.example")))).isEqualTo("unmapped");
            assertThat(log.text()).contains("event=client_cert_map_conflict", "event=client_cert_map_bad_line")
                    .contains("line=5");
        }
    }

    @Test
    void aCertificateNotForClientAuthenticationIsRefused() throws IOException {
        write("san:dns:api.acme.example = acme\n");
        Issued server = PartnerPki.leaf(CA, "CN=api.acme.example", Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(1)), KeyPurposeId.id_kp_serverAuth, "dns:api.acme.example");
        assertThat(problem(certificates(null), new X509Certificate[] {server.certificate()})).isEqualTo("not_for_client_auth");
    }

    @Test
    void groupsComeFromTheHtgroupFile() throws IOException {
        write("subject:CN=partner-1 = partner1\n");
        Path groups = Files.writeString(dir.resolve("groups"), "partners: partner1 bob\nadmins: alice\n");
        ClientCertificates certificates = new ClientCertificates(map, ca, null, groups, Clock.systemUTC());
        Identity identity = certificates.check(chain(client("CN=partner-1"))).identity();
        assertThat(identity.groups()).containsExactly("partners");
        assertThat(identity.certificateFingerprint()).hasSize(64);
    }

    @Test
    void theMappingIsReadAgainWhenItChangesAndFailsClosedWhileItIsGone() throws IOException {
        write("subject:CN=partner-1 = partner1\n");
        ClientCertificates certificates = certificates(null);
        X509Certificate[] partner = chain(client("CN=partner-1"));
        Identity before = certificates.check(partner).identity();

        replace(map, "subject:CN=partner-1 = someone-else\n");
        assertThat(certificates.check(partner).identity().name()).isEqualTo("someone-else");
        assertThat(certificates.validate(partner, before)).as("mapped to another user now").isFalse();

        Files.delete(map);
        try (LogCapture log = new LogCapture()) {
            assertThatThrownBy(() -> certificates.check(partner)).isInstanceOf(AuthenticatorUnavailableException.class);
            assertThatThrownBy(() -> certificates.validate(partner, before)).isInstanceOf(AuthenticatorUnavailableException.class);
            assertThat(log.lines()).filteredOn(line -> line.contains("event=client_cert_files_unreadable")).hasSize(1);
        }
        replace(map, "subject:CN=partner-1 = partner1\n");
        assertThat(certificates.validate(partner, before)).isTrue();
    }

    @Test
    void certificatesNeedACaBundleAndCaOrCrlAloneIsAMistake() throws IOException {
        write("subject:CN=partner-1 = partner1\n");
        assertThatThrownBy(() -> gate("auth.client-cert", map.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs auth.client-ca");
        assertThatThrownBy(() -> gate("auth.client-crl", ca.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("only used with auth.client-cert");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> gate("auth.client-cert", map.toString(), "auth.client-ca", empty.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("holds no certificate");
    }

    @Test
    void certificatesAloneNeedNoPasswordStoreAndRefuseEveryPassword() throws IOException {
        write("subject:CN=partner-1 = partner1\n");
        SessionGate gate = SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .set("auth.client-cert", map.toString()).set("auth.client-ca", ca.toString()).build();
        try (GateServer server = GateServer.start(gate)) {
            server.request().header("Authorization", Fixtures.basic("partner1", "anything")).get("/api/x")
                    .then().statusCode(401).body("error", org.hamcrest.Matchers.equalTo("invalid_credentials"));
            server.request().get("/api/x").then().statusCode(401).body("error", org.hamcrest.Matchers.equalTo("missing_credentials"));
        }
    }

    private static SessionGate gate(String... settings) {
        SessionGate.Builder builder = SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toAbsolutePath().toString());
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return builder.build();
    }

    private void write(String mapping) throws IOException {
        Files.writeString(map, mapping);
    }

    private void replace(Path file, String content) throws IOException {
        Path next = Files.writeString(dir.resolve("next"), content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private ClientCertificates certificates(Path crl) throws IOException {
        return new ClientCertificates(map, ca, crl, null, Clock.systemUTC());
    }

    private String user(Issued client) throws IOException {
        ClientCertificates.Outcome outcome = certificates(null).check(chain(client));
        return outcome.identity() == null ? outcome.problem() : outcome.identity().name();
    }

    private static String problem(ClientCertificates certificates, X509Certificate[] chain) {
        return certificates.check(chain).problem();
    }

    private static Issued client(String dn, String... sans) {
        return PartnerPki.client(CA, dn, Duration.ofDays(1), sans);
    }

    private static X509Certificate[] chain(Issued client) {
        return new X509Certificate[] {client.certificate(), CA.certificate()};
    }
}
