package dev.sessiongate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.ContainerPaths;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.FuzzInput;
import dev.sessiongate.testing.StubRequest;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.client.Request;

/**
 * Fuzzes the upstream request of a forwarded request: {@link GatewayServlet#rewriteTarget} (its
 * path, or null for a 400) and {@link GatewayServlet#newProxyRequest} (origin and query). It goes
 * to {@code upstream.url}'s origin, its path starts with the URL's base path and never leaves it
 * however the upstream resolves it (as Jetty, as Tomcat, or decoding every escape first, as nginx does),
 * and the raw query comes out byte for byte.
 *
 * <p>The requests are ones a container dispatches to the gateway: the raw path is served by the
 * container named (Jetty's default URI compliance, or Tomcat's default connector) and lies in the
 * context, and {@code getContextPath()} is what that container answers (Jetty: the configured
 * path; Tomcat: the raw prefix that matched it). An input is text: line 1 {@code jetty} or
 * {@code tomcat} and, optionally, a context path; line 2 the raw request path (with the context
 * path); line 3, if present, the raw query. Recorded inputs: {@code GatewayTargetFuzzTestInputs/}.
 */
class GatewayTargetFuzzTest {
    /** Upstream URLs with and without a base path; the servlets live for the whole run. */
    private static final String ORIGIN = "http://127.0.0.1:9";
    private static final List<String> UPSTREAMS = List.of(ORIGIN + "/base", ORIGIN);
    private static final Pattern RAW_PARAMETERS = Pattern.compile(";[^/]*");
    private static final Pattern LEADING_SLASHES = Pattern.compile("^/+");
    private static final Pattern CONTEXT = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    /** Visible characters but '#': what a container passes on as a query (its own checks vary). */
    private static final Pattern QUERY = Pattern.compile("[\\x21-\\x7E\\u00A0-\\uFFFF&&[^#]]*");
    private static final Map<String, GatewayServlet> SERVLETS = new ConcurrentHashMap<>();

    @FuzzTest
    void staysUnderTheUpstreamBase(byte[] data) throws ServletException {
        List<String> lines = FuzzInput.lines(data);
        String[] words = FuzzInput.line(lines, 0).trim().split(" ");
        boolean tomcat = words[0].equals("tomcat");
        String context = words.length > 1 && CONTEXT.matcher(words[1]).matches() ? words[1] : "";
        String raw = FuzzInput.line(lines, 1);
        String query = lines.size() > 2 ? lines.get(2) : null;
        if (query != null && !QUERY.matcher(query).matches()) {
            return; // no container passes such a query on
        }
        Optional<String> served = tomcat
                ? ContainerPaths.tomcat(raw).map(path -> new String(path, StandardCharsets.UTF_8))
                : ContainerPaths.jettyServes(raw);
        if (served.isEmpty() || !(served.get().equals(context) || served.get().startsWith(context + "/"))) {
            return; // refused, or not dispatched to this context
        }
        String contextPath = tomcat ? rawContextPath(raw, context) : context;
        if (contextPath == null) {
            return;
        }
        String pathInfo = served.get().substring(context.length());
        StubRequest request = new StubRequest().requestUri(raw).contextPath(contextPath).queryString(query)
                .set("getServletPath", "").set("getPathInfo", pathInfo.isEmpty() ? null : pathInfo)
                .set("getMethod", "GET");

        for (String upstream : UPSTREAMS) {
            GatewayServlet servlet = servlet(upstream);
            String path = servlet.rewriteTarget(request.proxy());
            if (path == null) {
                continue; // 400: a path the normaliser refuses
            }
            String basePath = upstream.substring(ORIGIN.length());
            String what = upstream + " for " + request + ": " + path;
            // The context root itself (/ctx, no slash) is the base path, or / for an upstream.url
            // without one (it was "": the second finding of this target).
            assertThat(path).as(what).startsWith("/");
            assertThat(path.equals(basePath) || path.startsWith(basePath + "/")).as(what).isTrue();
            assertThat(path).as(what).doesNotContain("?").doesNotContain("#");
            if (!basePath.isEmpty()) {
                for (String resolved : resolutions(path)) {
                    assertThat(resolved.equals(basePath) || resolved.startsWith(basePath + "/"))
                            .as("the upstream resolves %s to %s, outside %s; %s", path, resolved, basePath, what)
                            .isTrue();
                }
            }
            Request proxied = servlet.newProxyRequest(request.proxy(), path);
            assertThat(proxied.getScheme() + "://" + proxied.getHost() + ":" + proxied.getPort()).as(what).isEqualTo(ORIGIN);
            assertThat(proxied.getPath()).as(what).isEqualTo(path);
            // The client's bytes, as Jetty's client writes them: one ISO-8859-1 char a byte.
            String wire = query == null ? null : new String(query.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            assertThat(proxied.getQuery()).as("the raw query, " + what).isEqualTo(wire);
        }
    }

    /**
     * The paths upstreams make of {@code path}: Jetty's, Tomcat's, and two that decode every escape
     * ({@code %2F} and {@code %5C} included) before resolving dot segments: one without path
     * parameters, as nginx, one that drops the raw {@code ;parameters} first, as Tomcat with
     * encoded slashes allowed. (Decoding {@code %3B} and then dropping a parameter is no server's
     * order: the first gateway run's only "escape", {@code /..%3BwM}, came from a model that did.)
     */
    private static List<String> resolutions(String path) {
        Optional<String> jetty = ContainerPaths.jetty(path);
        Optional<String> tomcat = ContainerPaths.tomcat(path).map(b -> new String(b, StandardCharsets.UTF_8));
        return Stream.of(Optional.ofNullable(decodeEverything(path)),
                        Optional.ofNullable(decodeEverything(RAW_PARAMETERS.matcher(path).replaceAll(""))), jetty, tomcat)
                .flatMap(Optional::stream).toList();
    }

    /**
     * {@code path} with every escape decoded, {@code \} read as {@code /}, and dot segments
     * resolved (above the root stays at the root); null for a malformed escape (a 400 there).
     */
    private static String decodeEverything(String path) {
        String decoded;
        try {
            decoded = new String(ContainerPaths.percentDecode(path), StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException e) {
            return null;
        }
        Deque<String> kept = new ArrayDeque<>();
        for (String segment : decoded.replace('\\', '/').split("/")) {
            if (segment.equals("..")) {
                kept.pollLast();
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                kept.addLast(segment);
            }
        }
        return "/" + String.join("/", kept);
    }

    /**
     * Tomcat's getContextPath() (Request.java): leading slashes cut to one, then the shortest raw
     * prefix, ending at a '/', that it maps to {@code context}.
     */
    private static String rawContextPath(String raw, String context) {
        if (context.isEmpty()) {
            return "";
        }
        String uri = LEADING_SLASHES.matcher(raw).replaceFirst("/");
        byte[] wanted = context.getBytes(StandardCharsets.UTF_8);
        for (int end = 1; end <= uri.length(); end++) {
            if (end == uri.length() || uri.charAt(end) == '/') {
                Optional<byte[]> prefix = ContainerPaths.tomcat(uri.substring(0, end));
                if (prefix.isPresent() && Arrays.equals(prefix.get(), wanted)) {
                    return uri.substring(0, end);
                }
            }
        }
        return null;
    }

    /** What a stub answers when it knows nothing better: null, or zero for a primitive. */
    private static Object zero(Class<?> type) {
        if (!type.isPrimitive() || type == void.class) {
            return null;
        }
        return type == boolean.class ? Boolean.FALSE : java.lang.reflect.Array.get(java.lang.reflect.Array.newInstance(type, 1), 0);
    }

    /** A gateway initialised as the WAR does it, over a SessionGate with {@code upstream.url}. */
    private static GatewayServlet servlet(String upstream) throws ServletException {
        GatewayServlet servlet = SERVLETS.get(upstream);
        if (servlet == null) {
            SessionGate gate = SessionGate.builder()
                    .set("key.secret", Fixtures.SECRET)
                    .set("upstream.url", upstream)
                    .authenticator(new AcceptingAuthenticator())
                    .build();
            Map<String, Object> attributes = new ConcurrentHashMap<>(Map.of(SessionGate.CONTEXT_ATTRIBUTE, gate));
            ServletContext context = (ServletContext) Proxy.newProxyInstance(GatewayTargetFuzzTest.class.getClassLoader(),
                    new Class<?>[] {ServletContext.class}, (self, method, args) -> switch (method.getName()) {
                        case "getAttribute" -> attributes.get((String) args[0]);
                        case "setAttribute" -> attributes.put((String) args[0], args[1]);
                        case "getAttributeNames", "getInitParameterNames" -> Collections.emptyEnumeration();
                        case "getContextPath" -> "";
                        case "toString" -> "stub ServletContext";
                        default -> zero(method.getReturnType());
                    });
            ServletConfig config = (ServletConfig) Proxy.newProxyInstance(GatewayTargetFuzzTest.class.getClassLoader(),
                    new Class<?>[] {ServletConfig.class}, (self, method, args) -> switch (method.getName()) {
                        case "getServletName" -> "gateway";
                        case "getServletContext" -> context;
                        case "getInitParameterNames" -> Collections.emptyEnumeration();
                        default -> zero(method.getReturnType());
                    });
            servlet = new GatewayServlet();
            servlet.init(config);
            SERVLETS.put(upstream, servlet);
        }
        return servlet;
    }
}
