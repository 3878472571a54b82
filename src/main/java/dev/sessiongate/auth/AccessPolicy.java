package dev.sessiongate.auth;

/**
 * Decides whether an authenticated identity may use the protected application, like an F5 APM
 * access policy. Runs once per new session, after the password check.
 */
@FunctionalInterface
public interface AccessPolicy {

    /** The reason to deny {@code identity}, or {@code null} to allow it. */
    String denialReason(Identity identity);

    /** A policy that allows everyone. */
    static AccessPolicy allowAll() {
        return identity -> null;
    }
}
