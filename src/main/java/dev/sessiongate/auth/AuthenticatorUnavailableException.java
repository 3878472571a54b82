package dev.sessiongate.auth;

/** The user store could not be asked (file unreadable, directory down); the client gets a 503. */
public class AuthenticatorUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AuthenticatorUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
