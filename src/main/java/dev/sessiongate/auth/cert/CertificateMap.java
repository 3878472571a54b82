package dev.sessiongate.auth.cert;

import dev.sessiongate.util.Logfmt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mapping file of {@code auth.client-cert}: one line per certificate name, the user after the
 * last {@code =}.
 *
 * <pre>
 * subject:CN=partner-1,O=Acme,C=DE = partner1
 * san:dns:api.acme.example = acme
 * san:email:ops@acme.example = acme
 * san:uri:spiffe://acme.example/billing = acme-billing
 * </pre>
 *
 * <p>Subjects are compared in {@link X500Principal#CANONICAL} form (RFC 2253 parsed by the JDK,
 * so spacing, letter case and the spelling of attribute names do not matter); DNS names ignoring
 * letter case; e-mail addresses with the domain ignoring letter case and the local part exactly
 * (RFC 5280 §7.5); URIs exactly. Lines that cannot be read are skipped with a warning; a name
 * listed twice for different users maps to nobody.
 */
final class CertificateMap {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateMap.class);

    /** SAN types of {@link X509Certificate#getSubjectAlternativeNames()} (RFC 5280 GeneralName tags). */
    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final Map<String, String> users;

    private CertificateMap(Map<String, String> users) {
        this.users = users;
    }

    /** Reads {@code file}; throws only when the file itself cannot be read. */
    static CertificateMap read(Path file) throws IOException {
        Map<String, String> users = new HashMap<>();
        Set<String> conflicting = new LinkedHashSet<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.lastIndexOf('=');
            String user = eq < 0 ? "" : line.substring(eq + 1).strip();
            String name = eq < 0 ? null : selector(line.substring(0, eq).strip());
            if (name == null || user.isEmpty()) {
                LOG.warn("event=client_cert_map_bad_line file={} line={} message=\"expected subject:DN = user or "
                        + "san:dns|email|uri:NAME = user\"", Logfmt.value(file.toString()), i + 1);
                continue;
            }
            String before = users.putIfAbsent(name, user);
            if (before != null && !before.equals(user)) {
                conflicting.add(name);
                LOG.warn("event=client_cert_map_conflict file={} line={} message=\"this certificate name is mapped to "
                        + "two users; it maps to neither\"", Logfmt.value(file.toString()), i + 1);
            }
        }
        conflicting.forEach(users::remove);
        return new CertificateMap(Map.copyOf(users));
    }

    int size() {
        return users.size();
    }

    /** The users that {@code certificate}'s subject and SANs are mapped to: none, one, or (ambiguous) several. */
    Set<String> usersOf(X509Certificate certificate) {
        Set<String> found = new LinkedHashSet<>(2);
        add(found, "subject:" + certificate.getSubjectX500Principal().getName(X500Principal.CANONICAL));
        Collection<List<?>> sans;
        try {
            sans = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return found; // a SAN extension the JDK cannot read names nobody
        }
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && san.get(0) instanceof Integer type && san.get(1) instanceof String value) {
                    String name = sanKey(type, value);
                    if (name != null) {
                        add(found, name);
                    }
                }
            }
        }
        return found;
    }

    private void add(Set<String> found, String name) {
        String user = users.get(name);
        if (user != null) {
            found.add(user);
        }
    }

    /** The lookup key of a mapping line's left side, or {@code null} when it is not one. */
    private static String selector(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("subject:")) {
            try {
                return "subject:" + new X500Principal(text.substring(8).strip()).getName(X500Principal.CANONICAL);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (lower.startsWith("san:dns:")) {
            return sanKey(SAN_DNS, text.substring(8).strip());
        }
        if (lower.startsWith("san:email:")) {
            return sanKey(SAN_EMAIL, text.substring(10).strip());
        }
        if (lower.startsWith("san:uri:")) {
            return sanKey(SAN_URI, text.substring(8).strip());
        }
        return null;
    }

    private static String sanKey(int type, String value) {
        if (value.isEmpty()) {
            return null;
        }
        switch (type) {
            case SAN_DNS:
                return "dns:" + value.toLowerCase(Locale.ROOT);
            case SAN_EMAIL:
                int at = value.lastIndexOf('@');
                return at < 0 ? "email:" + value
                        : "email:" + value.substring(0, at) + value.substring(at).toLowerCase(Locale.ROOT);
            case SAN_URI:
                return "uri:" + value;
            default:
                return null;
        }
    }
}
