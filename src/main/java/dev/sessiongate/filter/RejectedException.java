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

    RejectedException(Rejection rejection, String detail) {
        this(rejection, detail, null);
    }

    RejectedException(Rejection rejection, String detail, String supportId) {
        super(rejection.code(), null, false, false);
        this.rejection = rejection;
        this.detail = detail;
        this.supportId = supportId;
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
