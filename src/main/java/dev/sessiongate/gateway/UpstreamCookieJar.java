package dev.sessiongate.gateway;

import dev.sessiongate.session.Session;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.SetCookieParser;

/**
 * The cookies the upstream set for one user key (its session cookie, a sticky load-balancer
 * cookie such as {@code APBALANCEID}), kept server-side in that key's {@link Session} and replayed
 * on the key's later requests, so that a cookie-less client stays on one upstream node and one
 * upstream session. Path, expiry and deletion follow RFC 6265, as Jetty's cookie store does.
 */
final class UpstreamCookieJar {
    private static final String ATTRIBUTE = UpstreamCookieJar.class.getName();
    private static final SetCookieParser PARSER = SetCookieParser.newInstance();

    private final HttpCookieStore store = new HttpCookieStore.Default();

    /** The jar of {@code session}, made on first use; it ends with the session. */
    static UpstreamCookieJar of(Session session) {
        return (UpstreamCookieJar) session.attributes().computeIfAbsent(ATTRIBUTE, name -> new UpstreamCookieJar());
    }

    /** The jar of {@code session} if the upstream ever set a cookie for it, else {@code null}. */
    static UpstreamCookieJar existing(Session session) {
        Map<String, Object> attributes = session.attributesIfPresent();
        return attributes == null ? null : (UpstreamCookieJar) attributes.get(ATTRIBUTE);
    }

    /** Keeps the cookie of one {@code Set-Cookie} header of a response to {@code uri}; false if unparseable. */
    boolean store(URI uri, String setCookie) {
        HttpCookie cookie = PARSER.parse(setCookie);
        if (cookie == null) {
            return false;
        }
        store.add(uri, cookie);
        return true;
    }

    /** The {@code Cookie} header value for a request to {@code uri}, or {@code null} if no cookie matches. */
    String cookieHeader(URI uri) {
        List<HttpCookie> cookies = store.match(uri);
        if (cookies.isEmpty()) {
            return null;
        }
        StringBuilder header = new StringBuilder();
        for (HttpCookie cookie : cookies) {
            if (header.length() > 0) {
                header.append("; ");
            }
            header.append(cookie.getName()).append('=').append(cookie.getValue());
        }
        return header.toString();
    }

    @Override
    public String toString() {
        return "UpstreamCookieJar[" + store.all().size() + " cookies]";
    }
}
