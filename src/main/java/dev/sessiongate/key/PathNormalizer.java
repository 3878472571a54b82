package dev.sessiongate.key;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalises a raw request path the way Jetty and Tomcat do before they dispatch it, but keeps it
 * percent-encoded: {@code /api//x}, {@code /api/./x}, {@code /api/y/../x}, {@code /api/y/%2e%2e/x},
 * {@code /api/y/..;/x} and {@code /api/x;jsessionid=1} are all {@code /api/x}.
 *
 * <p>The result is what the user key hashes and what the gateway forwards, so a path means one
 * thing to SessionGate, to the container and to the upstream. Percent-decoding the result gives
 * the path the container dispatched (for every path the container accepts).
 */
public final class PathNormalizer {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** Characters a path segment may hold as they are (RFC 3986 pchar without '%' and ';'). */
    private static final boolean[] PLAIN = new boolean[128];
    /** Characters that need no percent-encoding at all (RFC 3986 unreserved). */
    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
            UNRESERVED[Character.toUpperCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
        System.arraycopy(UNRESERVED, 0, PLAIN, 0, 128);
        for (char c : "!$&'()*+,=:@".toCharArray()) {
            PLAIN[c] = true;
        }
    }

    private PathNormalizer() {
    }

    /**
     * The normal form of the raw, percent-encoded path {@code rawPath}: {@code ;parameters}
     * removed from every segment, empty segments dropped, {@code .} and {@code ..} (plain or
     * percent-encoded) resolved, unreserved characters decoded, other escapes in upper case, and
     * characters that may not stand in a path (space, quotes, non-ASCII…) percent-encoded as
     * UTF-8. An encoded slash ({@code %2F}) stays encoded: it is part of its segment.
     *
     * @throws IllegalArgumentException when the path is not absolute, climbs above the root, or
     *                                  holds a control character, a backslash (plain or encoded)
     *                                  or a malformed escape
     */
    public static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        return isNormal(rawPath) ? rawPath : slowNormalize(rawPath);
    }

    /**
     * The first {@code segments} segments of a normalised path, e.g. {@code /api/orders} for
     * {@code /api/orders/17} and 2.
     */
    public static String prefix(String normalPath, int segments) {
        int seen = 0;
        for (int i = 1; i < normalPath.length(); i++) {
            if (normalPath.charAt(i) == '/' && ++seen == segments) {
                return normalPath.substring(0, i);
            }
        }
        return normalPath;
    }

    /** The common case, with no allocation: plain characters and no dot or empty segment. */
    private static boolean isNormal(String path) {
        if (path.charAt(0) != '/') {
            return false;
        }
        char previous = '/';
        for (int i = 1; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = c == '/' ? previous != '/' : c < 128 && PLAIN[c] && !(c == '.' && previous == '/');
            if (!ok) {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static String slowNormalize(String path) {
        if (path.charAt(0) != '/') {
            throw new IllegalArgumentException("not an absolute path");
        }
        List<String> kept = new ArrayList<>();
        boolean trailingSlash = false;
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            boolean last = end == path.length();
            String segment = segment(path, start, end);
            if (segment.isEmpty() || segment.equals(".")) {
                trailingSlash = last;
            } else if (segment.equals("..")) {
                if (kept.isEmpty()) {
                    throw new IllegalArgumentException("path climbs above the root");
                }
                kept.remove(kept.size() - 1);
                trailingSlash = last;
            } else {
                kept.add(segment);
                trailingSlash = false;
            }
            start = end + 1;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String segment : kept) {
            out.append('/').append(segment);
        }
        if (trailingSlash || out.length() == 0) {
            out.append('/');
        }
        return out.toString();
    }

    /** One segment in normal form, without its {@code ;parameters}. */
    private static String segment(String path, int start, int end) {
        StringBuilder out = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = path.charAt(i);
            if (c == ';') {
                break; // path parameters: ;jsessionid=…, and the ..;/ trick
            }
            if (c == '%') {
                int value = i + 2 < end ? hex(path.charAt(i + 1)) << 4 | hex(path.charAt(i + 2)) : -1;
                if (value < 0) {
                    throw new IllegalArgumentException("malformed percent-encoding");
                }
                appendByte(out, value, true);
                i += 2;
            } else if (c < 128) {
                appendByte(out, c, false);
            } else {
                int next = Character.isHighSurrogate(c) && i + 1 < end ? i + 2 : i + 1;
                for (byte b : path.substring(i, next).getBytes(StandardCharsets.UTF_8)) {
                    appendByte(out, b & 0xFF, false);
                }
                i = next - 1;
            }
        }
        return out.toString();
    }

    /**
     * Appends one byte of a segment: unreserved characters plain, other characters plain only if
     * the client sent them plain (an escaped {@code %3D} is not the same as {@code =} to every
     * application, RFC 3986 §6.2.2.2), everything else as an escape.
     */
    private static void appendByte(StringBuilder out, int b, boolean wasEscaped) {
        if (b < 0x20 || b == 0x7F) {
            throw new IllegalArgumentException("control character in path");
        }
        if (b == '\\') {
            throw new IllegalArgumentException("backslash in path");
        }
        if (b < 128 && (UNRESERVED[b] || (PLAIN[b] && !wasEscaped))) {
            out.append((char) b);
        } else {
            out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
        }
    }

    private static int hex(char c) {
        int digit = Character.digit(c, 16);
        return c < 128 ? digit : -1;
    }
}
