package dev.sessiongate.key;

/**
 * The 256-bit HMAC that identifies one cached session: the user with the same password, from
 * the same client IP, on the same path (or whatever {@code key.parts} says).
 *
 * <p>Held as four longs so that a key is one small object with a cheap {@code hashCode}.
 */
public record UserKey(long a, long b, long c, long d) {

    @Override
    public int hashCode() {
        // The bits are already uniformly distributed by HMAC-SHA-256.
        return (int) a;
    }

    /** The key as 64 hex digits (the cluster's Redis keys and messages name sessions by it). */
    public String hex() {
        return hex64(a) + hex64(b) + hex64(c) + hex64(d);
    }

    private static String hex64(long value) {
        String hex = Long.toHexString(value);
        return "0000000000000000".substring(hex.length()) + hex;
    }

    /** The key of 64 hex digits (as {@link #hex()} writes, or a SHA-256 in hex), or {@code null}. */
    public static UserKey fromHex(String hex) {
        if (hex == null || hex.length() != 64) {
            return null;
        }
        try {
            return new UserKey(Long.parseUnsignedLong(hex, 0, 16, 16), Long.parseUnsignedLong(hex, 16, 32, 16),
                    Long.parseUnsignedLong(hex, 32, 48, 16), Long.parseUnsignedLong(hex, 48, 64, 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A short, non-reversible tag for logs: the first 48 bits in hex. */
    public String tag() {
        String hex = Long.toHexString(a >>> 16);
        return "000000000000".substring(hex.length()) + hex;
    }

    @Override
    public String toString() {
        return "UserKey[" + tag() + "]";
    }
}
