package dev.sessiongate.auth;

/**
 * The password service of {@code auth.delegate-url} gave no usable answer: the client gets a
 * {@code 502}. A class of its own, not nested in {@link DelegatedAuthenticator}, so that the
 * filter can tell it apart without loading the delegate's HTTP client.
 */
public final class DelegateFailedException extends AuthenticatorUnavailableException {
    private static final long serialVersionUID = 1L;

    DelegateFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
