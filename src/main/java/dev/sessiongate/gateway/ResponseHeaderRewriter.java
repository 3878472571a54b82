package dev.sessiongate.gateway;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Turns the upstream's names for itself in a response into the gateway's, as Apache's
 * {@code ProxyPassReverse}, {@code ProxyPassReverseCookiePath} and {@code ProxyPassReverseCookieDomain}
 * and nginx's default {@code proxy_redirect} do, for a gateway under a context path (the WAR's
 * {@code /sessiongate}) in front of an upstream with a base path ({@code upstream.url=http://up/app}).
 *
 * <p>{@code Location} and {@code Content-Location}: a URL at or below the upstream URL, absolute or
 * relative to the upstream request ({@code /app/x}, {@code x}, {@code ../x}), becomes the same
 * resource at the gateway, as an absolute URL with the scheme and host the client used and the
 * context path in place of the base path. A URL anywhere else, or one that cannot be parsed, is
 * left as it is. {@code Set-Cookie} (sent to the client only with {@code upstream.pass-cookies}): a
 * {@code Path} in the upstream's base path is moved under the context path, and a {@code Domain}
 * that names the upstream's host but not the gateway's is dropped, so the client keeps the cookie
 * for the gateway. The upstream cookie jar keeps the upstream's own version, since it replays
 * cookies on upstream requests, whose paths are the upstream's.
 */
final class ResponseHeaderRewriter {
    private final String scheme;
    private final String host;
    private final int port;
    /** The upstream URL's raw path without a trailing slash; empty for none. */
    private final String basePath;

    ResponseHeaderRewriter(URI upstreamUrl) {
        this.scheme = upstreamUrl.getScheme().toLowerCase(Locale.ROOT);
        this.host = upstreamUrl.getHost().toLowerCase(Locale.ROOT);
        this.port = port(upstreamUrl);
        String path = upstreamUrl.getRawPath() == null ? "" : upstreamUrl.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /**
     * The gateway as the client addressed it: scheme, {@code host[:port]} and the context path.
     *
     * @param origin      {@code scheme://host[:port]}
     * @param host        the host alone, lower case, for matching a cookie's {@code Domain}
     * @param contextPath the context path, {@code ""} for the root context
     */
    record ClientBase(String origin, String host, String contextPath) {
        /**
         * The client's view of {@code request}: its scheme and {@code Host} header; when the TCP
         * peer is a trusted proxy, the first {@code X-Forwarded-Proto}, {@code -Host} and
         * {@code -Port} it sent instead, as Jetty's {@code ForwardedRequestCustomizer} reads them.
         * From any other peer those headers are the client's word about itself and are ignored, as
         * the gateway ignores them when it forwards. The context path is the application's own,
         * not the request's spelling of it ({@code /sessiongate;x}, {@code //sessiongate}).
         * {@code null} when no host can be told, and then headers are left as they are.
         */
        static ClientBase of(HttpServletRequest request, boolean trustedPeer) {
            String scheme = request.getScheme().toLowerCase(Locale.ROOT);
            String authority = requestAuthority(request);
            if (trustedPeer) {
                String proto = first(request.getHeader("X-Forwarded-Proto"));
                if ("http".equalsIgnoreCase(proto) || "https".equalsIgnoreCase(proto)) {
                    scheme = proto.toLowerCase(Locale.ROOT);
                }
                String forwardedHost = first(request.getHeader("X-Forwarded-Host"));
                if (authority(forwardedHost) != null) {
                    authority = forwardedHost;
                }
                String forwardedPort = first(request.getHeader("X-Forwarded-Port"));
                URI hostOnly = authority(authority);
                if (hostOnly != null && hostOnly.getPort() < 0 && forwardedPort != null
                        && authority(authority + ":" + forwardedPort) != null) {
                    authority = authority + ":" + forwardedPort;
                }
            }
            URI parsed = authority(authority);
            if (parsed == null) {
                // A Host the container took but URI does not (host_name): the address the client connected to.
                parsed = authority(bracketed(request.getLocalAddr()) + ":" + request.getLocalPort());
            }
            if (parsed == null) {
                return null;
            }
            int port = parsed.getPort();
            String hostName = parsed.getHost().toLowerCase(Locale.ROOT);
            String origin = scheme + "://" + hostName + (port < 0 || port == defaultPort(scheme) ? "" : ":" + port);
            return new ClientBase(origin, hostName, request.getServletContext().getContextPath());
        }
    }

    /**
     * The value of a {@code Location} or {@code Content-Location} header of the response to
     * {@code upstreamRequest}, in the client's terms; {@code value} itself when it points elsewhere.
     */
    String location(String value, URI upstreamRequest, ClientBase client) {
        if (client == null) {
            return value;
        }
        URI target;
        try {
            target = resolve(upstreamRequest, new URI(value.trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return value; // not ours to repair: the client gets what the upstream said
        }
        if (target.isOpaque() || !isUpstreamOrigin(target)) {
            return value;
        }
        String rest = belowBase(target.getRawPath());
        if (rest == null || hasDotSegment(rest)) {
            return value; // elsewhere on the upstream's host, or above the base once a client resolves it
        }
        StringBuilder mapped = new StringBuilder(client.origin()).append(client.contextPath()).append(rest);
        if (target.getRawQuery() != null) {
            mapped.append('?').append(target.getRawQuery());
        }
        if (target.getRawFragment() != null) {
            mapped.append('#').append(target.getRawFragment());
        }
        return mapped.toString();
    }

    /**
     * A {@code Set-Cookie} value for the client: {@code Path} and {@code Domain} mapped, every other
     * byte as the upstream sent it. The split is RFC 6265 section 5.2's, the one browsers apply: the
     * cookie pair ends at the first {@code ;}, and so does each attribute after it.
     */
    String setCookie(String value, ClientBase client) {
        int semicolon = value.indexOf(';');
        if (semicolon < 0 || client == null) {
            return value;
        }
        StringBuilder rewritten = null;
        for (int start = semicolon; start < value.length(); ) {
            int end = value.indexOf(';', start + 1);
            if (end < 0) {
                end = value.length();
            }
            String attribute = value.substring(start + 1, end);
            int eq = attribute.indexOf('=');
            String name = (eq < 0 ? attribute : attribute.substring(0, eq)).trim();
            String attributeValue = eq < 0 ? "" : attribute.substring(eq + 1).trim();
            String replacement = null;
            if (name.equalsIgnoreCase("Path")) {
                String path = cookiePath(attributeValue, client);
                replacement = path == null || path.equals(attributeValue) ? null : " " + name + "=" + path;
            } else if (name.equalsIgnoreCase("Domain") && dropsDomain(attributeValue, client)) {
                replacement = "";
            }
            if (replacement != null && rewritten == null) {
                rewritten = new StringBuilder(value.length() + 16).append(value, 0, start);
            }
            if (rewritten != null) {
                if (replacement == null) {
                    rewritten.append(value, start, end);
                } else if (!replacement.isEmpty()) {
                    rewritten.append(';').append(replacement);
                }
            }
            start = end;
        }
        return rewritten == null ? value : rewritten.toString();
    }

    /**
     * A cookie path in the client's terms, or {@code null} to keep it: below the base path it moves
     * under the context path; the base path itself or above it (the upstream's {@code /}) covers
     * all the gateway forwards, hence the context path; a path beside the base is never sent
     * through the gateway and stays. No path, or one that is not absolute, is left to the client's
     * default path, which already is the mapped one.
     */
    private String cookiePath(String path, ClientBase client) {
        if (!path.startsWith("/")) {
            return null;
        }
        String context = client.contextPath();
        if (path.equals("/") || basePath.equals(path)
                || basePath.startsWith(path) && (path.endsWith("/") || basePath.charAt(path.length()) == '/')) {
            return context.isEmpty() ? "/" : context;
        }
        if (path.length() > basePath.length() && path.startsWith(basePath) && path.charAt(basePath.length()) == '/') {
            return context + path.substring(basePath.length());
        }
        return null;
    }

    /**
     * Whether a cookie's {@code Domain} goes: when it names the upstream's host (or a parent of it)
     * but not the gateway's, the client would refuse the whole cookie (RFC 6265 section 5.3); without
     * it the cookie is the gateway host's. A domain that fits the gateway, or neither, is left.
     */
    private boolean dropsDomain(String domain, ClientBase client) {
        String name = (domain.startsWith(".") ? domain.substring(1) : domain).toLowerCase(Locale.ROOT);
        return !name.isEmpty() && !domainMatches(client.host(), name) && domainMatches(host, name);
    }

    /** RFC 6265 section 5.1.3; an IP address matches only itself. */
    private static boolean domainMatches(String hostName, String domain) {
        if (hostName.equals(domain)) {
            return true;
        }
        return hostName.endsWith(domain) && hostName.charAt(hostName.length() - domain.length() - 1) == '.'
                && !isIpAddress(hostName);
    }

    private static boolean isIpAddress(String hostName) {
        return hostName.startsWith("[") || hostName.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /**
     * {@code reference} resolved against {@code base} as RFC 3986 section 5.2 says, dot segments
     * removed. {@link URI#resolve} follows RFC 2396, which for a reference with an empty path
     * ({@code ?page=2}) drops the base's last segment; RFC 3986 keeps the base's path.
     */
    private static URI resolve(URI base, URI reference) throws URISyntaxException {
        if (reference.isAbsolute()) {
            return reference.normalize();
        }
        if (reference.getRawAuthority() == null && reference.getRawPath().isEmpty()) {
            String query = reference.getRawQuery() != null ? reference.getRawQuery() : base.getRawQuery();
            return new URI(base.getScheme() + "://" + base.getRawAuthority() + base.getRawPath()
                    + (query == null ? "" : "?" + query)
                    + (reference.getRawFragment() == null ? "" : "#" + reference.getRawFragment()));
        }
        return base.resolve(reference).normalize();
    }

    private boolean isUpstreamOrigin(URI target) {
        return scheme.equalsIgnoreCase(target.getScheme()) && target.getRawUserInfo() == null
                && target.getHost() != null && host.equalsIgnoreCase(target.getHost()) && port(target) == port;
    }

    /** What follows the base path in {@code path} ({@code ""} or from a {@code /} on), or {@code null} if it is not below it. */
    private String belowBase(String path) {
        if (path == null || path.isEmpty()) {
            return basePath.isEmpty() ? "" : null;
        }
        if (!path.startsWith(basePath)) {
            return null;
        }
        if (path.length() == basePath.length() || path.charAt(basePath.length()) == '/') {
            return path.substring(basePath.length());
        }
        return null;
    }

    /**
     * Whether a segment is {@code .} or {@code ..}, also as {@code %2e}: {@link URI#normalize}
     * keeps a {@code ..} that climbs above the root, and a browser decodes {@code %2e%2e} as one,
     * either of which would lead the client out of the context path.
     */
    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            String decoded = segment.replace("%2e", ".").replace("%2E", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** {@code host[:port]} as a server authority with nothing else ({@code a/b}, {@code u@h} and {@code h:x} are not), or {@code null}. */
    private static URI authority(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI("http://" + text);
            return uri.getHost() != null && uri.getRawUserInfo() == null && uri.getRawPath().isEmpty()
                    && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getPort() <= 65535
                    ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The first element of a comma list header, trimmed; {@code null} for none. */
    private static String first(String header) {
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        return (comma < 0 ? header : header.substring(0, comma)).trim();
    }

    /** An IPv6 address in brackets, as a URL writes it; {@code ""} for none. */
    /**
     * The authority the client addressed: its {@code Host} header, or in HTTP/2, which has none
     * ({@code :authority} instead), the server name and port the container took from that; the
     * port left out where it is the scheme's default, as a {@code Host} header leaves it out.
     * {@code null} when the container knows neither.
     */
    static String requestAuthority(HttpServletRequest request) {
        String host = request.getHeader("Host");
        if (host != null) {
            return host;
        }
        String name = request.getServerName();
        if (name == null || name.isEmpty()) {
            return null;
        }
        int port = request.getServerPort();
        String scheme = request.getScheme().toLowerCase(Locale.ROOT);
        return bracketed(name) + (port <= 0 || port == defaultPort(scheme) ? "" : ":" + port);
    }

    private static String bracketed(String address) {
        if (address == null) {
            return "";
        }
        return address.indexOf(':') >= 0 && !address.startsWith("[") ? "[" + address + "]" : address;
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : defaultPort(uri.getScheme().toLowerCase(Locale.ROOT));
    }

    private static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }
}
