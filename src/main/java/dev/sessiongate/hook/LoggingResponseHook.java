package dev.sessiongate.hook;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link ResponseHook}: one key=value log line per non-2xx response, secrets
 * redacted, and a warning for a {@code 302}, which from a protected application usually means
 * that it is redirecting a cookie-less client to a login page (clientless mode not working).
 */
public final class LoggingResponseHook implements ResponseHook {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingResponseHook.class);
    private static final Set<String> REDACTED =
            Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");
    private static final int MAX_VALUE = 512;

    @Override
    public void onResponse(ResponseEvent e) {
        StringBuilder line = new StringBuilder(256)
                .append("event=response status=").append(e.status())
                .append(" method=");
        append(line, e.method());
        line.append(" path=");
        append(line, e.path());
        line.append(" user=");
        append(line, e.user());
        line.append(" clientIp=");
        append(line, e.clientIp());
        line.append(" sessionId=");
        append(line, e.sessionId());
        line.append(" durationMs=").append(e.durationNanos() / 1_000_000);
        line.append(" requestHeaders=");
        headers(line, e.requestHeaders());
        line.append(" responseHeaders=");
        headers(line, e.responseHeaders());
        if (e.status() >= 500) {
            LOG.error(line.toString());
        } else {
            LOG.info(line.toString());
        }
        if (e.status() == 302) {
            LOG.warn("event=redirect_to_login status=302 path={} user={} location={} message=\"the application "
                    + "redirects a cookie-less client, probably to a login page: clientless mode is not working\"",
                    sanitize(e.path()), sanitize(e.user()), sanitize(first(e.responseHeaders(), "location")));
        }
    }

    private static void headers(StringBuilder line, Map<String, List<String>> headers) {
        line.append('{');
        boolean first = true;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            boolean secret = REDACTED.contains(header.getKey().toLowerCase(Locale.ROOT));
            for (String value : header.getValue()) {
                if (!first) {
                    line.append(", ");
                }
                first = false;
                appendRaw(line, header.getKey());
                line.append(": ");
                appendRaw(line, secret ? "<redacted>" : value);
            }
        }
        line.append('}');
    }

    private static String first(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name) && !header.getValue().isEmpty()) {
                return header.getValue().get(0);
            }
        }
        return null;
    }

    /** A value that cannot break the line: quoted when it has spaces, control characters escaped. */
    private static void append(StringBuilder line, String value) {
        if (value == null) {
            line.append('-');
        } else if (value.isEmpty() || value.indexOf(' ') >= 0 || value.indexOf('"') >= 0) {
            line.append('"');
            appendRaw(line, value.replace("\"", "\\\""));
            line.append('"');
        } else {
            appendRaw(line, value);
        }
    }

    private static void appendRaw(StringBuilder line, String value) {
        int n = Math.min(value.length(), MAX_VALUE);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                line.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                line.append(c);
            }
        }
        if (value.length() > MAX_VALUE) {
            line.append("...");
        }
    }

    private static String sanitize(String value) {
        if (value == null) {
            return "-";
        }
        StringBuilder out = new StringBuilder(value.length());
        appendRaw(out, value);
        return out.toString();
    }
}
