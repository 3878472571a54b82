package dev.sessiongate.testing;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * A test application that reports what the servlet API tells it about the request, and counts
 * its calls in a session attribute.
 */
public final class WhoAmIServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession();
        Integer count = (Integer) session.getAttribute("count");
        count = count == null ? 1 : count + 1;
        session.setAttribute("count", count);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("remoteUser", request.getRemoteUser());
        body.put("principal", request.getUserPrincipal() == null ? null : request.getUserPrincipal().getName());
        body.put("authType", request.getAuthType());
        body.put("partners", request.isUserInRole("partners"));
        body.put("admins", request.isUserInRole("admins"));
        body.put("remoteAddr", request.getRemoteAddr());
        body.put("sessionId", session.getId());
        body.put("count", count);
        body.put("requestedSessionId", request.getRequestedSessionId());
        body.put("cookieHeader", request.getHeader("Cookie"));
        if (request.getParameter("invalidate") != null) {
            session.invalidate();
            body.put("goneAfterInvalidate", request.getSession(false) == null);
        }
        response.setContentType("application/json");
        response.getOutputStream().write(JSON.writeValueAsBytes(body));
    }
}
