package dev.sessiongate.testing;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fake {@link HttpServletRequest} for fuzz targets, which need thousands of requests a second:
 * headers (names in any letter case, each possibly repeated) and the few plain getters set here.
 * Every other method throws, so a target that starts to depend on one says so at once.
 */
public final class StubRequest {
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private final Map<String, Object> getters = new HashMap<>();

    public StubRequest remoteAddr(String address) {
        return set("getRemoteAddr", address);
    }

    public StubRequest requestUri(String uri) {
        return set("getRequestURI", uri);
    }

    public StubRequest contextPath(String path) {
        return set("getContextPath", path);
    }

    /** The raw query, or {@code null} for none. */
    public StubRequest queryString(String query) {
        return set("getQueryString", query);
    }

    /** Any other no-argument getter, e.g. {@code set("getServletPath", "")}. */
    public StubRequest set(String getter, Object value) {
        getters.put(getter, value);
        return this;
    }

    /** Adds one header line; a repeated name adds a line, as a client may send. */
    public StubRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
        return this;
    }

    /** The values of every line of header {@code name}, in order. */
    public List<String> values(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    public HttpServletRequest proxy() {
        return (HttpServletRequest) Proxy.newProxyInstance(StubRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (self, method, args) -> {
                    String name = method.getName();
                    int arity = args == null ? 0 : args.length;
                    if (name.equals("getHeader") && arity == 1) {
                        List<String> values = values((String) args[0]);
                        return values.isEmpty() ? null : values.get(0);
                    }
                    if (name.equals("getHeaders") && arity == 1) {
                        return Collections.enumeration(values((String) args[0]));
                    }
                    if (name.equals("getHeaderNames") && arity == 0) {
                        return Collections.enumeration(headers.keySet());
                    }
                    if (arity == 0 && getters.containsKey(name)) {
                        return getters.get(name);
                    }
                    if (name.equals("toString") && arity == 0) {
                        return toString();
                    }
                    throw new UnsupportedOperationException("StubRequest has no " + method);
                });
    }

    @Override
    public String toString() {
        return "StubRequest" + getters + headers;
    }
}
