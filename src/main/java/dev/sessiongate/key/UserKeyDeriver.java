package dev.sessiongate.key;

import dev.sessiongate.util.Secret;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Derives the {@link UserKey} of a request: HMAC-SHA-256, keyed with {@code key.secret}, over
 * the user name and the configured {@link KeyPart}s.
 *
 * <p>Each part enters the MAC as a tag byte, a length and the bytes, so no two different inputs
 * share an encoding ({@code user "ab" + path "/c"} is not {@code user "a" + path "b/c"}); an
 * absent header is a length no real value has. Macs and their buffers are reused from a few
 * lock-free slots, so the hot path allocates only the key itself; no ThreadLocal, so nothing of a
 * request (the buffer held {@code user:password}) or of the webapp stays on a container's threads
 * after the request or after an undeploy.
 */
public final class UserKeyDeriver {
    private static final byte ABSENT = (byte) 0xFF;

    private final KeyPart[] parts;
    private final SecretKeySpec spec;
    /** Idle states, picked by thread id: a thread nearly always finds the one it left. */
    private final AtomicReferenceArray<State> idle;
    private final int mask;

    public UserKeyDeriver(Secret secret, List<KeyPart> parts) {
        this.parts = parts.toArray(new KeyPart[0]);
        byte[] key = secret.bytes();
        this.spec = new SecretKeySpec(key, "HmacSHA256");
        Arrays.fill(key, (byte) 0);
        int slots = Integer.highestOneBit(Math.max(8, 4 * Runtime.getRuntime().availableProcessors()) - 1) << 1;
        this.idle = new AtomicReferenceArray<>(slots);
        this.mask = slots - 1;
    }

    /**
     * The key of a request whose decoded Basic credentials are {@code credentials}
     * ({@code user:password}, the colon at {@code colon}).
     *
     * @param clientIp the resolved client IP
     * @param path     the normalised path
     */
    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
    public UserKey derive(byte[] credentials, int colon, String clientIp, String path, HttpServletRequest request) {
        int slot = (int) Thread.currentThread().getId() & mask;
        State s = idle.getAndSet(slot, null);
        if (s == null) {
            s = new State(spec);
        }
        try {
            return derive(s, credentials, colon, clientIp, path, request);
        } finally {
            s.clear();
            idle.set(slot, s);
        }
    }

    /**
     * The key of a request authenticated by its client certificate: the certificate's SHA-256
     * {@code fingerprint} stands in for both the user name and the password, under a tag of its
     * own, so that no certificate's key is ever a Basic user's key; the other parts as for Basic.
     */
    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
    public UserKey deriveForCertificate(byte[] fingerprint, String clientIp, String path, HttpServletRequest request) {
        int slot = (int) Thread.currentThread().getId() & mask;
        State s = idle.getAndSet(slot, null);
        if (s == null) {
            s = new State(spec);
        }
        try {
            s.bytes('c', fingerprint, 0, fingerprint.length);
            return parts(s, null, 0, clientIp, path, request);
        } finally {
            s.clear();
            idle.set(slot, s);
        }
    }

    private UserKey derive(State s, byte[] credentials, int colon, String clientIp, String path,
                           HttpServletRequest request) {
        s.bytes('u', credentials, 0, colon);
        return parts(s, credentials, colon, clientIp, path, request);
    }

    /** Adds the key parts; {@code credentials} is {@code null} for a certificate, whose fingerprint is in already. */
    private UserKey parts(State s, byte[] credentials, int colon, String clientIp, String path,
                          HttpServletRequest request) {
        for (KeyPart part : parts) {
            switch (part.kind()) {
                case PASSWORD -> {
                    if (credentials != null) {
                        s.bytes('p', credentials, colon + 1, credentials.length - colon - 1);
                    }
                }
                case CLIENT_IP -> s.text('i', clientIp);
                case PATH -> s.text('a', path);
                case METHOD -> s.text('m', request.getMethod());
                case PATH_PREFIX -> s.text('x', PathNormalizer.prefix(path, part.segments()));
                case HEADER -> s.text('h', request.getHeader(part.header()));
            }
        }
        return s.finish();
    }

    /** Whether every idle state's buffer is all zeros: no credential is left behind (for tests). */
    boolean holdsNoMessage() {
        for (int i = 0; i < idle.length(); i++) {
            State s = idle.get(i);
            if (s != null && !s.isClear()) {
                return false;
            }
        }
        return true;
    }

    /**
     * A Mac and its message buffer. The whole message is assembled first and handed to the
     * Mac in one call: per-byte {@code Mac.update} calls cost more than the hashing itself.
     */
    private static final class State {
        final Mac mac;
        byte[] buffer = new byte[256];
        int length;

        State(SecretKeySpec spec) {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(spec);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }

        /** Tag, length (2 bytes below 32 KiB, else 4 with the top bit set), bytes. */
        void bytes(char tag, byte[] source, int offset, int count) {
            ensure(count + 5);
            header(tag, count);
            System.arraycopy(source, offset, buffer, length, count);
            length += count;
        }

        void text(char tag, String value) {
            if (value == null) {
                ensure(1 + 2);
                buffer[length++] = (byte) tag;
                buffer[length++] = ABSENT;
                buffer[length++] = ABSENT;
                return;
            }
            int n = value.length();
            ensure(n + 5);
            int start = length;
            header(tag, n);
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c >= 0x80) {
                    length = start;
                    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                    bytes(tag, utf8, 0, utf8.length);
                    return;
                }
                buffer[length++] = (byte) c;
            }
        }

        private void header(char tag, int count) {
            buffer[length++] = (byte) tag;
            if (count < 0x8000) {
                buffer[length++] = (byte) (count >>> 8);
                buffer[length++] = (byte) count;
            } else {
                buffer[length++] = (byte) ((count >>> 24) | 0x80);
                buffer[length++] = (byte) (count >>> 16);
                buffer[length++] = (byte) (count >>> 8);
                buffer[length++] = (byte) count;
            }
        }

        private void ensure(int more) {
            if (length + more > buffer.length) {
                byte[] old = buffer;
                buffer = Arrays.copyOf(old, Math.max(old.length * 2, length + more));
                Arrays.fill(old, (byte) 0);
            }
        }

        /** Forgets the message (the user name and password) and the MAC. */
        void clear() {
            Arrays.fill(buffer, 0, Math.max(length, 32), (byte) 0);
            length = 0;
        }

        /** Whether no byte of a message is left, for tests. */
        boolean isClear() {
            for (byte b : buffer) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }

        UserKey finish() {
            mac.update(buffer, 0, length);
            ensure(32);
            try {
                mac.doFinal(buffer, 0);
            } catch (ShortBufferException e) {
                throw new IllegalStateException(e);
            }
            return new UserKey(longAt(0), longAt(8), longAt(16), longAt(24));
        }

        private long longAt(int offset) {
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = (value << 8) | (buffer[offset + i] & 0xFF);
            }
            return value;
        }
    }
}
