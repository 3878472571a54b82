package dev.sessiongate.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Key material from the configuration, kept as bytes and never printed.
 *
 * <p>{@link #toString()} is redacted so that a secret cannot leak through a log line, an
 * exception message or a debugger's string view of the configuration.
 */
public final class Secret {
    private final byte[] bytes;

    private Secret(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A secret from configuration text, taken as its UTF-8 bytes. */
    public static Secret of(String text) {
        return new Secret(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A secret of these bytes (copied), as agreed with the other nodes of a cluster. */
    public static Secret ofBytes(byte[] bytes) {
        return new Secret(bytes.clone());
    }

    /** A fresh secret of {@code length} bytes from {@link SecureRandom}. */
    public static Secret generate(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return new Secret(bytes);
    }

    /** A copy of the secret's bytes; the caller should clear it when done. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Whether {@code candidate} is this secret, in time that depends on neither: both are hashed
     * with SHA-256 first, so not even their lengths are compared directly.
     */
    public boolean matches(byte[] candidate) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] expected = sha256.digest(bytes);
            return MessageDigest.isEqual(expected, sha256.digest(candidate));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret that && MessageDigest.isEqual(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
