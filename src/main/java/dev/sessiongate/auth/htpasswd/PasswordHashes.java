package dev.sessiongate.auth.htpasswd;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;

/**
 * Verifies a password against one htpasswd hash: bcrypt ({@code $2y$}, {@code $2a$},
 * {@code $2b$}), Apache MD5 ({@code $apr1$}), SHA-crypt ({@code $5$}, {@code $6$}) and
 * {@code {SHA}}. The algorithms come from at.favre bcrypt and commons-codec; results are compared
 * in constant time.
 */
final class PasswordHashes {
    /**
     * A bcrypt hash (cost 10) of a random password, checked against for unknown users so that an
     * unknown user costs as much time as a wrong password.
     */
    static final String DUMMY_HASH = "$2y$10$IRPIkkzcPelYdFn9h2/i1.99d6Gl/eTn2HuwxKiyr2D7QrBN6Wb/O";

    // Apache's htpasswd, like OpenBSD, uses only the first 72 bytes of a password.
    private static final BCrypt.Verifyer BCRYPT =
            BCrypt.verifyer(BCrypt.Version.VERSION_2A, LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));

    private PasswordHashes() {
    }

    /** Whether this version can check {@code hash}. */
    static boolean isSupported(String hash) {
        return isBcrypt(hash) || hash.startsWith("$apr1$") || hash.startsWith("$5$")
                || hash.startsWith("$6$") || hash.startsWith("{SHA}");
    }

    /** Whether {@code password} matches {@code hash}; false for any hash it cannot read. */
    static boolean matches(byte[] password, String hash) {
        try {
            if (isBcrypt(hash)) {
                return BCRYPT.verify(password, hash.getBytes(StandardCharsets.US_ASCII)).verified;
            }
            if (hash.startsWith("$apr1$")) {
                return equal(Md5Crypt.apr1Crypt(password, hash), hash);
            }
            if (hash.startsWith("$5$")) {
                return equal(Sha2Crypt.sha256Crypt(password, hash), hash);
            }
            if (hash.startsWith("$6$")) {
                return equal(Sha2Crypt.sha512Crypt(password, hash), hash);
            }
            if (hash.startsWith("{SHA}")) {
                byte[] expected = Base64.getDecoder().decode(hash.substring(5));
                return MessageDigest.isEqual(DigestUtils.sha1(password), expected);
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        return false;
    }

    private static boolean isBcrypt(String hash) {
        return hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$");
    }

    private static boolean equal(String computed, String stored) {
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), stored.getBytes(StandardCharsets.US_ASCII));
    }
}
