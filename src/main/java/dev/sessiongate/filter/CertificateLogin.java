package dev.sessiongate.filter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.auth.PasswordChecks;
import dev.sessiongate.auth.StoreHealth;
import dev.sessiongate.auth.cert.ClientCertificates;
import dev.sessiongate.config.GateConfig;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Logins by client certificate ({@code auth.client-cert}), for requests without an
 * {@code Authorization} header: the chain the container received, its fingerprint (the user key's
 * stand-in for user and password), and the check, run like a password check: on a bounded pool,
 * with a time-out and the failed-login throttle (per certificate and client IP, and per IP).
 */
final class CertificateLogin implements AutoCloseable {
    /** The servlet request attribute with the client's chain (Servlet 6 §3.10), in Jetty and Tomcat alike. */
    static final String ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    private final ClientCertificates certificates;
    private final PasswordChecks checks;
    /** Whether the certificate files could be read at the last check, for {@code /health}. */
    private final StoreHealth health = new StoreHealth();
    /**
     * Fingerprints by certificate instance (weak keys compare by identity): the container hands
     * the same objects to every request of a TLS session, so a cached request hashes nothing.
     */
    private final Cache<X509Certificate, byte[]> fingerprints = Caffeine.newBuilder().weakKeys()
            .maximumSize(10_000).build();

    CertificateLogin(ClientCertificates certificates, GateConfig config, Ticker ticker) {
        this.certificates = certificates;
        this.checks = new PasswordChecks(NEEDS_CHAIN, config.authThreads(), config.authQueue(), config.authTimeout(),
                config.maxFailures(), config.failureWindow(), ticker, health);
    }

    /** The client's chain, its own certificate first, or {@code null} when it sent none. */
    static X509Certificate[] chainOf(HttpServletRequest request) {
        Object chain = request.getAttribute(ATTRIBUTE);
        if (chain instanceof X509Certificate[] certificates && certificates.length > 0 && certificates[0] != null) {
            return certificates;
        }
        return null;
    }

    /** The SHA-256 of {@code certificate}'s DER encoding; not a copy, do not change it. */
    byte[] fingerprint(X509Certificate certificate) {
        byte[] fingerprint = fingerprints.getIfPresent(certificate);
        if (fingerprint == null) {
            fingerprint = ClientCertificates.fingerprint(certificate);
            fingerprints.put(certificate, fingerprint);
        }
        return fingerprint;
    }

    /** The name failed checks are counted and logged under: the certificate's fingerprint. */
    static String label(byte[] fingerprint) {
        return "certificate:" + HexFormat.of().formatHex(fingerprint, 0, 8);
    }

    /**
     * Checks {@code chain} on the pool, waiting for the answer.
     *
     * @throws dev.sessiongate.auth.LoginRefusedException when throttled or when the pool is full
     * @throws dev.sessiongate.auth.AuthenticatorUnavailableException when a file cannot be read or the check timed out
     */
    ClientCertificates.Outcome check(X509Certificate[] chain, byte[] fingerprint, String clientIp) {
        ClientCertificates.Outcome[] outcome = new ClientCertificates.Outcome[1];
        Authenticator checker = new Authenticator() {
            @Override
            public Optional<Identity> authenticate(String user, Password password) {
                outcome[0] = certificates.check(chain);
                return Optional.ofNullable(outcome[0].identity());
            }

            @Override
            public boolean validate(Identity identity) {
                return false;
            }
        };
        // The fingerprint is the "guess": the same certificate refused again is counted once.
        try (Password guess = Password.copyOf(fingerprint, 0, fingerprint.length)) {
            checks.check(label(fingerprint), guess, clientIp, checker);
        }
        return outcome[0];
    }

    /** For the revalidation of a certificate's session, with the chain of the request that found it due. */
    boolean validate(X509Certificate[] chain, Identity identity) {
        return health.failures(() -> certificates.validate(chain, identity));
    }

    /** Whether the last check could not read the certificate files. */
    boolean failing() {
        return health.failing();
    }

    @Override
    public void close() {
        checks.close();
    }

    /** The pool's default authenticator, never asked: every check brings its chain. */
    private static final Authenticator NEEDS_CHAIN = new Authenticator() {
        @Override
        public Optional<Identity> authenticate(String user, Password password) {
            throw new IllegalStateException("a certificate check needs the chain");
        }

        @Override
        public boolean validate(Identity identity) {
            return false;
        }
    };
}
