package dev.sessiongate.key;

import dev.sessiongate.config.Secret;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Derives the {@link UserKey} of a request: HMAC-SHA-256, keyed with {@code key.secret}, over
 * the user name and the configured {@link KeyPart}s.
 *
 * <p>Each part enters the MAC as a tag byte, a length and the bytes, so no two different inputs
 * share an encoding ({@code user "ab" + path "/c"} is not {@code user "a" + path "b/c"}). The Mac
 * and its scratch buffer are per thread, so the hot path allocates only the key itself.
 */
public final class UserKeyDeriver {
    private static final byte ABSENT = (byte) 0xFF;

    private final KeyPart[] parts;
    private final ThreadLocal<State> state;

    public UserKeyDeriver(Secret secret, List<KeyPart> parts) {
        this.parts = parts.toArray(new KeyPart[0]);
        byte[] key = secret.bytes();
        SecretKeySpec spec = new SecretKeySpec(key, "HmacSHA256");
        Arrays.fill(key, (byte) 0);
        this.state = ThreadLocal.withInitial(() -> new State(spec));
    }

    /**
     * The key of a request whose decoded Basic credentials are {@code credentials}
     * ({@code user:password}, the colon at {@code colon}).
     *
     * @param clientIp the resolved client IP
     * @param path     the normalised path
     */
    public UserKey derive(byte[] credentials, int colon, String clientIp, String path, HttpServletRequest request) {
        State s = state.get();
        Mac mac = s.mac;
        field(mac, 'u', credentials, 0, colon);
        for (KeyPart part : parts) {
            switch (part.kind()) {
                case PASSWORD -> field(mac, 'p', credentials, colon + 1, credentials.length - colon - 1);
                case CLIENT_IP -> s.text(mac, 'i', clientIp);
                case PATH -> s.text(mac, 'a', path);
                case METHOD -> s.text(mac, 'm', request.getMethod());
                case PATH_PREFIX -> s.text(mac, 'x', PathNormalizer.prefix(path, part.segments()));
                case HEADER -> s.text(mac, 'h', request.getHeader(part.header()));
            }
        }
        return s.finish();
    }

    private static void field(Mac mac, char tag, byte[] bytes, int offset, int length) {
        mac.update((byte) tag);
        mac.update((byte) (length >>> 24));
        mac.update((byte) (length >>> 16));
        mac.update((byte) (length >>> 8));
        mac.update((byte) length);
        mac.update(bytes, offset, length);
    }

    /** A thread's Mac and scratch space. */
    private static final class State {
        final Mac mac;
        byte[] scratch = new byte[256];

        State(SecretKeySpec spec) {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(spec);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        }

        void text(Mac mac, char tag, String value) {
            if (value == null) {
                mac.update((byte) tag);
                mac.update(ABSENT);
                return;
            }
            int n = value.length();
            if (n > scratch.length) {
                scratch = new byte[Math.max(n, scratch.length * 2)];
            }
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (c >= 0x80) {
                    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                    field(mac, tag, utf8, 0, utf8.length);
                    return;
                }
                scratch[i] = (byte) c;
            }
            field(mac, tag, scratch, 0, n);
        }

        UserKey finish() {
            try {
                mac.doFinal(scratch, 0);
            } catch (ShortBufferException e) {
                throw new IllegalStateException(e);
            }
            return new UserKey(longAt(0), longAt(8), longAt(16), longAt(24));
        }

        private long longAt(int offset) {
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = (value << 8) | (scratch[offset + i] & 0xFF);
            }
            return value;
        }
    }
}
