package dev.sessiongate.auth;

import java.util.Arrays;

/**
 * A password in flight, as UTF-8 bytes that are cleared as soon as the check is done; never a
 * {@code String}, and redacted by {@link #toString()}.
 */
public final class Password implements AutoCloseable {
    private final byte[] bytes;

    private Password(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code length} bytes of {@code source} from {@code offset}. */
    public static Password copyOf(byte[] source, int offset, int length) {
        return new Password(Arrays.copyOfRange(source, offset, offset + length));
    }

    /** The UTF-8 bytes themselves, not a copy: read them, do not keep them. */
    public byte[] bytes() {
        return bytes;
    }

    /** Overwrites the bytes with zeros. */
    @Override
    public void close() {
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public String toString() {
        return "Password[redacted]";
    }
}
