package dev.sessiongate.gateway;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo application, of the standalone and of the WAR without {@code upstream.url} (here, below
 * the standalone that serves it, so that {@code gateway} needs nothing of {@code standalone}):
 * for any method and path it answers what it was given,
 * {@code {"user","sessionId","newSession","method","path","bodyBytes","cookies"}}, so that a
 * client (or a test) can see what the filter passed on.
 */
public final class DemoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        answer(request, response);
    }

    /** Answers {@code request} as the demo application does. */
    public static void answer(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long bodyBytes = drain(request.getInputStream());
        HttpSession session = request.getSession(false);
        List<String> cookies = new ArrayList<>();
        Cookie[] received = request.getCookies();
        if (received != null) {
            for (Cookie cookie : received) {
                cookies.add(cookie.getName());
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", request.getRemoteUser());
        body.put("sessionId", session == null ? null : session.getId());
        body.put("newSession", session != null && session.isNew());
        body.put("method", request.getMethod());
        body.put("path", request.getRequestURI());
        body.put("bodyBytes", bodyBytes);
        body.put("cookies", cookies);
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
        }
        return total;
    }
}
