package dev.sessiongate.leanapp;

import dev.sessiongate.filter.SessionGate;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/** Who the filter let in, in which session, and how many password checks the filter has run so far. */
public class WhoAmIServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession();
        SessionGate gate = (SessionGate) getServletContext().getAttribute(SessionGate.CONTEXT_ATTRIBUTE);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        // Names from the htpasswd file and session IDs in URL-safe Base64: nothing to escape.
        response.getWriter().write("{\"user\":\"" + request.getRemoteUser() + "\",\"sessionId\":\"" + session.getId()
                + "\",\"newSession\":" + session.isNew() + ",\"passwordChecks\":" + gate.stats().authCalls() + "}");
    }
}
