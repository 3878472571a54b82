package dev.sessiongate.key;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * Finds the client IP of a request: the TCP peer, unless the peer is a trusted proxy; then the
 * right-most hop of the one configured header ({@code trusted-proxies.header}: {@code X-Forwarded-For},
 * {@code Forwarded}, {@code X-Real-IP}, …) that is not itself a trusted proxy. Hops left of it
 * were written by the client and prove nothing, and so does every other forwarding header: a
 * proxy that appends only {@code X-Forwarded-For} passes a client's {@code Forwarded} on untouched.
 * Like Tomcat's {@code RemoteIpValve}, nginx's {@code real_ip_header} and Caddy's
 * {@code client_ip_headers}. Addresses come out in {@link IpAddresses#canonical canonical} form.
 */
public final class ClientIpResolver {
    /** The default {@code trusted-proxies.header}. */
    public static final String DEFAULT_HEADER = "X-Forwarded-For";

    private final List<Cidr> trusted;
    private final String header;
    private final boolean rfc7239;

    public ClientIpResolver(List<Cidr> trustedProxies, String header) {
        this.trusted = List.copyOf(trustedProxies);
        this.header = header;
        this.rfc7239 = header.equalsIgnoreCase("Forwarded");
    }

    /** The client IP of {@code request}, as canonical text. */
    public String resolve(HttpServletRequest request) {
        String peer = canonicalPeer(request.getRemoteAddr());
        if (trusted.isEmpty() || !isTrusted(peer)) {
            return peer;
        }
        List<String> hops = rfc7239 ? forwardedHops(request) : listHops(request);
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = IpAddresses.canonical(hops.get(i));
            if (hop == null) {
                // "unknown", an obfuscated node or garbage: nothing left of it can be trusted,
                // so the last proxy that vouched for its input is the best answer.
                return client;
            }
            client = hop;
            if (!isTrusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    /** Whether {@code ip} (canonical or not) is in {@code trusted-proxies}. */
    public boolean isTrusted(String ip) {
        byte[] address = IpAddresses.parse(ip);
        if (address == null) {
            return false;
        }
        for (Cidr cidr : trusted) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Containers differ ({@code ::1}, {@code 0:0:0:0:0:0:0:1}, {@code [::1]}); one client, one text. */
    private static String canonicalPeer(String remoteAddr) {
        String canonical = IpAddresses.canonical(remoteAddr);
        return canonical != null ? canonical : remoteAddr;
    }

    /** The {@code for=} nodes of every {@code Forwarded} header line (RFC 7239), in order. */
    private List<String> forwardedHops(HttpServletRequest request) {
        List<String> hops = new ArrayList<>();
        Enumeration<String> lines = request.getHeaders(header);
        while (lines != null && lines.hasMoreElements()) {
            for (String element : splitOutsideQuotes(lines.nextElement(), ',')) {
                String node = "unknown";
                for (String pair : splitOutsideQuotes(element, ';')) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
                        node = stripPort(unquote(pair.substring(eq + 1).trim()));
                    }
                }
                hops.add(node);
            }
        }
        return hops;
    }

    /** The comma-separated hops of every line of a list header such as {@code X-Forwarded-For}. */
    private List<String> listHops(HttpServletRequest request) {
        List<String> hops = new ArrayList<>();
        Enumeration<String> lines = request.getHeaders(header);
        while (lines != null && lines.hasMoreElements()) {
            for (String hop : lines.nextElement().split(",", -1)) {
                hops.add(stripPort(hop.trim()));
            }
        }
        return hops;
    }

    /**
     * Splits at {@code separator}s outside RFC 7230 quoted strings. A quote left open makes the
     * whole text one "unknown" part: it would otherwise swallow what a trusted proxy appended after
     * it ({@code for=6.6.6.6;x=", for=<real>}) and leave the client's forgery as the last hop.
     */
    private static List<String> splitOutsideQuotes(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (quoted) {
            return List.of("unknown");
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    /** {@code [2001:db8::1]:4711} → {@code 2001:db8::1}; {@code 192.0.2.1:80} → {@code 192.0.2.1}. */
    private static String stripPort(String node) {
        if (node.startsWith("[")) {
            int close = node.indexOf(']');
            return close > 0 && (close == node.length() - 1 || node.charAt(close + 1) == ':')
                    ? node.substring(1, close) : node;
        }
        int colon = node.indexOf(':');
        if (colon > 0 && colon == node.lastIndexOf(':')) {
            return node.substring(0, colon);
        }
        return node;
    }
}
