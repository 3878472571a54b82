package dev.sessiongate.key;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * Finds the client IP of a request: the TCP peer, unless the peer is a trusted proxy; then the
 * right-most hop of {@code Forwarded} (preferred) or {@code X-Forwarded-For} that is not itself
 * a trusted proxy. Hops left of it were written by the client and prove nothing.
 */
public final class ClientIpResolver {
    private final List<Cidr> trusted;

    public ClientIpResolver(List<Cidr> trustedProxies) {
        this.trusted = List.copyOf(trustedProxies);
    }

    /** The client IP of {@code request}, as text. */
    public String resolve(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (trusted.isEmpty() || !isTrusted(peer)) {
            return peer;
        }
        List<String> hops = forwardedHops(request);
        if (hops.isEmpty()) {
            hops = forwardedForHops(request);
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (IpAddresses.parse(hop) == null) {
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

    private boolean isTrusted(String ip) {
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

    /** The {@code for=} nodes of every {@code Forwarded} header line (RFC 7239), in order. */
    private static List<String> forwardedHops(HttpServletRequest request) {
        List<String> hops = new ArrayList<>();
        Enumeration<String> lines = request.getHeaders("Forwarded");
        while (lines != null && lines.hasMoreElements()) {
            for (String element : lines.nextElement().split(",")) {
                String node = "unknown";
                for (String pair : element.split(";")) {
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

    private static List<String> forwardedForHops(HttpServletRequest request) {
        List<String> hops = new ArrayList<>();
        Enumeration<String> lines = request.getHeaders("X-Forwarded-For");
        while (lines != null && lines.hasMoreElements()) {
            for (String hop : lines.nextElement().split(",")) {
                hops.add(stripPort(hop.trim()));
            }
        }
        return hops;
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
            return close > 0 ? node.substring(1, close) : node;
        }
        int colon = node.indexOf(':');
        if (colon > 0 && colon == node.lastIndexOf(':')) {
            return node.substring(0, colon);
        }
        return node;
    }
}
