package dev.sessiongate.auth;

import java.util.Optional;

/**
 * Checks a user name and password against a user store (htpasswd file, LDAP, a remote service).
 * Knows nothing of HTTP.
 *
 * <p>Like Jetty's {@code LoginService}, it has two questions to answer: {@link #authenticate} on
 * a cache miss, with the password; and {@link #validate}, later and without the password, whether
 * an identity it gave out is still good (the user still exists, the stored credential is
 * unchanged, the account is enabled), so that a cached session can be ended when it is not.
 */
public interface Authenticator {

    /**
     * The identity behind {@code user} and {@code password}, or empty when they do not match.
     *
     * @throws AuthenticatorUnavailableException when the user store cannot be asked
     */
    Optional<Identity> authenticate(String user, Password password);

    /** Whether {@code identity}, given out earlier by this authenticator, is still valid. */
    boolean validate(Identity identity);
}
