package dev.sessiongate.hook;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.util.Repeats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The default {@link ResponseHook}: one logfmt line per non-2xx response with secrets redacted,
 * and a warning for a {@code 302} to what looks like a login page, which from a protected
 * application means that it is sending a cookie-less client to log in (clientless mode not
 * working).
 *
 * <p>Floods stay small: of the responses with one status to one client address, the first in a
 * minute is written in full and the rest are counted into one {@code event=responses_repeated}
 * line when the minute ends, so a password spray writes two lines a minute per address.
 */
public final class LoggingResponseHook implements ResponseHook {
    /** The default {@code log.redact-headers}: names, {@code *} matching any characters, any letter case. */
    public static final List<String> DEFAULT_REDACTED = List.of("Authorization", "Proxy-Authorization", "Cookie",
            "Set-Cookie", "X-Auth-*", "*token*", "*secret*", "*password*", "*api-key*", "*apikey*", "*session*",
            "*credential*", "*signature*");
    static final Duration WINDOW = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(LoggingResponseHook.class);
    private static final String[] LOGIN_HINTS = {"login", "logon", "signin", "sign-in", "sso", "saml", "oauth",
        "openid", "/auth", "/cas/", "/idp/", "my.policy"};

    private final List<String> redacted;
    private final Repeats responses;
    private final Repeats redirects;

    /** With {@link #DEFAULT_REDACTED}. */
    public LoggingResponseHook() {
        this(DEFAULT_REDACTED, Ticker.systemTicker());
    }

    /**
     * @param redactedHeaders header names whose values are never logged ({@code *} matches any characters)
     */
    public LoggingResponseHook(List<String> redactedHeaders, Ticker ticker) {
        List<String> lower = new ArrayList<>();
        for (String name : redactedHeaders) {
            lower.add(name.trim().toLowerCase(Locale.ROOT));
        }
        this.redacted = List.copyOf(lower);
        this.responses = new Repeats(WINDOW, 10_000, ticker, LoggingResponseHook::summarizeResponses);
        this.redirects = new Repeats(WINDOW, 1_000, ticker, LoggingResponseHook::summarizeRedirects);
    }

    @Override
    public void onResponse(ResponseEvent e) {
        Level level = e.status() == 500 ? Level.ERROR : e.status() >= 500 ? Level.WARN : Level.INFO;
        if (LOG.isEnabledForLevel(level) && responses.first(e.status() + " " + e.clientIp())) {
            LOG.atLevel(level).log(line(e));
        }
        if (e.status() == 302 && LOG.isWarnEnabled()) {
            String location = first(e.responseHeaders(), "location");
            if (looksLikeLogin(location) && redirects.first(redactPathParameters(e.path()))) {
                LOG.warn("event=redirect_to_login status=302 path={} user={} location={} message=\"the application "
                        + "redirects a cookie-less client to a login page: clientless mode is not working\"",
                        Logfmt.value(redactPathParameters(e.path())), Logfmt.value(e.user()),
                        Logfmt.value(redactQuery(location)));
            }
        }
    }

    /** Writes the counts of the windows still open (on shutdown, and for tests). */
    public void flush() {
        responses.flush();
        redirects.flush();
    }

    private String line(ResponseEvent e) {
        StringBuilder line = new StringBuilder(256).append("event=response status=").append(e.status()).append(" method=");
        Logfmt.append(line, e.method()).append(" path=");
        Logfmt.append(line, redactPathParameters(e.path())).append(" user=");
        Logfmt.append(line, e.user()).append(" clientIp=");
        Logfmt.append(line, e.clientIp()).append(" sessionId=");
        Logfmt.append(line, e.sessionId()).append(" durationMs=").append(e.durationNanos() / 1_000_000);
        line.append(" requestHeaders=");
        Logfmt.append(line, headers(e.requestHeaders())).append(" responseHeaders=");
        Logfmt.append(line, headers(e.responseHeaders()));
        return line.toString();
    }

    private static void summarizeResponses(String statusAndIp, long repeats) {
        int space = statusAndIp.indexOf(' ');
        LOG.info("event=responses_repeated status={} clientIp={} count={} windowSeconds={} message=\"further responses "
                + "like the one logged, counted, not logged one by one\"", statusAndIp.substring(0, space),
                Logfmt.value(statusAndIp.substring(space + 1)), repeats, WINDOW.toSeconds());
    }

    private static void summarizeRedirects(String path, long repeats) {
        LOG.warn("event=redirect_to_login_repeated path={} count={} windowSeconds={}", Logfmt.value(path), repeats,
                WINDOW.toSeconds());
    }

    /** {@code {Name: value, Name: <redacted>}}, written as one logfmt value by the caller. */
    private String headers(Map<String, List<String>> headers) {
        StringBuilder text = new StringBuilder("{");
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            boolean secret = isRedacted(header.getKey());
            for (String value : header.getValue()) {
                if (text.length() > 1) {
                    text.append(", ");
                }
                text.append(header.getKey()).append(": ").append(secret ? "<redacted>" : value);
            }
        }
        return text.append('}').toString();
    }

    boolean isRedacted(String headerName) {
        String name = headerName.toLowerCase(Locale.ROOT);
        for (String pattern : redacted) {
            if (matches(pattern, name)) {
                return true;
            }
        }
        return false;
    }

    /** A glob with {@code *} only: the literal pieces in order, anchored unless a {@code *} frees an end. */
    private static boolean matches(String pattern, String name) {
        String[] pieces = pattern.split("\\*", -1);
        if (pieces.length == 1) {
            return pattern.equals(name);
        }
        if (!name.startsWith(pieces[0]) || !name.endsWith(pieces[pieces.length - 1])) {
            return false;
        }
        int at = pieces[0].length();
        for (int i = 1; i < pieces.length - 1; i++) {
            int found = name.indexOf(pieces[i], at);
            if (found < 0) {
                return false;
            }
            at = found + pieces[i].length();
        }
        return at <= name.length() - pieces[pieces.length - 1].length();
    }

    /** {@code /api/x;jsessionid=SECRET} → {@code /api/x;jsessionid=<redacted>}: parameters often carry session ids. */
    static String redactPathParameters(String path) {
        if (path == null || path.indexOf(';') < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        boolean inValue = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/' || c == ';') {
                inValue = false;
                out.append(c);
            } else if (inValue) {
                continue;
            } else if (c == '=' && path.lastIndexOf(';', i) > path.lastIndexOf('/', i)) {
                inValue = true;
                out.append("=<redacted>");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String redactQuery(String location) {
        if (location == null) {
            return null;
        }
        int query = location.indexOf('?');
        return query < 0 ? location : location.substring(0, query) + "?<redacted>";
    }

    private static boolean looksLikeLogin(String location) {
        if (location == null) {
            return false;
        }
        String lower = location.toLowerCase(Locale.ROOT);
        for (String hint : LOGIN_HINTS) {
            if (lower.contains(hint)) {
                return true;
            }
        }
        return false;
    }

    private static String first(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name) && !header.getValue().isEmpty()) {
                return header.getValue().get(0);
            }
        }
        return null;
    }
}
