package dev.sessiongate.filter;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one place that writes SessionGate's error responses: status, challenge, and a small JSON
 * body {@code {"status":..,"error":..,"message":..}} (plus {@code supportId} for a denial).
 * Messages are fixed texts, so no client input is ever echoed back.
 */
public final class FailureResponder {
    private final String challenge;

    public FailureResponder(String realm) {
        String quoted = realm.replace("\\", "\\\\").replace("\"", "\\\"");
        this.challenge = "Basic realm=\"" + quoted + "\", charset=\"UTF-8\"";
    }

    void respond(HttpServletResponse response, RejectedException e) throws IOException {
        respond(response, e.rejection(), e.detail(), e.supportId(), e.retryAfterSeconds());
    }

    /**
     * Writes the answer for {@code rejection}, unless the response is already committed.
     *
     * @param detail    a more precise message than the rejection's, or {@code null}; never client input
     * @param supportId the support ID of a denial, or {@code null}
     */
    public void respond(HttpServletResponse response, Rejection rejection, String detail, String supportId)
            throws IOException {
        respond(response, rejection, detail, supportId, 0);
    }

    /** As above, with {@code Retry-After: retryAfterSeconds} (when above 0). */
    public void respond(HttpServletResponse response, Rejection rejection, String detail, String supportId,
                        long retryAfterSeconds) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(rejection.status());
        if (rejection == Rejection.ADMIN_UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"sessiongate-admin\"");
        } else if (rejection.status() == 401) {
            response.setHeader("WWW-Authenticate", challenge);
        }
        if (retryAfterSeconds > 0) {
            response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
        } else if (rejection.status() == 503 || rejection.status() == 429) {
            response.setHeader("Retry-After", "5");
        }
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = json(rejection.status(), rejection.code(), detail != null ? detail : rejection.message(), supportId);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /**
     * Writes the answer to an error that the container found ({@link ContainerErrors}): status,
     * {@code Cache-Control: no-store} and the JSON body, unless the response is already committed.
     */
    public static void respondToContainerError(HttpServletResponse response, int status) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = ContainerErrors.body(status);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** The JSON body of every error answer; {@code message} and {@code supportId} are never client input. */
    static byte[] json(int status, String code, String message, String supportId) {
        StringBuilder body = new StringBuilder(160)
                .append("{\"status\":").append(status)
                .append(",\"error\":\"").append(code)
                .append("\",\"message\":\"").append(message).append('"');
        if (supportId != null) {
            body.append(",\"supportId\":\"").append(supportId).append('"');
        }
        return body.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }
}
