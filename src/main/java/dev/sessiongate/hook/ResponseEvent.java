package dev.sessiongate.hook;

import java.util.List;
import java.util.Map;

/**
 * One finished response, as the {@link ResponseHook} sees it. Header values are as sent and
 * received, secrets included: a hook that prints them must redact them, as
 * {@link LoggingResponseHook} does.
 *
 * @param status          the response status
 * @param method          the request method
 * @param path            the request path, without the query
 * @param user            the user name, if the credentials could be read, else {@code null}
 * @param clientIp        the client IP
 * @param sessionId       the session id, if the request had a session, else {@code null}
 * @param durationNanos   time from the filter's start to the end of the response
 * @param requestHeaders  the request headers, by name
 * @param responseHeaders the response headers, by name
 */
public record ResponseEvent(
        int status,
        String method,
        String path,
        String user,
        String clientIp,
        String sessionId,
        long durationNanos,
        Map<String, List<String>> requestHeaders,
        Map<String, List<String>> responseHeaders) {
}
