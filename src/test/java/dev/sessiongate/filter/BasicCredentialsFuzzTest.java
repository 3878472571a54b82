package dev.sessiongate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sessiongate.auth.Password;
import dev.sessiongate.testing.FuzzInput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Fuzzes {@link BasicCredentials#parse}: it throws nothing but {@link RejectedException}, a parsed
 * header gives back exactly the bytes it carried, and no text a rejection or the credentials can
 * show ever holds the credentials. Recorded inputs: {@code BasicCredentialsFuzzTestInputs/}, each
 * the header value as text. See docs/fuzzing.md.
 */
class BasicCredentialsFuzzTest {
    /** Appended to the decoded credentials; no fixed message can contain it, only an echo of the input. */
    private static final String CANARY = "pw-canary-5e1f09";

    @FuzzTest
    void parsesOrRejectsWithoutLeaking(byte[] data) {
        // The input as the header itself: every scheme, spacing and Base64 oddity.
        check(FuzzInput.text(data), null);
        // The input as the decoded credentials: every byte sequence behind a valid Base64 token.
        byte[] decoded = Arrays.copyOf(data, data.length + CANARY.length());
        System.arraycopy(CANARY.getBytes(StandardCharsets.US_ASCII), 0, decoded, data.length, CANARY.length());
        check("Basic " + Base64.getEncoder().encodeToString(decoded), CANARY);
    }

    private static void check(String header, String secret) {
        BasicCredentials credentials;
        try {
            credentials = BasicCredentials.parse(header);
        } catch (RejectedException e) {
            // Any other exception escapes and is the finding.
            if (secret != null) {
                assertThat(e.getMessage()).doesNotContain(secret);
                assertThat(e.detail()).as("detail").doesNotContain(secret);
                assertThat(e.toString()).doesNotContain(secret);
            }
            return;
        }
        roundTrips(header, credentials);
        if (secret != null) {
            assertThat(credentials.toString()).doesNotContain(secret);
            try (Password password = credentials.password()) {
                assertThat(password.toString()).doesNotContain(secret);
            }
        }
        credentials.clear();
        assertThat(credentials.bytes()).containsOnly(0);
    }

    /** What was parsed is what the header carried: user, colon, password, byte for byte. */
    private static void roundTrips(String header, BasicCredentials credentials) {
        assertThat(header.regionMatches(true, 0, "Basic", 0, 5)).as("scheme of %s", header).isTrue();
        byte[] decoded = Base64.getDecoder().decode(header.substring(5).trim());
        assertThat(credentials.bytes()).isEqualTo(decoded);

        int colon = credentials.colon();
        assertThat(colon).isPositive();
        assertThat(decoded[colon]).isEqualTo((byte) ':');
        byte[] user = Arrays.copyOfRange(decoded, 0, colon);
        for (byte b : user) {
            assertThat(b).as("user byte").isNotEqualTo((byte) ':');
            assertThat(isControl(b)).as("control byte in user").isFalse();
        }
        assertThat(credentials.user()).isEqualTo(new String(user, StandardCharsets.UTF_8));
        try (Password password = credentials.password()) {
            assertThat(password.bytes()).isEqualTo(Arrays.copyOfRange(decoded, colon + 1, decoded.length));
        }
    }

    private static boolean isControl(byte b) {
        return (b & 0xFF) < 0x20 || b == 0x7F;
    }
}
