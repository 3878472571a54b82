package dev.sessiongate.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The wrong guesses already counted against a user and IP in the failure window, so that a client
 * repeating one (Java's {@code HttpClient} sends a refused password four times per request) is
 * counted once. Never the password: a keyed hash of it (HMAC-SHA-256 under a key made at start and
 * never stored or logged, so the hashes cannot be tested against a list of passwords offline),
 * shortened to 128 bits, in a bounded cache that forgets it with the window. Bounded, a flood of
 * distinct guesses can only make repeats count again: the safe side.
 */
final class CountedGuesses {
    private static final String MAC = "HmacSHA256";

    private final Cache<String, Boolean> counted;
    private final SecretKeySpec key;

    CountedGuesses(Duration window, Ticker ticker) {
        this.counted = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).ticker(ticker).build();
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.key = new SecretKeySpec(random, MAC); // keeps a copy
        Arrays.fill(random, (byte) 0);
    }

    /**
     * Whether this is the first time in the window that {@code password} failed for
     * {@code subject} (the user name as typed and the IP): true once per distinct guess.
     */
    boolean first(String subject, Password password) {
        return counted.asMap().putIfAbsent(hash(subject, password), Boolean.TRUE) == null;
    }

    private String hash(String subject, Password password) {
        try {
            Mac mac = Mac.getInstance(MAC); // not thread-safe; one per failure is cheap beside the check
            mac.init(key);
            byte[] name = subject.getBytes(StandardCharsets.UTF_8);
            mac.update(ByteBuffer.allocate(4).putInt(name.length).array()); // no subject can run into the password
            mac.update(name);
            mac.update(password.bytes());
            return Base64.getEncoder().encodeToString(Arrays.copyOf(mac.doFinal(), 16));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC + " is not available", e);
        }
    }
}
