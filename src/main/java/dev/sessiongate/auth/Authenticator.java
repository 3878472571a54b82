package dev.sessiongate.auth;

import java.util.Optional;

/**
 * Checks a user name and password against a user store (htpasswd file, LDAP, a remote service).
 * Knows nothing of HTTP.
 *
 * <p>Like Jetty's {@code LoginService}, it has two questions to answer: {@link #authenticate} on
 * a cache miss, with the password; and {@link #validate}, later and without the password, whether
 * an identity it gave out is still good (the user still exists, the stored credential is
 * unchanged, the account is enabled), so that a cached session can be ended when it is not. A
 * third, {@link #lookup}, is asked when an admin issues an API token: whether the user exists.
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

    /**
     * The user called {@code user}, found without a password, or empty when the store has none.
     * The identity is named as {@link #authenticate} would name it (an LDAP directory finds
     * {@code ALICE} as {@code alice}), so that a token issued for it is that user's.
     *
     * @throws UnsupportedOperationException when this authenticator cannot tell whether a user
     *         exists without the password (the default: delegated, container realm)
     * @throws AuthenticatorUnavailableException when the user store cannot be asked
     */
    default Optional<Identity> lookup(String user) {
        throw new UnsupportedOperationException("this authenticator cannot tell whether a user exists");
    }
}
