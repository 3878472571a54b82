package dev.sessiongate.auth.cert;

import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.htpasswd.UserFiles;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.util.WatchedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CRL;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partner certificates ({@code auth.client-cert}): checks a client's certificate chain against
 * the CA bundle ({@code auth.client-ca}), its validity dates and the CRL file
 * ({@code auth.client-crl}) with the JDK's PKIX {@link CertPathValidator}, then maps the
 * certificate's subject or SAN to a user with the mapping file ({@link CertificateMap}); groups
 * come from the htgroup file ({@code groups.file}) as for Basic users.
 *
 * <p>Every file is read again when it changes on disk. Like the htpasswd file, they fail closed:
 * while one cannot be read, {@link #check} and {@link #validate} throw
 * {@link AuthenticatorUnavailableException} (new logins get {@code 503}, cached sessions are kept
 * until they can be checked again), logged once.
 */
public final class ClientCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCertificates.class);
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private final Path mapFile;
    private final Path caFile;
    private final Path crlFile;
    private final Path groupsFile;
    private final Clock clock;
    private final WatchedFiles<Snapshot> files;

    /**
     * What a check found: an identity, or the reason the certificate was refused.
     *
     * @param identity the user the certificate is mapped to, or {@code null}
     * @param problem  {@code null}, or one of {@code untrusted}, {@code expired}, {@code not_yet_valid},
     *                 {@code revoked}, {@code revocation_unknown} (no current CRL of its CA),
     *                 {@code not_for_client_auth}, {@code unmapped}, {@code ambiguous}
     */
    public record Outcome(Identity identity, String problem) {
        /** Whether the chain itself was refused (as opposed to a good certificate that names no user). */
        public boolean rejected() {
            return problem != null && !problem.equals("unmapped") && !problem.equals("ambiguous");
        }
    }

    /**
     * Reads the files now.
     *
     * @param crlFile    the CRL file, or {@code null} for no revocation checks
     * @param groupsFile the htgroup file, or {@code null} for no groups
     * @param clock      the time certificates and CRLs are checked at
     * @throws IOException when a file cannot be read or holds no certificate or CRL
     */
    public ClientCertificates(Path mapFile, Path caFile, Path crlFile, Path groupsFile, Clock clock) throws IOException {
        this.mapFile = mapFile;
        this.caFile = caFile;
        this.crlFile = crlFile;
        this.groupsFile = groupsFile;
        this.clock = clock;
        this.files = new WatchedFiles<>(Arrays.asList(mapFile, caFile, crlFile, groupsFile), this::read,
                new WatchedFiles.Events<>() {
                    @Override
                    public void reloaded(Snapshot value) {
                        log("client_certs_reloaded", value);
                    }

                    @Override
                    public void unreadable(Exception cause) {
                        LOG.error("event=client_cert_files_unreadable file={} message={} action=\"certificate logins "
                                + "refused (503) until it can be read; cached sessions live until they can be checked "
                                + "again\"", Logfmt.value(mapFile.toString()), Logfmt.value(cause.toString()));
                    }
                });
        log("client_certs_loaded", current());
    }

    private void log(String event, Snapshot snapshot) {
        LOG.info("event={} file={} names={} cas={} crls={}", event, Logfmt.value(mapFile.toString()),
                snapshot.map.size(), snapshot.anchors.size(), snapshot.crlCount);
    }

    /** The SHA-256 of the certificate's DER encoding. */
    public static byte[] fingerprint(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Checks {@code chain} (the client's certificate first, as in the servlet request attribute)
     * and maps it to a user.
     *
     * @throws AuthenticatorUnavailableException when a file cannot be read
     */
    public Outcome check(X509Certificate[] chain) {
        Snapshot current = current();
        String problem = problem(current, chain);
        if (problem != null) {
            return new Outcome(null, problem);
        }
        Set<String> users = current.map.usersOf(chain[0]);
        if (users.size() != 1) {
            return new Outcome(null, users.isEmpty() ? "unmapped" : "ambiguous");
        }
        String user = users.iterator().next();
        String fingerprint = HexFormat.of().formatHex(fingerprint(chain[0]));
        return new Outcome(Identity.ofCertificate(user, current.groups.getOrDefault(user, Set.of()), fingerprint), null);
    }

    /**
     * Whether {@code identity}, given out for {@code chain} earlier, is still good: the chain still
     * passes (CA bundle, dates, CRL as they are now) and still maps to the same user.
     *
     * @throws AuthenticatorUnavailableException when a file cannot be read
     */
    public boolean validate(X509Certificate[] chain, Identity identity) {
        String fingerprint = HexFormat.of().formatHex(fingerprint(chain[0]));
        if (!fingerprint.equals(identity.certificateFingerprint())) {
            return false;
        }
        Outcome outcome = check(chain);
        return outcome.identity() != null && outcome.identity().name().equals(identity.name());
    }

    /** Why PKIX refuses {@code chain} now, or {@code null} when it passes. */
    private String problem(Snapshot current, X509Certificate[] chain) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            CertPathValidator validator = CertPathValidator.getInstance("PKIX");
            PKIXParameters params = new PKIXParameters(current.anchors);
            params.setDate(Date.from(clock.instant()));
            params.setRevocationEnabled(current.crls != null);
            if (current.crls != null) {
                // Only the CRL file: no OCSP, and no CRL fetched from a URL the certificate names.
                PKIXRevocationChecker revocation = (PKIXRevocationChecker) validator.getRevocationChecker();
                revocation.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                        PKIXRevocationChecker.Option.NO_FALLBACK));
                params.addCertStore(current.crls);
                params.addCertPathChecker(revocation);
            }
            validator.validate(factory.generateCertPath(pathToAnchor(current, chain)), params);
            List<String> usage = chain[0].getExtendedKeyUsage();
            if (usage != null && !usage.contains(CLIENT_AUTH) && !usage.contains(ANY_USAGE)) {
                return "not_for_client_auth";
            }
            return null;
        } catch (CertPathValidatorException e) {
            return reason(e.getReason());
        } catch (CertificateParsingException e) {
            return "untrusted";
        } catch (GeneralSecurityException e) {
            LOG.debug("event=client_cert_check_failed", e);
            return "untrusted";
        }
    }

    private static String reason(CertPathValidatorException.Reason reason) {
        if (reason == CertPathValidatorException.BasicReason.REVOKED) {
            return "revoked";
        }
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
            return "expired";
        }
        if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return "not_yet_valid";
        }
        if (reason == CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS) {
            return "revocation_unknown";
        }
        return "untrusted";
    }

    /**
     * The chain up to, not including, the first CA of the bundle the client also sent (PKIX wants
     * the path without its anchor). The client's own certificate always stays, even when it is in
     * the bundle itself, so that its dates and revocation are always checked.
     */
    private static List<X509Certificate> pathToAnchor(Snapshot current, X509Certificate[] chain) {
        int end = chain.length;
        for (int i = 1; i < chain.length; i++) {
            if (current.anchorCertificates.contains(chain[i])) {
                end = i;
                break;
            }
        }
        return Arrays.asList(chain).subList(0, end);
    }

    /** The snapshot, read again first if a file changed since. */
    private Snapshot current() {
        try {
            return files.get();
        } catch (IOException e) {
            throw new AuthenticatorUnavailableException("client certificate files unreadable", e);
        }
    }

    private Snapshot read() throws IOException {
        CertificateMap map = CertificateMap.read(mapFile);
        Set<TrustAnchor> anchors = new HashSet<>();
        Set<X509Certificate> anchorCertificates = new HashSet<>();
        for (Object certificate : parse(caFile, false)) {
            anchorCertificates.add((X509Certificate) certificate);
            anchors.add(new TrustAnchor((X509Certificate) certificate, null));
        }
        CertStore crls = null;
        int crlCount = 0;
        if (crlFile != null) {
            Collection<?> list = parse(crlFile, true);
            crlCount = list.size();
            try {
                crls = CertStore.getInstance("Collection", new CollectionCertStoreParameters(list));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK has no Collection CertStore", e);
            }
        }
        Map<String, Set<String>> groups = groupsFile == null ? Map.of() : UserFiles.readGroups(groupsFile);
        return new Snapshot(map, Set.copyOf(anchors), Set.copyOf(anchorCertificates), crls, crlCount, groups);
    }

    /** The certificates (or CRLs) of a PEM or DER file; at least one. */
    private static Collection<?> parse(Path file, boolean crls) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<Object> items = new ArrayList<>();
            if (crls) {
                for (CRL crl : factory.generateCRLs(in)) {
                    items.add(crl);
                }
            } else {
                items.addAll(factory.generateCertificates(in));
            }
            if (items.isEmpty()) {
                throw new IOException(file + " holds no " + (crls ? "CRL" : "certificate"));
            }
            return items;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** What the files said. */
    private record Snapshot(CertificateMap map, Set<TrustAnchor> anchors, Set<X509Certificate> anchorCertificates,
                            CertStore crls, int crlCount, Map<String, Set<String>> groups) {
    }
}
