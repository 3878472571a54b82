package dev.sessiongate.filter;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.key.IpAddresses;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.util.Repeats;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors that the container finds itself, before or beside SessionGate and the application: a
 * request it cannot parse, headers too large, a path no servlet serves, a method a servlet does
 * not take, a servlet that failed. They get SessionGate's JSON form ({@link FailureResponder})
 * with a fixed text per status, never the container's message, which can quote the request, nor
 * a stack trace; and one log line per status and client address a minute, counted per instance
 * (one for each error handler or servlet).
 */
public final class ContainerErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerErrors.class);
    private final Repeats repeats = new Repeats(Duration.ofMinutes(1), 10_000, Ticker.systemTicker(),
            (event, count) -> LOG.info("event=container_error_repeated {} count={} windowSeconds=60", event, count));

    /** The JSON body for {@code status}. */
    public static byte[] body(int status) {
        return FailureResponder.json(status, code(status), message(status), null);
    }

    /** Logs the error, the first of its status and client address in a minute in full, the others counted. */
    public void log(int status, String peer) {
        String canonical = IpAddresses.canonical(peer);
        String event = "status=" + status + " clientIp=" + Logfmt.value(canonical != null ? canonical : peer);
        if (repeats.first(event)) {
            LOG.info("event=container_error {} error={}", event, code(status));
        }
    }

    static String code(int status) {
        switch (status) {
            case 400: return "bad_request";
            case 404: return "not_found";
            case 405: return "method_not_allowed";
            case 408: return "request_timeout";
            case 411: return "length_required";
            case 413: return "content_too_large";
            case 414: return "uri_too_long";
            case 415: return "unsupported_media_type";
            case 417: return "expectation_failed";
            case 431: return "header_fields_too_large";
            case 500: return "internal_error";
            case 501: return "not_implemented";
            case 503: return "unavailable";
            case 505: return "http_version_not_supported";
            default: return status < 500 ? "client_error" : "server_error";
        }
    }

    static String message(int status) {
        switch (status) {
            case 400: return "The request is not valid HTTP, or its target is not a valid path.";
            case 404: return "There is no such resource.";
            case 405: return "This method is not allowed here.";
            case 408: return "The request did not arrive in time.";
            case 411: return "The request needs a Content-Length.";
            case 413: return "The request body is too large.";
            case 414: return "The request target is too long.";
            case 415: return "The request body's media type is not supported here.";
            case 417: return "The expectation in the Expect header is not supported.";
            case 431: return "The request's header fields are too large.";
            case 500: return "The server failed to answer the request.";
            case 501: return "The server does not support this method or transfer coding.";
            case 503: return "The server cannot answer right now; try again later.";
            case 505: return "The server does not support this HTTP version.";
            default: return status < 500 ? "The request was refused." : "The server failed to answer the request.";
        }
    }
}
