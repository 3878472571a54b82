package dev.sessiongate.filter;

import dev.sessiongate.auth.Password;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The user name and password of an {@code Authorization: Basic} header (RFC 7617), decoded and
 * checked, held as bytes so that the password never becomes a {@code String}.
 */
final class BasicCredentials {
    /** The longest decoded {@code user:password} accepted. */
    static final int MAX_BYTES = 4096;
    private static final int MAX_ENCODED = (MAX_BYTES + 2) / 3 * 4;

    private final byte[] decoded;
    private final int colon;
    private final boolean ascii;

    private BasicCredentials(byte[] decoded, int colon, boolean ascii) {
        this.decoded = decoded;
        this.colon = colon;
        this.ascii = ascii;
    }

    /**
     * Parses an {@code Authorization} header value.
     *
     * @throws RejectedException for another scheme or malformed credentials
     */
    static BasicCredentials parse(String header) {
        boolean basic = header.startsWith("Basic") || header.regionMatches(true, 0, "Basic", 0, 5);
        if (!basic || (header.length() > 5 && header.charAt(5) != ' ')) {
            throw new RejectedException(Rejection.UNSUPPORTED_SCHEME, null);
        }
        String token = header.substring(5).trim();
        if (token.isEmpty()) {
            throw malformed("The Basic scheme has no credentials after it.");
        }
        if (token.length() > MAX_ENCODED) {
            throw malformed("The credentials are longer than 4 KiB.");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw malformed("The credentials are not valid Base64.");
        }
        if (decoded.length > MAX_BYTES) {
            throw malformed("The credentials are longer than 4 KiB.");
        }
        int colon = -1;
        boolean ascii = true;
        for (int i = 0; i < decoded.length; i++) {
            int b = decoded[i] & 0xFF;
            if (b < 0x20 || b == 0x7F) {
                Arrays.fill(decoded, (byte) 0);
                throw malformed("The user name or password contains control characters.");
            }
            if (b >= 0x80) {
                ascii = false;
            } else if (b == ':' && colon < 0) {
                colon = i;
            }
        }
        if (colon < 0) {
            Arrays.fill(decoded, (byte) 0);
            throw malformed("The credentials have no ':' between user name and password.");
        }
        if (colon == 0) {
            Arrays.fill(decoded, (byte) 0);
            throw malformed("The user name is empty.");
        }
        if (!ascii && !isUtf8(decoded)) {
            Arrays.fill(decoded, (byte) 0);
            throw malformed("The credentials are not UTF-8.");
        }
        return new BasicCredentials(decoded, colon, ascii);
    }

    private static RejectedException malformed(String detail) {
        return new RejectedException(Rejection.MALFORMED_CREDENTIALS, detail);
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** {@code user:password} as UTF-8; read, do not keep. */
    byte[] bytes() {
        return decoded;
    }

    /** The index of the colon that ends the user name. */
    int colon() {
        return colon;
    }

    String user() {
        return new String(decoded, 0, colon, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    /** A copy of the password, for the authenticator; close it after use. */
    Password password() {
        return Password.copyOf(decoded, colon + 1, decoded.length - colon - 1);
    }

    /** Overwrites the decoded credentials with zeros. */
    void clear() {
        Arrays.fill(decoded, (byte) 0);
    }

    @Override
    public String toString() {
        return "BasicCredentials[redacted]";
    }
}
