package dev.sessiongate.admin;

import dev.sessiongate.cluster.RedisSessionStore;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.FailureResponder;
import dev.sessiongate.filter.Rejection;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.key.IpAddresses;
import dev.sessiongate.session.GateStats;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API under {@code /admin} (SPEC §5): sessions listed, looked up and revoked, API
 * tokens issued, listed and revoked ({@link TokenEndpoints}), and the counters. Only with {@code Authorization: Bearer <admin.token>}, compared in constant time;
 * without {@code admin.token} configured, everything under {@code /admin} is {@code 404}.
 * Answers never carry a password, a credential or key material: sessions are shown by id, user,
 * client IP and times.
 */
public final class AdminServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private transient SessionGate gate;
    private transient FailureResponder failures;
    private transient String node;
    private transient TokenEndpoints tokens;
    private transient GateMetrics metrics;

    @Override
    public void init() throws ServletException {
        Object attribute = getServletContext().getAttribute(SessionGate.CONTEXT_ATTRIBUTE);
        if (!(attribute instanceof SessionGate sessionGate)) {
            throw new ServletException("AdminServlet needs the SessionGate filter in the same context, initialised first");
        }
        gate = sessionGate;
        failures = new FailureResponder(gate.config().realm());
        node = gate.config().node();
        tokens = new TokenEndpoints(gate, failures);
        metrics = new GateMetrics(gate);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (gate.config().adminToken() == null) {
            failures.respond(response, Rejection.ADMIN_DISABLED, null, null);
            return;
        }
        String page = request.getPathInfo() == null ? null : PAGES.get(request.getPathInfo());
        if (request.getPathInfo() == null) {
            response.sendRedirect(request.getRequestURI() + "/");
            return;
        }
        if (page != null && request.getMethod().equals("GET")) {
            servePage(page, response);
            return;
        }
        if (!authorized(request)) {
            LOG.warn("event=admin_unauthorized clientIp={} method={} path={}", request.getRemoteAddr(),
                    request.getMethod(), request.getRequestURI());
            failures.respond(response, Rejection.ADMIN_UNAUTHORIZED, null, null);
            return;
        }
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        String method = request.getMethod();
        if (path.equals("/sessions") && method.equals("GET")) {
            write(response, 200, sessions(request.getParameter("user"), request.getParameter("ip")));
        } else if (path.equals("/sessions") && method.equals("DELETE") && request.getParameter("user") != null) {
            for (Session session : matching(request.getParameter("user"), null)) {
                gate.revoke(session);
            }
            response.setStatus(204);
        } else if (path.startsWith("/sessions/") && (method.equals("GET") || method.equals("DELETE"))) {
            Session session = byId(path.substring("/sessions/".length()));
            if (session == null) {
                failures.respond(response, Rejection.NOT_FOUND, "There is no session with this id.", null);
            } else if (method.equals("GET")) {
                write(response, 200, view(session));
            } else {
                gate.revoke(session);
                response.setStatus(204);
            }
        } else if (path.equals("/stats") && method.equals("GET")) {
            write(response, 200, stats());
        } else if (path.equals("/metrics") && method.equals("GET")) {
            byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            response.setContentType("text/plain; version=0.0.4; charset=utf-8");
            response.setContentLength(text.length);
            response.getOutputStream().write(text);
        } else if (path.equals("/tokens") || path.startsWith("/tokens/")) {
            tokens.serve(path, method, request, response);
        } else {
            failures.respond(response, Rejection.NOT_FOUND, null, null);
        }
    }

    /** The page's static files; they hold no data, the data comes from the API with the token. */
    private static final Map<String, String> PAGES = Map.of(
            "/", "admin.html", "/admin.js", "admin.js", "/admin.css", "admin.css");

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

    private boolean authorized(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return gate.config().adminToken().matches(header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private List<Map<String, Object>> sessions(String user, String ip) {
        List<Map<String, Object>> views = new ArrayList<>();
        for (Session session : matching(user, ip)) {
            views.add(view(session));
        }
        return views;
    }

    private List<Session> matching(String user, String ipText) {
        String canonicalIp = ipText == null ? null : IpAddresses.canonical(ipText);
        String ip = canonicalIp != null ? canonicalIp : ipText; // sessions hold canonical addresses
        List<Session> found = new ArrayList<>();
        Consumer<Session> collect = session -> {
            if ((user == null || user.equals(session.identity().name())) && (ip == null || ip.equals(session.clientIp()))) {
                found.add(session);
            }
        };
        SessionStore store = gate.store();
        if (user != null) {
            store.forEachOfUser(user, collect);
        } else if (ip != null) {
            store.forEachOfIp(ip, collect);
        } else {
            store.forEach(collect);
        }
        return found;
    }

    private Session byId(String id) {
        Session[] found = new Session[1];
        gate.forEachSession(session -> {
            if (session.id().equals(id)) {
                found[0] = session;
            }
        });
        return found[0];
    }

    private Map<String, Object> view(Session session) {
        GateConfig config = gate.config();
        long expiresAt = Math.min(session.lastAccessedAt() + config.idleTimeout().toMillis(),
                session.createdAt() + config.maxLifetime().toMillis());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", session.id());
        view.put("user", session.identity().name());
        view.put("clientIp", session.clientIp());
        view.put("createdAt", Instant.ofEpochMilli(session.createdAt()).toString());
        view.put("lastAccessedAt", Instant.ofEpochMilli(session.lastAccessedAt()).toString());
        view.put("expiresAt", Instant.ofEpochMilli(expiresAt).toString());
        view.put("requests", session.requests());
        view.put("permanent", session.identity().tokenId() != null);
        String origin = RedisSessionStore.nodeOf(session);
        view.put("node", origin != null ? origin : node);
        return view;
    }

    private Map<String, Object> stats() {
        GateStats stats = gate.stats();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("sessions", gate.sessionCount());
        view.put("hits", stats.hits());
        view.put("misses", stats.misses());
        view.put("authCalls", stats.authCalls());
        view.put("authFailures", stats.authFailures());
        view.put("evictions", stats.evictions());
        view.put("rejected", stats.rejected());
        view.put("throttled", stats.throttled());
        return view;
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
