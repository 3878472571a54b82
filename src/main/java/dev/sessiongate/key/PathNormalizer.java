package dev.sessiongate.key;

import java.util.ArrayList;
import java.util.List;

/**
 * Normalises a request path before it is hashed into the user key, so that {@code /api//x},
 * {@code /api/./x}, {@code /api/y/../x} and {@code /api/x;jsessionid=1} are one path.
 */
public final class PathNormalizer {
    private PathNormalizer() {
    }

    /**
     * The normal form of the raw path {@code uri}: path parameters removed, empty and {@code .}
     * segments dropped, {@code ..} resolved.
     *
     * @throws IllegalArgumentException when {@code ..} climbs above the root
     */
    public static String normalize(String uri) {
        if (uri.isEmpty()) {
            return "/";
        }
        return isNormal(uri) ? uri : slowNormalize(uri);
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

    private static boolean isNormal(String uri) {
        if (uri.charAt(0) != '/') {
            return false;
        }
        char previous = 0;
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == ';' || c == '%' || (previous == '/' && (c == '/' || c == '.'))) {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static String slowNormalize(String uri) {
        List<String> kept = new ArrayList<>();
        String[] segments = uri.split("/", -1);
        boolean trailingSlash = false;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            int semicolon = segment.indexOf(';');
            if (semicolon >= 0) {
                segment = segment.substring(0, semicolon);
            }
            String decoded = segment.replace("%2e", ".").replace("%2E", ".");
            boolean last = i == segments.length - 1;
            if (decoded.isEmpty() || decoded.equals(".")) {
                trailingSlash = last && i > 0;
            } else if (decoded.equals("..")) {
                if (kept.isEmpty()) {
                    throw new IllegalArgumentException("path climbs above the root");
                }
                kept.remove(kept.size() - 1);
                trailingSlash = last;
            } else {
                kept.add(segment);
                trailingSlash = false;
            }
        }
        StringBuilder out = new StringBuilder(uri.length());
        for (String segment : kept) {
            out.append('/').append(segment);
        }
        if (trailingSlash || out.length() == 0) {
            out.append('/');
        }
        return out.toString();
    }
}
