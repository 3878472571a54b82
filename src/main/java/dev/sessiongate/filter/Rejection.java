package dev.sessiongate.filter;

/**
 * Every way SessionGate refuses a request, with the status and the message the client gets.
 * {@link FailureResponder} turns one into an HTTP answer.
 */
public enum Rejection {
    MISSING_CREDENTIALS(401, "missing_credentials",
            "The Authorization header is missing; send HTTP Basic credentials."),
    UNSUPPORTED_SCHEME(401, "unsupported_scheme",
            "Only the Basic scheme, and Bearer with an API token, are accepted."),
    MALFORMED_CREDENTIALS(400, "malformed_credentials",
            "The Basic credentials are malformed."),
    DUPLICATE_AUTHORIZATION(400, "duplicate_authorization",
            "The request has more than one Authorization header."),
    INVALID_CREDENTIALS(401, "invalid_credentials",
            "The user name or password is wrong."),
    INVALID_TOKEN(401, "invalid_token",
            "The API token is unknown, revoked or expired."),
    CERTIFICATE_NOT_MAPPED(401, "certificate_not_mapped",
            "The client certificate is not mapped to a user; send HTTP Basic credentials instead."),
    CERTIFICATE_REJECTED(401, "certificate_rejected",
            "The client certificate is not accepted: not issued by a trusted CA, expired, not yet valid, revoked or not for client authentication."),
    ACCESS_DENIED(403, "access_denied",
            "Access policy evaluated to deny."),
    BAD_PATH(400, "bad_path",
            "The request path is not valid: it climbs above the root, or holds a control character, a backslash or a malformed escape."),
    AUTHENTICATION_UNAVAILABLE(503, "authentication_unavailable",
            "The user store cannot be reached; try again later."),
    SESSION_LIMIT(429, "session_limit",
            "Too many sessions for this user or address; try again later."),
    TOO_MANY_FAILURES(429, "too_many_failures",
            "Too many failed logins from this address; try again later."),
    AUTHENTICATION_DELEGATE_FAILED(502, "authentication_delegate_failed",
            "The authentication service gave no usable answer."),
    AUTHENTICATION_TIMEOUT(503, "authentication_timeout",
            "The user store did not answer in time; try again later."),
    AUTHENTICATION_BUSY(503, "authentication_busy",
            "Too many logins at once; try again shortly."),
    BAD_BODY(400, "bad_body",
            "The request body is malformed or ended early."),
    REQUEST_TIMEOUT(408, "request_timeout",
            "The request body did not arrive in time."),
    UPSTREAM_UNAVAILABLE(502, "upstream_unavailable",
            "The upstream server cannot be reached or gave no valid answer."),
    UPSTREAM_TIMEOUT(504, "upstream_timeout",
            "The upstream server did not answer in time."),
    ADMIN_DISABLED(404, "not_found",
            "The admin API is off: admin.token is not set."),
    ADMIN_UNAUTHORIZED(401, "admin_unauthorized",
            "The admin API needs Authorization: Bearer <admin.token>."),
    ADMIN_THROTTLED(429, "admin_throttled",
            "Too many wrong admin tokens from this address; try again later."),
    METHOD_NOT_ALLOWED(405, "method_not_allowed",
            "This method is not allowed here; the Allow header lists those that are."),
    STORE_UNAVAILABLE(503, "store_unavailable",
            "The store of tokens cannot be written right now; try again later."),
    UNKNOWN_USER(400, "unknown_user",
            "The authenticator knows no such user; no token was issued."),
    USER_UNVERIFIABLE(409, "user_unverifiable",
            "This authenticator cannot tell whether a user exists; send 'allowUnverifiedUser': true to issue the token anyway."),
    NOT_FOUND(404, "not_found",
            "There is no such resource."),
    BAD_REQUEST(400, "bad_request",
            "The request is not valid.");

    private final int status;
    private final String code;
    private final String message;

    Rejection(int status, String code, String message) {
        this.status = status;
        this.code = code;
        this.message = message;
    }

    public int status() {
        return status;
    }

    /** A stable, machine-readable name for the body and the log. */
    public String code() {
        return code;
    }

    public String message() {
        return message;
    }
}
