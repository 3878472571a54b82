package dev.sessiongate.filter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /health}: public, {@code 200} with {@code {"status":"up","sessions":N}} once the
 * context's {@link SessionGate} is initialised ({@code "degraded"} with a {@code "reason"} while a
 * cluster node works without Redis, or while new logins fail because the authenticator's last
 * check failed or timed out), {@code 503} before. Degraded is still {@code 200}: cached sessions
 * are served, so a load balancer should not take the node out for it.
 */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object gate = getServletContext().getAttribute(SessionGate.CONTEXT_ATTRIBUTE);
        String body;
        if (gate instanceof SessionGate sessionGate) {
            response.setStatus(200);
            String degraded = sessionGate.degradedReason();
            body = degraded == null
                    ? "{\"status\":\"up\",\"sessions\":" + sessionGate.sessionCount() + "}\n"
                    : "{\"status\":\"degraded\",\"sessions\":" + sessionGate.sessionCount() + ",\"reason\":"
                            + JSON.writeValueAsString(degraded) + "}\n";
        } else {
            response.setStatus(503);
            body = "{\"status\":\"starting\"}\n";
        }
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /**
     * No {@code TRACE}: HttpServlet's default echoes the request headers, credentials included,
     * to anyone, and this endpoint is public.
     */
    @Override
    protected void doTrace(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Allow", "GET, HEAD, OPTIONS");
        response.sendError(405);
    }
}
