package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.PartnerPki;
import dev.sessiongate.testing.PartnerPki.Issued;
import dev.sessiongate.testing.TlsGateServer;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partner certificates over real TLS (SPEC §7, {@code auth.client-cert}): a Jetty with
 * {@code wantClientAuth} whose trust store holds the partner CA and a foreign one (the container
 * trusts more than SessionGate does), Java's HttpClient with a client key store. The fake ticker
 * drives revalidation, the fake clock certificate expiry; the TLS handshakes use the real time.
 */
class ClientCertificateTest {
    private static final Issued CA = PartnerPki.ca("CN=Partner CA,O=SessionGate Test");
    private static final Issued FOREIGN_CA = PartnerPki.ca("CN=Foreign CA,O=Elsewhere");
    private static final Issued PARTNER = PartnerPki.client(CA, "CN=partner-1,O=Acme,C=DE", Duration.ofDays(30));
    private static final KeyStore TRUSTED = PartnerPki.trustStore(CA, FOREIGN_CA);
    private static final KeyStore SERVER_KEYS = PartnerPki.keyStore(PartnerPki.server(CA), CA);

    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private Path crl;
    private SessionGate gate;
    private TlsGateServer server;

    @BeforeEach
    void start() throws Exception {
        start("auth.max-failures", "5");
    }

    /** Starts the gate with the test's files and {@code settings} (key, value, ...). */
    private void start(String... settings) throws Exception {
        Path map = Files.writeString(dir.resolve("client-certs.map"), """
                # partner certificates
                subject:CN=partner-1, O=Acme, C=DE = partner1
                san:dns:api.acme.example = acme
                san:dns:blocked.acme.example = blocked
                """);
        Path ca = PartnerPki.writePem(dir.resolve("ca.pem"), CA);
        Path groups = Files.writeString(dir.resolve("users.htgroup"), "partners: partner1 sha1\n");
        crl = PartnerPki.writePem(dir.resolve("ca.crl"), PartnerPki.crl(CA));
        SessionGate.Builder builder = SessionGate.builder();
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        gate = builder
                .set("key.secret", Fixtures.SECRET)
                .set("policy.deny-users", "blocked")
                .set("users.file", Fixtures.USERS.toAbsolutePath().toString())
                .set("groups.file", groups.toString())
                .set("auth.client-cert", map.toString())
                .set("auth.client-ca", ca.toString())
                .set("auth.client-crl", crl.toString())
                .set("trusted-proxies", "127.0.0.1/32")
                .set("session.revalidate-after", "60s")
                .ticker(nanos::get)
                .clock(new FakeClock(now))
                .build();
        server = TlsGateServer.start(gate, SERVER_KEYS, TRUSTED, false);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aMappedCertificateLogsInOnceForManyRequests() {
        HttpClient client = client(PARTNER);
        Set<String> sessions = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = server.get(client, "/api/orders");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(json(response).getString("user")).isEqualTo("partner1");
            sessions.add(json(response).getString("sessionId"));
        }
        assertThat(sessions).hasSize(1);
        assertThat(gate.stats().authCalls()).isEqualTo(1);

        JsonPath whoami = json(server.get(client, "/api/whoami"));
        assertThat(whoami.getString("remoteUser")).isEqualTo("partner1");
        assertThat(whoami.getString("authType")).isEqualTo("CLIENT_CERT");
        assertThat(whoami.getBoolean("partners")).as("groups.file").isTrue();
    }

    @Test
    void anotherPathOrClientIpIsAnotherKey() {
        HttpClient client = client(PARTNER);
        String a = sessionId(server.get(client, "/api/a"));
        assertThat(sessionId(server.get(client, "/api/a"))).isEqualTo(a);
        String b = sessionId(server.get(client, "/api/b"));
        String elsewhere = sessionId(server.get(client, "/api/a", "X-Forwarded-For", "198.51.100.7"));
        assertThat(Set.of(a, b, elsewhere)).hasSize(3);
        assertThat(gate.stats().authCalls()).isEqualTo(3);
    }

    @Test
    void anUnmappedCertificateGets401AndBasicStillWorks() {
        HttpClient client = client(PartnerPki.client(CA, "CN=stranger,O=Acme,C=DE", Duration.ofDays(30)));
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> refused = server.get(client, "/api/orders");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(json(refused).getString("error")).isEqualTo("certificate_not_mapped");
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic "));
            assertThat(log.await("event=client_cert_refused")).contains("reason=unmapped", "subject=\"CN=stranger,O=Acme,C=DE\"");

            HttpResponse<String> basic = server.get(client, "/api/orders", "Authorization", basic("sha1", "sha1-pw"));
            assertThat(basic.statusCode()).isEqualTo(200);
            assertThat(json(basic).getString("user")).isEqualTo("sha1");
        }
    }

    @Test
    void theAuthorizationHeaderDecidesWhenBothAreSent() {
        HttpClient client = client(PARTNER);
        HttpResponse<String> basic = server.get(client, "/api/orders", "Authorization", basic("sha1", "sha1-pw"));
        assertThat(json(basic).getString("user")).isEqualTo("sha1");
        HttpResponse<String> wrong = server.get(client, "/api/orders", "Authorization", basic("sha1", "wrong"));
        assertThat(wrong.statusCode()).as("a wrong password is not rescued by the certificate").isEqualTo(401);
        assertThat(json(wrong).getString("error")).isEqualTo("invalid_credentials");
        assertThat(json(server.get(client, "/api/orders")).getString("user")).isEqualTo("partner1");
    }

    @Test
    void aCertificateRevokedWhileCachedLosesItsSessionAtRevalidationAndAGoodOneKeepsIt() {
        HttpClient client = client(PARTNER);
        HttpClient good = client(PartnerPki.client(CA, "CN=api,O=Acme,C=DE", Duration.ofDays(30), "dns:api.acme.example"));
        try (LogCapture log = new LogCapture()) {
            String first = sessionId(server.get(client, "/api/orders"));
            String kept = sessionId(server.get(good, "/api/orders"));
            PartnerPki.writePem(crl, PartnerPki.crl(CA, PARTNER));

            advance(Duration.ofSeconds(30));
            assertThat(sessionId(server.get(client, "/api/orders"))).as("not due yet").isEqualTo(first);
            advance(Duration.ofSeconds(31));
            assertThat(sessionId(server.get(good, "/api/orders"))).isEqualTo(kept);
            assertThat(sessionId(server.get(client, "/api/orders"))).as("due: served while the check runs").isEqualTo(first);

            // One revalidation thread, in order: the good certificate's check has finished too.
            log.await("event=session_revalidation_failed user=partner1");
            assertThat(log.text()).doesNotContain("session_revalidation_failed user=acme");
            long logins = gate.stats().authCalls();
            assertThat(sessionId(server.get(good, "/api/orders"))).isEqualTo(kept);
            assertThat(gate.stats().authCalls()).isEqualTo(logins);
            HttpResponse<String> refused = server.get(client, "/api/orders");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(json(refused).getString("error")).isEqualTo("certificate_rejected");
            assertThat(log.await("event=client_cert_refused")).contains("reason=revoked");
        }
    }

    @Test
    void aCertificateThatExpiresWhileCachedLosesItsSession() {
        Issued shortLived = PartnerPki.client(CA, "CN=api,O=Acme,C=DE", Duration.ofHours(1), "dns:API.acme.example");
        HttpClient client = client(shortLived);
        try (LogCapture log = new LogCapture()) {
            String first = sessionId(server.get(client, "/api/orders"));
            now.set(now.get().plus(Duration.ofHours(2)));
            advance(Duration.ofSeconds(61));
            assertThat(sessionId(server.get(client, "/api/orders"))).isEqualTo(first);

            log.await("event=session_revalidation_failed user=acme");
            HttpResponse<String> refused = server.get(client, "/api/orders");
            assertThat(json(refused).getString("error")).isEqualTo("certificate_rejected");
            assertThat(log.await("event=client_cert_refused")).contains("reason=expired");
        }
    }

    @Test
    void theAccessPolicyDecidesForCertificateUsersAsForBasicOnes() {
        HttpClient client = client(PartnerPki.client(CA, "CN=blocked,O=Acme,C=DE", Duration.ofDays(30), "dns:blocked.acme.example"));
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> denied = server.get(client, "/api/orders");
            assertThat(denied.statusCode()).isEqualTo(403);
            String supportId = json(denied).getString("supportId");
            assertThat(log.await("event=access_denied")).contains("supportId=" + supportId, "user=blocked");
        }
    }

    @Test
    void refusedCertificatesAreThrottledPerClientAddressLikeWrongPasswords() throws Exception {
        server.close();
        start("auth.max-failures", "2"); // two per certificate and address, eight per address
        for (int i = 0; i < 8; i++) {
            HttpClient stranger = client(PartnerPki.client(CA, "CN=stranger-" + i, Duration.ofDays(30)));
            for (int repeat = 0; repeat < (i == 0 ? 3 : 1); repeat++) {
                assertThat(json(server.get(stranger, "/api/orders")).getString("error"))
                        .as("the same certificate again is counted once").isEqualTo("certificate_not_mapped");
            }
        }
        HttpClient partner = client(PARTNER);
        HttpResponse<String> throttled = server.get(partner, "/api/orders");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(json(throttled).getString("error")).isEqualTo("too_many_failures");
        assertThat(sessionId(server.get(partner, "/api/orders", "X-Forwarded-For", "198.51.100.7")))
                .as("another address is not affected").isNotNull();
    }

    @Test
    void theMappedSubjectFromAForeignCaIsRefused() {
        Issued foreign = PartnerPki.client(FOREIGN_CA, "CN=partner-1,O=Acme,C=DE", Duration.ofDays(30));
        HttpClient client = TlsGateServer.client(PartnerPki.keyStore(foreign, FOREIGN_CA), TRUSTED);
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> refused = server.get(client, "/api/orders");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(json(refused).getString("error")).isEqualTo("certificate_rejected");
            assertThat(log.await("event=client_cert_refused")).contains("reason=untrusted");
        }
        assertThat(gate.sessionCount()).isZero();
    }

    @Test
    void withoutACertificateTheClientFallsBackToBasic() {
        HttpClient client = TlsGateServer.client(null, TRUSTED);
        HttpResponse<String> missing = server.get(client, "/api/orders");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(json(missing).getString("error")).isEqualTo("missing_credentials");
        HttpResponse<String> basic = server.get(client, "/api/orders", "Authorization", basic("sha1", "sha1-pw"));
        assertThat(basic.statusCode()).isEqualTo(200);
        assertThat(json(basic).getString("user")).isEqualTo("sha1");
    }

    @Test
    void anUnreadableCrlFileFailsClosed() throws Exception {
        HttpClient client = client(PARTNER);
        String cached = sessionId(server.get(client, "/api/a"));
        Files.delete(crl);
        HttpResponse<String> refused = server.get(client, "/api/b");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(json(refused).getString("error")).isEqualTo("authentication_unavailable");
        assertThat(gate.degradedReason()).isEqualTo("authenticator unavailable");
        assertThat(sessionId(server.get(client, "/api/a"))).as("cached sessions are served meanwhile").isEqualTo(cached);
        PartnerPki.writePem(crl, PartnerPki.crl(CA));
        assertThat(server.get(client, "/api/b").statusCode()).isEqualTo(200);
    }

    private static HttpClient client(Issued certificate) {
        return TlsGateServer.client(PartnerPki.keyStore(certificate, CA), TRUSTED);
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    private static JsonPath json(HttpResponse<String> response) {
        return JsonPath.from(response.body());
    }

    private static String sessionId(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).getString("sessionId");
    }

    /** A wall clock the test moves. */
    private static final class FakeClock extends Clock {
        private final AtomicReference<Instant> now;

        FakeClock(AtomicReference<Instant> now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
