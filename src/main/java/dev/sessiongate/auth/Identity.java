package dev.sessiongate.auth;

import com.github.benmanes.caffeine.cache.Interner;
import java.security.Principal;
import java.util.Set;

/**
 * Who an {@link Authenticator} found behind a user name and password: the name, the groups, and
 * a tag of the credential it checked, so that {@link Authenticator#validate} can tell later
 * whether that credential has changed.
 *
 * @param name          the user name
 * @param groups        the user's groups, used for {@code isUserInRole} and the access policy
 * @param credentialTag an opaque, non-secret tag of the stored credential (may be empty)
 */
public record Identity(String name, Set<String> groups, String credentialTag) implements Principal {

    public Identity {
        groups = Set.copyOf(groups);
    }

    private static final String TOKEN_TAG = "token:";
    private static final String CERTIFICATE_TAG = "cert:";
    private static final Interner<Identity> IN_USE = Interner.newWeakInterner();

    /**
     * This identity, or an equal one already in use: every session of a user then holds the same
     * instance, its name and groups once in memory instead of once per session (a user with 50
     * paths and addresses has 50 sessions). Weak: an identity no session holds is collected.
     */
    public Identity shared() {
        return IN_USE.intern(this);
    }

    /** The identity of a request that presented the API token {@code tokenId} of {@code user}. */
    public static Identity ofToken(String user, String tokenId) {
        return new Identity(user, Set.of(), TOKEN_TAG + tokenId);
    }

    /**
     * The identity of a client certificate mapped to {@code user} ({@code auth.client-cert}).
     *
     * @param fingerprint the certificate's SHA-256 in hex
     */
    public static Identity ofCertificate(String user, Set<String> groups, String fingerprint) {
        return new Identity(user, groups, CERTIFICATE_TAG + fingerprint);
    }

    /** The SHA-256 (hex) of the client certificate behind this identity, or {@code null} if there was none. */
    public String certificateFingerprint() {
        return credentialTag.startsWith(CERTIFICATE_TAG) ? credentialTag.substring(CERTIFICATE_TAG.length()) : null;
    }

    /** The id of the API token behind this identity, or {@code null} if a password was checked. */
    public String tokenId() {
        return credentialTag.startsWith(TOKEN_TAG) ? credentialTag.substring(TOKEN_TAG.length()) : null;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String toString() {
        return "Identity[" + name + " " + groups + "]";
    }
}
