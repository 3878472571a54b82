package dev.sessiongate.auth;

/**
 * A password check that was not run: too many recent failures ({@link #throttled()}), or the
 * bounded pool of password checks is full. Stackless: clients can cause it at will.
 */
public final class LoginRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean throttled;
    private final long retryAfterSeconds;
    private final boolean first;

    LoginRefusedException(boolean throttled, long retryAfterSeconds, boolean first) {
        super(throttled ? "throttled" : "busy", null, false, false);
        this.throttled = throttled;
        this.retryAfterSeconds = retryAfterSeconds;
        this.first = first;
    }

    /**
     * Whether this is the first refusal of its user and IP (or IP) in this window: worth a log
     * line, where every later one would only feed a flood into the log.
     */
    public boolean first() {
        return first;
    }

    /** True for too many failures (429), false for a full pool (503). */
    public boolean throttled() {
        return throttled;
    }

    /** When the client may try again. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
