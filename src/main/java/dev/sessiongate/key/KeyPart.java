package dev.sessiongate.key;

import java.util.Locale;

/**
 * One ingredient of the user key besides the user name, as listed in {@code key.parts}:
 * {@code password}, {@code client-ip}, {@code path}, {@code method}, {@code path-prefix:N} or
 * {@code header:NAME}.
 *
 * @param kind     what the part reads from the request
 * @param segments for {@link Kind#PATH_PREFIX}, how many leading path segments count
 * @param header   for {@link Kind#HEADER}, the header name
 */
public record KeyPart(Kind kind, int segments, String header) {

    /** What a key part reads from the request. */
    public enum Kind { PASSWORD, CLIENT_IP, PATH, METHOD, PATH_PREFIX, HEADER }

    /**
     * Parses one entry of {@code key.parts}.
     *
     * @throws IllegalArgumentException with a reason, when the entry is not a known part
     */
    public static KeyPart parse(String text) {
        String part = text.trim().toLowerCase(Locale.ROOT);
        switch (part) {
            case "password": return new KeyPart(Kind.PASSWORD, 0, null);
            case "client-ip": return new KeyPart(Kind.CLIENT_IP, 0, null);
            case "path": return new KeyPart(Kind.PATH, 0, null);
            case "method": return new KeyPart(Kind.METHOD, 0, null);
            default: break;
        }
        if (part.startsWith("path-prefix:")) {
            int n;
            try {
                n = Integer.parseInt(part.substring("path-prefix:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("path-prefix needs a number of segments, as in path-prefix:2");
            }
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("path-prefix segments must be between 1 and 64");
            }
            return new KeyPart(Kind.PATH_PREFIX, n, null);
        }
        if (part.startsWith("header:")) {
            String name = text.trim().substring("header:".length()).trim();
            if (name.isEmpty() || !isToken(name)) {
                throw new IllegalArgumentException("header: needs a header name, as in header:X-Tenant");
            }
            return new KeyPart(Kind.HEADER, 0, name);
        }
        throw new IllegalArgumentException(
                "unknown key part '" + text.trim() + "' (known: password, client-ip, path, method, path-prefix:N, header:NAME)");
    }

    private static boolean isToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        switch (kind) {
            case PATH_PREFIX: return "path-prefix:" + segments;
            case HEADER: return "header:" + header;
            default: return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
