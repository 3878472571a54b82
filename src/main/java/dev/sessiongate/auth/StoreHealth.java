package dev.sessiongate.auth;

import java.util.function.Supplier;

/**
 * Whether the user store answered the last password check put to it (a right or a wrong password
 * alike: the store answered). {@code /health} reports a store whose last check failed or timed
 * out, since no new login can succeed then, until a check is answered again. A failed
 * revalidation also counts as a failure, but a revalidation that passes does not clear one:
 * authenticators that cannot tell (delegated, container realm) say yes without asking anyone. It
 * asks nothing itself: a probe would need a user and a password.
 */
public final class StoreHealth {
    private volatile boolean failing;

    /**
     * Runs the password check {@code check}, noting whether the store answered. Callers pass only
     * the store's work, not a full pool or a throttled client, which say nothing about the store.
     */
    public <T> T check(Supplier<T> check) {
        T answer = failures(check);
        failing = false;
        return answer;
    }

    /** Runs {@code question} (a revalidation), noting only whether it failed. */
    public <T> T failures(Supplier<T> question) {
        try {
            return question.get();
        } catch (RuntimeException e) {
            failing = true;
            throw e;
        }
    }

    /** Whether the last password check failed, or a revalidation failed since. */
    public boolean failing() {
        return failing;
    }
}
