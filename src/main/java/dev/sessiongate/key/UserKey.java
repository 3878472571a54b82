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
