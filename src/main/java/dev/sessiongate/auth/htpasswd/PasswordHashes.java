package dev.sessiongate.auth.htpasswd;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
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
     * A bcrypt hash (cost 10) of a random password: the dummy of a file with no usable line, and
     * the salt and checksum of every bcrypt dummy (see {@link #dummyFor}).
     */
    static final String DUMMY_HASH = "$2y$10$IRPIkkzcPelYdFn9h2/i1.99d6Gl/eTn2HuwxKiyr2D7QrBN6Wb/O";

    private static final String CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

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

    /**
     * What a check of {@code hash} costs, as the part of it that sets the cost: the scheme and,
     * for bcrypt and SHA-crypt, the cost or rounds ({@code $2y$12$}, {@code $5$rounds=8000$},
     * {@code $apr1$}). The three bcrypt versions cost the same and are one kind.
     */
    static String kind(String hash) {
        if (isBcrypt(hash)) {
            return hash.length() >= 7 ? "$2y$" + hash.substring(4, 7) : hash;
        }
        if ((hash.startsWith("$5$") || hash.startsWith("$6$")) && hash.startsWith("rounds=", 3)) {
            int end = hash.indexOf('$', 3);
            return end < 0 ? hash : hash.substring(0, end + 1);
        }
        for (String scheme : new String[] {"$apr1$", "$5$", "$6$", "{SHA}"}) {
            if (hash.startsWith(scheme)) {
                return scheme;
            }
        }
        return hash;
    }

    /**
     * A hash of the most common {@linkplain #kind kind} among {@code hashes} (of equally common
     * ones, the one that sorts last: for bcrypt, the costlier), that no password matches: checked for unknown users so that an
     * unknown user costs as much time as a wrong password of most users. A fixed cost would tell
     * an unknown user from a known one whenever the file's users have another (cost 12: 4 times
     * the time of cost 10). Made without hashing anything, so a file of costly hashes costs no
     * time to reload: the checksum is random, and the check recomputes it from the salt all the same.
     */
    static String dummyFor(Collection<String> hashes) {
        Map<String, Integer> counts = new HashMap<>();
        for (String hash : hashes) {
            counts.merge(kind(hash), 1, Integer::sum);
        }
        String kind = counts.entrySet().stream()
                .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).orElse(kind(DUMMY_HASH));
        if (kind.startsWith("$2y$")) {
            return kind + DUMMY_HASH.substring(7);
        }
        if (kind.equals("$apr1$")) {
            return "$apr1$" + random(8) + "$" + random(22);
        }
        if (kind.startsWith("$5$")) {
            return kind + random(16) + "$" + random(43);
        }
        if (kind.startsWith("$6$")) {
            return kind + random(16) + "$" + random(86);
        }
        if (kind.equals("{SHA}")) {
            byte[] digest = new byte[20];
            RANDOM.nextBytes(digest);
            return "{SHA}" + Base64.getEncoder().encodeToString(digest);
        }
        return DUMMY_HASH;
    }

    private static String random(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(CRYPT_ALPHABET.charAt(RANDOM.nextInt(CRYPT_ALPHABET.length())));
        }
        return text.toString();
    }

    private static boolean isBcrypt(String hash) {
        return hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$");
    }

    private static boolean equal(String computed, String stored) {
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), stored.getBytes(StandardCharsets.US_ASCII));
    }
}
