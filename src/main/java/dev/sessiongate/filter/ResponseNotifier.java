package dev.sessiongate.filter;

import dev.sessiongate.hook.LoggingResponseHook;
import dev.sessiongate.hook.ResponseEvent;
import dev.sessiongate.hook.ResponseHook;
import dev.sessiongate.session.Session;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every response outside 2xx to the {@link ResponseHook}, once it is complete: right after
 * the chain, or when an asynchronous request completes. Builds nothing for a 2xx response.
 */
final class ResponseNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseNotifier.class);

    private final ResponseHook hook;

    ResponseNotifier(ResponseHook hook) {
        this.hook = hook;
    }

    /**
     * After the chain ran; {@code completed} is false when it threw. The wrapper says whether the
     * application went asynchronous; a listener then reports the response once it is complete
     * (the container defers completion until this dispatch returns, so none is missed).
     */
    void after(GateRequest wrapped, HttpServletRequest request, HttpServletResponse response, long start,
               Session session, String clientIp, boolean completed) {
        AsyncContext async = wrapped.asyncContext();
        if (completed && async != null) {
            async.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    fire(request, response, response.getStatus(), start, session, clientIp);
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    event.getAsyncContext().addListener(this);
                }
            });
            return;
        }
        // The container turns an exception into a 500 after we return, unless the response was
        // committed already: then the client got the status it holds (an exception after the last
        // byte, say the client closing the connection as it read it, changes nothing for it).
        fire(request, response, completed || response.isCommitted() ? response.getStatus() : 500, start, session,
                clientIp);
    }

    /** For a response SessionGate wrote itself. */
    void finished(HttpServletRequest request, HttpServletResponse response, long start, String user, String clientIp) {
        int status = response.getStatus();
        if (status < 200 || status > 299) {
            notify(request, response, status, start, user, clientIp, null);
        }
    }

    /** Writes what the default hook still counts (its windows of repeated responses). */
    void close() {
        if (hook instanceof LoggingResponseHook logging) {
            logging.flush();
        }
    }

    private void fire(HttpServletRequest request, HttpServletResponse response, int status, long start,
                      Session session, String clientIp) {
        if (status < 200 || status > 299) {
            notify(request, response, status, start, session.identity().name(), clientIp, session.id());
        }
    }

    private void notify(HttpServletRequest request, HttpServletResponse response, int status, long start,
                        String user, String clientIp, String sessionId) {
        try {
            hook.onResponse(new ResponseEvent(status, request.getMethod(), request.getRequestURI(), user, clientIp,
                    sessionId, System.nanoTime() - start, requestHeaders(request), responseHeaders(response)));
        } catch (RuntimeException e) {
            LOG.warn("event=response_hook_failed hook={}", hook.getClass().getName(), e);
        }
    }

    private static Map<String, List<String>> requestHeaders(HttpServletRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Collections.list(request.getHeaders(name)));
        }
        return headers;
    }

    private static Map<String, List<String>> responseHeaders(HttpServletResponse response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : response.getHeaderNames()) {
            headers.putIfAbsent(name, new ArrayList<>(response.getHeaders(name)));
        }
        return headers;
    }
}
