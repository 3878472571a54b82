package dev.sessiongate.admin;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.FailureResponder;
import dev.sessiongate.filter.Rejection;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.key.ClientIpResolver;
import dev.sessiongate.session.GateStats;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.wiring.OptionalLibrary;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API under {@code /admin} (SPEC §5): sessions listed, searched, looked up and revoked
 * ({@link SessionEndpoints}), API tokens issued, listed and revoked ({@link TokenEndpoints}), and
 * the counters. Only with one {@code Authorization: Bearer <admin.token>} header, compared in
 * constant time; wrong tokens are throttled per client IP ({@link AdminThrottle}). Without
 * {@code admin.token} configured, everything under {@code /admin} is {@code 404}. Answers never
 * carry a password, a credential or key material: sessions are shown by id, user, client IP and
 * times.
 */
public final class AdminServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The page's static files; they hold no data, the data comes from the API with the token. */
    private static final Map<String, String> PAGES = Map.of(
            "/", "admin.html", "/admin.js", "admin.js", "/admin.css", "admin.css");

    private transient SessionGate gate;
    private transient FailureResponder failures;
    private transient ClientIpResolver clientIps;
    private transient AdminThrottle throttle;
    private transient SessionEndpoints sessions;
    private transient TokenEndpoints tokens;
    private transient GateMetrics metrics;

    @Override
    public void init() throws ServletException {
        Object attribute = getServletContext().getAttribute(SessionGate.CONTEXT_ATTRIBUTE);
        if (!(attribute instanceof SessionGate sessionGate)) {
            throw new ServletException("AdminServlet needs the SessionGate filter in the same context, initialised first");
        }
        gate = sessionGate;
        GateConfig config = gate.config();
        failures = new FailureResponder(config.realm());
        clientIps = new ClientIpResolver(config.trustedProxies(), config.clientIpHeader());
        throttle = new AdminThrottle(config.maxFailures(), config.failureWindow(), Ticker.systemTicker());
        sessions = new SessionEndpoints(gate, failures);
        tokens = new TokenEndpoints(gate, failures);
        if (OptionalLibrary.METRICS.present()) {
            metrics = new GateMetrics(gate);
        } else {
            // The rest of the admin API works without Micrometer; /admin/metrics says what to add.
            LOG.warn("event=metrics_off message={}", Logfmt.value(OptionalLibrary.METRICS.missingMessage()));
        }
    }

    @Override
    public void destroy() {
        if (metrics != null) {
            metrics.close();
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (gate.config().adminToken() == null) {
            failures.respond(response, Rejection.ADMIN_DISABLED, null, null);
            return;
        }
        String path = request.getPathInfo();
        if (path == null) {
            response.sendRedirect(request.getRequestURI() + "/");
            return;
        }
        String method = request.getMethod();
        String page = PAGES.get(path);
        if (page != null && method.equals("GET")) {
            servePage(page, response);
            return;
        }
        if (admitted(request, response)) {
            route(path, method, request, response);
        }
    }

    /**
     * Whether {@code request} carries the admin token; else answers it: {@code 429} while its
     * address is throttled (before the token is even looked at), {@code 400} for two
     * {@code Authorization} headers as the filter does, {@code 401} otherwise.
     */
    private boolean admitted(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String clientIp = clientIps.resolve(request);
        long retryAfter = throttle.retryAfter(clientIp);
        if (retryAfter > 0) {
            failures.respond(response, Rejection.ADMIN_THROTTLED, null, null, retryAfter);
            return false;
        }
        Enumeration<String> headers = request.getHeaders("Authorization");
        String header = headers != null && headers.hasMoreElements() ? headers.nextElement() : null;
        if (header != null && headers.hasMoreElements()) {
            failures.respond(response, Rejection.DUPLICATE_AUTHORIZATION, null, null);
            return false;
        }
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            // No token, so no guess: a browser or a probe. Not counted, and not logged at INFO.
            LOG.debug("event=admin_unauthenticated clientIp={} method={}", Logfmt.value(clientIp),
                    Logfmt.value(request.getMethod()));
            failures.respond(response, Rejection.ADMIN_UNAUTHORIZED, null, null);
            return false;
        }
        if (!gate.config().adminToken().matches(header.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
            throttle.failed(clientIp, request.getMethod(), request.getRequestURI());
            failures.respond(response, Rejection.ADMIN_UNAUTHORIZED, null, null);
            return false;
        }
        return true;
    }

    private void route(String path, String method, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (path.equals("/sessions") || path.startsWith("/sessions/")) {
            sessions.serve(path, method, request, response);
        } else if (path.equals("/tokens") || path.startsWith("/tokens/")) {
            tokens.serve(path, method, request, response);
        } else if (path.equals("/stats") || path.equals("/metrics") || PAGES.containsKey(path)) {
            if (!method.equals("GET")) {
                notAllowed(response, failures, "GET");
            } else if (path.equals("/stats")) {
                write(response, 200, stats());
            } else if (path.equals("/metrics") && metrics == null) {
                failures.respond(response, Rejection.NOT_FOUND, OptionalLibrary.METRICS.missingMessage(), null);
            } else if (path.equals("/metrics")) {
                byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                response.setContentType("text/plain; version=0.0.4; charset=utf-8");
                response.setContentLength(text.length);
                response.getOutputStream().write(text);
            }
        } else {
            failures.respond(response, Rejection.NOT_FOUND, null, null);
        }
    }

    private static void servePage(String name, HttpServletResponse response) throws IOException {
        byte[] bytes;
        try (java.io.InputStream in = AdminServlet.class.getResourceAsStream(name)) {
            bytes = in.readAllBytes();
        }
        response.setContentType(name.endsWith(".html") ? "text/html;charset=utf-8"
                : name.endsWith(".js") ? "text/javascript;charset=utf-8" : "text/css;charset=utf-8");
        response.setHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Cache-Control", "no-cache");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private Map<String, Object> stats() {
        GateStats stats = gate.stats();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("sessions", gate.sessionCount());
        view.put("hits", stats.hits());
        view.put("misses", stats.misses());
        view.put("coalesced", stats.coalesced());
        view.put("authCalls", stats.authCalls());
        view.put("authFailures", stats.authFailures());
        view.put("evictions", stats.evictions());
        view.put("rejected", stats.rejected());
        view.put("throttled", stats.throttled());
        return view;
    }

    /** {@code 405} with {@code Allow: allow} (e.g. {@code "GET, DELETE"}). */
    static void notAllowed(HttpServletResponse response, FailureResponder failures, String allow) throws IOException {
        response.setHeader("Allow", allow);
        failures.respond(response, Rejection.METHOD_NOT_ALLOWED, null, null);
    }

    static void write(HttpServletResponse response, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
