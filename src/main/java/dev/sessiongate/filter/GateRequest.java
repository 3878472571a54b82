package dev.sessiongate.filter;

import dev.sessiongate.auth.Identity;
import dev.sessiongate.session.Session;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The request the application sees: authenticated as the session's user, with the session's
 * {@link HttpSession}, and without the session cookies and {@code ;jsessionid=} parameters the
 * client sent, so that a client can never choose a session.
 */
final class GateRequest extends HttpServletRequestWrapper {
    private static final Cookie[] NO_COOKIES = new Cookie[0];

    private final Session session;
    private final String clientIp;
    private final boolean isNew;
    private final Gatekeeper gate;
    private volatile CachedHttpSession httpSession;
    private Cookie[] cookies;
    private AsyncContext async;

    GateRequest(HttpServletRequest request, Session session, String clientIp, boolean isNew, Gatekeeper gate) {
        super(request);
        this.session = session;
        this.clientIp = clientIp;
        this.isNew = isNew;
        this.gate = gate;
    }

    @Override
    public AsyncContext startAsync() {
        async = super.startAsync();
        return async;
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        async = super.startAsync(request, response);
        return async;
    }

    /**
     * The async context if the application started one through this request, else {@code null};
     * asked instead of {@code isAsyncStarted()}, which takes a lock in some containers.
     */
    AsyncContext asyncContext() {
        return async;
    }

    @Override
    public Object getAttribute(String name) {
        return Session.REQUEST_ATTRIBUTE.equals(name) ? session : super.getAttribute(name);
    }

    /** The client IP, resolved through {@code trusted-proxies} as for the user key. */
    @Override
    public String getRemoteAddr() {
        return clientIp;
    }

    @Override
    public String getRemoteUser() {
        return session.identity().name();
    }

    @Override
    public Principal getUserPrincipal() {
        return session.identity();
    }

    @Override
    public String getAuthType() {
        Identity identity = session.identity();
        if (identity.certificateFingerprint() != null) {
            return CLIENT_CERT_AUTH;
        }
        return identity.tokenId() == null ? BASIC_AUTH : "Bearer";
    }

    @Override
    public boolean isUserInRole(String role) {
        Identity identity = session.identity();
        return "**".equals(role) || identity.groups().contains(role);
    }

    @Override
    public HttpSession getSession(boolean create) {
        if (httpSession == null) {
            httpSession = new CachedHttpSession(session, gate.store(), getServletContext(), gate.idleSeconds(), isNew);
        }
        return httpSession.isInvalidated() ? null : httpSession;
    }

    /** When the request (or its asynchronous part) ends: the changed attributes go to the store. */
    void saveAttributes() {
        CachedHttpSession current = httpSession;
        if (current != null) {
            current.saveAttributes();
        }
    }

    @Override
    public HttpSession getSession() {
        return getSession(true);
    }

    /** The cached session's id cannot change; the gate, not the client, chose it. */
    @Override
    public String changeSessionId() {
        return session.id();
    }

    @Override
    public String getRequestedSessionId() {
        return null;
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        return false;
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        return false;
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        return false;
    }

    @Override
    public Cookie[] getCookies() {
        if (cookies == null) {
            Cookie[] all = super.getCookies();
            cookies = all == null ? NO_COOKIES : gate.cookieStripper().keep(all);
        }
        return cookies.length == 0 ? null : cookies.clone();
    }

    @Override
    public String getHeader(String name) {
        if ("cookie".equalsIgnoreCase(name)) {
            return cookieHeader();
        }
        return super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        if ("cookie".equalsIgnoreCase(name)) {
            String header = cookieHeader();
            return header == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(header));
        }
        return super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        Enumeration<String> names = super.getHeaderNames();
        if (cookieHeader() != null) {
            return names;
        }
        List<String> kept = new ArrayList<>();
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            if (!"cookie".equalsIgnoreCase(name)) {
                kept.add(name);
            }
        }
        return Collections.enumeration(kept);
    }

    @Override
    public String getRequestURI() {
        return withoutSessionParameter(super.getRequestURI());
    }

    @Override
    public StringBuffer getRequestURL() {
        StringBuffer url = super.getRequestURL();
        return url.indexOf(";") < 0 ? url : new StringBuffer(withoutSessionParameter(url.toString()));
    }

    /** The kept cookies as one {@code Cookie} header, or {@code null} when none is left. */
    private String cookieHeader() {
        getCookies();
        if (cookies.length == 0) {
            return null;
        }
        StringBuilder header = new StringBuilder();
        for (Cookie cookie : cookies) {
            if (header.length() > 0) {
                header.append("; ");
            }
            header.append(cookie.getName()).append('=').append(cookie.getValue());
        }
        return header.toString();
    }

    /** Removes every {@code ;jsessionid=...} path parameter, in any letter case. */
    static String withoutSessionParameter(String uri) {
        if (uri == null || uri.indexOf(';') < 0) {
            return uri;
        }
        StringBuilder out = new StringBuilder(uri.length());
        int i = 0;
        while (i < uri.length()) {
            int semicolon = uri.indexOf(';', i);
            if (semicolon < 0) {
                out.append(uri, i, uri.length());
                break;
            }
            out.append(uri, i, semicolon);
            int end = semicolon + 1;
            while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != ';'
                    && uri.charAt(end) != '?') {
                end++;
            }
            String parameter = uri.substring(semicolon + 1, end).toLowerCase(Locale.ROOT);
            if (!parameter.startsWith("jsessionid")) {
                out.append(uri, semicolon, end);
            }
            i = end;
        }
        return out.toString();
    }
}
