package dev.sessiongate.testing;

import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Paths of the checked-in fixtures and small helpers for credentials. */
public final class Fixtures {
    /** Made by Apache htpasswd and openssl passwd (see make-fixtures.sh); password = user + "-pw". */
    public static final Path USERS = Path.of("src/test/resources/htpasswd/users.htpasswd");
    public static final Path GROUPS = Path.of("src/test/resources/htpasswd/users.htgroup");
    /** A long enough key.secret for tests. */
    public static final String SECRET = "test-secret-0123456789abcdef";

    private Fixtures() {
    }

    /** The {@code Authorization} value for {@code user} and {@code password}. */
    public static String basic(String user, String password) {
        return basicRaw((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code Authorization} value for arbitrary decoded bytes. */
    public static String basicRaw(byte[] decoded) {
        return "Basic " + Base64.getEncoder().encodeToString(decoded);
    }
}
