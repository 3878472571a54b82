package dev.sessiongate.admin;

import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.FailureResponder;
import dev.sessiongate.filter.Rejection;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.key.IpAddresses;
import dev.sessiongate.session.ClusterStore;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionPage;
import dev.sessiongate.session.SessionStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code /admin/sessions}: {@code GET} lists them (exact {@code ?user=} and {@code ?ip=}, any part
 * of user or client IP with {@code ?q=}; with {@code ?limit=} or {@code ?offset=} one page and
 * the total, else every match as before), {@code DELETE ?user=} revokes a user's sessions;
 * {@code /admin/sessions/{id}}: {@code GET} shows one, {@code DELETE} revokes it.
 */
final class SessionEndpoints {
    static final int MAX_LIMIT = 1000;
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_QUERY = 256;

    private final SessionGate gate;
    private final FailureResponder failures;
    private final String node;

    SessionEndpoints(SessionGate gate, FailureResponder failures) {
        this.gate = gate;
        this.failures = failures;
        this.node = gate.config().node();
    }

    /** Serves {@code /sessions} and {@code /sessions/{id}}. */
    void serve(String path, String method, HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean all = path.equals("/sessions");
        if (!method.equals("GET") && !method.equals("DELETE")) {
            AdminServlet.notAllowed(response, failures, "GET, DELETE");
        } else if (!all) {
            one(path.substring("/sessions/".length()), method, response);
        } else if (method.equals("GET")) {
            list(request, response);
        } else {
            revokeOfUser(request.getParameter("user"), response);
        }
    }

    private void one(String id, String method, HttpServletResponse response) throws IOException {
        Session session = gate.store().findById(id);
        if (session == null) {
            failures.respond(response, Rejection.NOT_FOUND, "There is no session with this id.", null);
        } else if (method.equals("GET")) {
            AdminServlet.write(response, 200, view(session));
        } else {
            gate.revoke(session);
            response.setStatus(204);
        }
    }

    private void revokeOfUser(String user, HttpServletResponse response) throws IOException {
        if (user == null || user.isEmpty()) {
            failures.respond(response, Rejection.BAD_REQUEST,
                    "DELETE /admin/sessions needs ?user=; one session is revoked at /admin/sessions/{id}.", null);
            return;
        }
        for (Session session : matching(user, null)) {
            gate.revoke(session);
        }
        response.setStatus(204);
    }

    private void list(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String user = request.getParameter("user");
        String ip = request.getParameter("ip");
        String text = request.getParameter("q");
        String limitText = request.getParameter("limit");
        String offsetText = request.getParameter("offset");
        int limit = number(limitText, DEFAULT_LIMIT, 1, MAX_LIMIT);
        int offset = number(offsetText, 0, 0, Integer.MAX_VALUE);
        if (limit < 0 || offset < 0) {
            failures.respond(response, Rejection.BAD_REQUEST, "'limit' must be a whole number from 1 to " + MAX_LIMIT
                    + ", 'offset' one from 0.", null);
            return;
        }
        if (text != null && text.length() > MAX_QUERY) {
            failures.respond(response, Rejection.BAD_REQUEST, "'q' is longer than " + MAX_QUERY + " characters.", null);
            return;
        }
        if (limitText == null && offsetText == null) {
            // Unpaged, as before paging existed: every match, as a bare array.
            List<Map<String, Object>> views = new ArrayList<>();
            for (Session session : matching(user, ip)) {
                if (SessionPage.matches(session, text)) {
                    views.add(view(session));
                }
            }
            AdminServlet.write(response, 200, views);
            return;
        }
        SessionPage page;
        if (user == null && ip == null) {
            page = gate.store().search(text, offset, limit);
        } else {
            SessionPage.Collector collector = new SessionPage.Collector(text, offset, limit);
            matching(user, ip).forEach(collector);
            page = collector.page();
        }
        AdminServlet.write(response, 200, view(page, offset, limit));
    }

    /**
     * The whole number {@code text} within {@code min} and {@code max}, {@code fallback} when it
     * is absent, -1 when it is not such a number.
     */
    static int number(String text, int fallback, int min, int max) {
        if (text == null) {
            return fallback;
        }
        if (text.isEmpty() || text.length() > 9) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value < min || value > max ? -1 : value;
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

    private Map<String, Object> view(SessionPage page, int offset, int limit) {
        List<Map<String, Object>> sessions = new ArrayList<>(page.sessions().size());
        for (Session session : page.sessions()) {
            sessions.add(view(session));
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("total", page.total());
        view.put("offset", offset);
        view.put("limit", limit);
        view.put("sessions", sessions);
        return view;
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
        String origin = gate.store() instanceof ClusterStore cluster ? cluster.originNode(session) : null;
        view.put("node", origin != null ? origin : node);
        return view;
    }
}
