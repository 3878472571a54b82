package dev.sessiongate.filter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /health}: public, {@code 200} with {@code {"status":"up","sessions":N}} once the
 * context's {@link SessionGate} is initialised, {@code 503} before.
 */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object gate = getServletContext().getAttribute(SessionGate.CONTEXT_ATTRIBUTE);
        String body;
        if (gate instanceof SessionGate sessionGate) {
            response.setStatus(200);
            body = "{\"status\":\"up\",\"sessions\":" + sessionGate.sessionCount() + "}\n";
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
}
