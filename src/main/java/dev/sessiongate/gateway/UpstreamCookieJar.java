package dev.sessiongate.gateway;

import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import jakarta.servlet.http.Cookie;
import java.net.URI;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.SetCookieParser;

/**
 * The cookies the upstream set for one user key (its session cookie, a sticky load-balancer
 * cookie such as {@code APBALANCEID}), kept server-side in that key's {@link Session} and replayed
 * on the key's later requests, so that a cookie-less client stays on one upstream node and one
 * upstream session. Path, expiry and deletion follow RFC 6265, as Jetty's cookie store does.
 *
 * <p>The jar is also kept as text, the last {@code Set-Cookie} of each cookie with the URI it
 * answered, and shared through {@link SessionStore#share}: in a cluster, the node that serves the
 * key next rebuilds the jar from it, so the upstream keeps seeing one client.
 */
final class UpstreamCookieJar {
    /** The name under which the jar's text is shared with the other nodes. */
    static final String SHARED_NAME = "upstream-cookies";
    private static final String ATTRIBUTE = UpstreamCookieJar.class.getName();
    private static final String SHARED_ATTRIBUTE = SessionStore.SHARED + SHARED_NAME;
    private static final SetCookieParser PARSER = SetCookieParser.newInstance();
    /** RFC 6265 asks for at least 50 cookies per domain; beyond, the oldest goes. */
    private static final int MAX_COOKIES = 50;

    private final HttpCookieStore store = new HttpCookieStore.Default();
    /** Cookie name, domain and path → "URI TAB Set-Cookie" of its last setting, oldest first. */
    private final Map<String, String> latest = new LinkedHashMap<>();
    private volatile String text = "";

    /** The jar of {@code session}, made on first use; it ends with the session. */
    static UpstreamCookieJar of(Session session) {
        UpstreamCookieJar jar = existing(session);
        if (jar == null) {
            jar = (UpstreamCookieJar) session.attributes().computeIfAbsent(ATTRIBUTE, name -> new UpstreamCookieJar());
        }
        return jar;
    }

    /**
     * The jar of {@code session} if the upstream ever set a cookie for it, else {@code null}; rebuilt
     * from the shared text when another node changed it (or this node just read the session from
     * the cluster's store).
     */
    static UpstreamCookieJar existing(Session session) {
        Map<String, Object> attributes = session.attributesIfPresent();
        if (attributes == null) {
            return null;
        }
        UpstreamCookieJar jar = (UpstreamCookieJar) attributes.get(ATTRIBUTE);
        Object shared = attributes.get(SHARED_ATTRIBUTE);
        // Identity, not equals: this jar shares its own text instance, so only another node's differs.
        if (shared instanceof String sharedText && (jar == null || jar.text != sharedText)) {
            jar = fromText(sharedText);
            attributes.put(ATTRIBUTE, jar);
        }
        return jar;
    }

    private static UpstreamCookieJar fromText(String text) {
        UpstreamCookieJar jar = new UpstreamCookieJar();
        for (String line : text.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                try {
                    jar.store(URI.create(line.substring(0, tab)), line.substring(tab + 1));
                } catch (IllegalArgumentException e) {
                    // a line this version cannot read: that cookie is lost, the others stay
                }
            }
        }
        jar.text = text;
        return jar;
    }

    /** Keeps the cookie of one {@code Set-Cookie} header of a response to {@code uri}; false if unparseable. */
    synchronized boolean store(URI uri, String setCookie) {
        HttpCookie cookie = PARSER.parse(setCookie);
        if (cookie == null || setCookie.indexOf('\n') >= 0) {
            return false;
        }
        store.add(uri, cookie);
        String id = cookie.getName() + ';' + (cookie.getDomain() == null ? uri.getHost() : cookie.getDomain())
                .toLowerCase(Locale.ROOT) + ';' + cookie.getPath();
        latest.remove(id);
        if (cookie.getMaxAge() != 0) {
            latest.put(id, uri + "\t" + setCookie);
        }
        for (Iterator<String> oldest = latest.keySet().iterator(); latest.size() > MAX_COOKIES; ) {
            oldest.next();
            oldest.remove();
        }
        String next = String.join("\n", latest.values());
        if (!next.equals(text)) {
            text = next; // a new instance only for a change: the same cookie again is not news for other nodes
        }
        return true;
    }

    /** The jar as text, for {@link SessionStore#share}; the same instance until the jar changes. */
    String text() {
        return text;
    }

    /**
     * The {@code Cookie} header value for a request to {@code uri}: the client's cookies, then the
     * jar's; or {@code null} if no cookie of the jar matches (the client's header then stands).
     * A client cookie named like one of the jar's is left out, in any letter case since some
     * upstreams read names so: otherwise the client could pick the upstream session or node.
     *
     * @param clientCookies the client's cookies, or {@code null}
     */
    String cookieHeader(URI uri, Cookie[] clientCookies) {
        List<HttpCookie> cookies = store.match(uri);
        if (cookies.isEmpty()) {
            return null;
        }
        StringBuilder header = new StringBuilder();
        if (clientCookies != null) {
            for (Cookie cookie : clientCookies) {
                if (!named(cookies, cookie.getName())) {
                    append(header, cookie.getName(), cookie.getValue());
                }
            }
        }
        for (HttpCookie cookie : cookies) {
            append(header, cookie.getName(), cookie.getValue());
        }
        return header.toString();
    }

    private static boolean named(List<HttpCookie> cookies, String name) {
        for (int i = 0; i < cookies.size(); i++) {
            if (cookies.get(i).getName().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static void append(StringBuilder header, String name, String value) {
        if (header.length() > 0) {
            header.append("; ");
        }
        header.append(name).append('=').append(value);
    }

    @Override
    public String toString() {
        return "UpstreamCookieJar[" + store.all().size() + " cookies]";
    }
}
