package dev.sessiongate.filter;

/**
 * A request that SessionGate refuses. Stackless: it is control flow on a path that clients can
 * drive as often as they like, not a bug.
 */
final class RejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Rejection rejection;
    private final String detail;
    private final String supportId;
    private final long retryAfterSeconds;

    RejectedException(Rejection rejection, String detail) {
        this(rejection, detail, null, 0);
    }

    RejectedException(Rejection rejection, String detail, String supportId) {
        this(rejection, detail, supportId, 0);
    }

    RejectedException(Rejection rejection, String detail, String supportId, long retryAfterSeconds) {
        super(rejection.code(), null, false, false);
        this.rejection = rejection;
        this.detail = detail;
        this.supportId = supportId;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds for {@code Retry-After}, or 0 for the rejection's default. */
    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    Rejection rejection() {
        return rejection;
    }

    /** A more precise message than the rejection's, or {@code null}; never contains client input. */
    String detail() {
        return detail;
    }

    /** The support ID of a denial, also in the log line, or {@code null}. */
    String supportId() {
        return supportId;
    }
}
