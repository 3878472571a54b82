package dev.sessiongate.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sessiongate.testing.ContainerPaths;
import dev.sessiongate.testing.FuzzInput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link PathNormalizer#normalize} against its contract (the raw, percent-encoded path in;
 * the normalised path out, still percent-encoded) and against Jetty 12 and Tomcat 11, whose
 * servlet containers map the same raw path: where both accept a path and agree, SessionGate's
 * normal form decodes to their path; where they disagree (documented in docs/fuzzing.md), to one
 * of theirs. Recorded inputs: {@code PathNormalizerFuzzTestInputs/}, each the raw path as text.
 */
class PathNormalizerFuzzTest {
    private static final Pattern PARAMETERS = Pattern.compile(";[^/]*");
    private static final Pattern UPPER_HEX = Pattern.compile("[0-9A-F]{2}");

    @FuzzTest
    void normalizesLikeTheContainers(byte[] data) {
        String raw = FuzzInput.text(data);
        String reason = mustReject(raw);
        String normal;
        try {
            normal = PathNormalizer.normalize(raw);
        } catch (IllegalArgumentException rejected) {
            // Any other exception escapes: the finding. A rejection is wrong only where both
            // containers serve the path, agree on it, and the contract has no reason to refuse:
            // an encoded control character (%01) is one, even in a segment a later .. removes.
            byte[] agreed = reason == null && !hasEncodedControl(withoutParameters(raw)) ? containersAgree(raw) : null;
            if (agreed != null) {
                fail("rejected %s, which Jetty and Tomcat both serve as %s", show(raw), show(agreed));
            }
            return;
        }
        if (reason != null) {
            fail("accepted %s (%s) as %s", show(raw), reason, show(normal));
        }
        isNormal(raw, normal);
        assertThat(PathNormalizer.normalize(normal)).as("normalize(normalize(%s))", show(raw)).isEqualTo(normal);
        agreesWithTheContainers(raw, normal);
    }

    /**
     * The contract's reasons to throw, or null: a control character, a bad or forbidden escape, a
     * backslash, a climb. Looked for once the {@code ;parameters} are gone, as the contract removes
     * them first, and as Tomcat does: {@code /a;x=%zz/b} is {@code /a/b} (see docs/fuzzing.md).
     */
    static String mustReject(String raw) {
        String path = withoutParameters(raw);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return "control character";
            }
            if (c == '\\') {
                return "backslash";
            }
            if (c == '%') {
                if (i + 2 >= path.length() || ContainerPaths.hex(path.charAt(i + 1)) < 0
                        || ContainerPaths.hex(path.charAt(i + 2)) < 0) {
                    return "malformed escape";
                }
                int b = ContainerPaths.hex(path.charAt(i + 1)) << 4 | ContainerPaths.hex(path.charAt(i + 2));
                if (b == 0) {
                    return "%00";
                }
                if (b == '\\') {
                    return "%5C";
                }
            }
        }
        return climbsAboveTheRoot(path) ? "climbs above the root" : null;
    }

    /** Every {@code ;...} up to the next {@code /} removed. */
    private static String withoutParameters(String raw) {
        return PARAMETERS.matcher(raw).replaceAll("");
    }

    /** Whether the {@code ..} segments (also {@code %2e}-encoded) outnumber what they remove. */
    private static boolean climbsAboveTheRoot(String path) {
        int depth = 0;
        for (String segment : path.split("/", -1)) {
            String decoded = new String(ContainerPaths.percentDecode(segment), StandardCharsets.UTF_8);
            if (decoded.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else if (!decoded.isEmpty() && !decoded.equals(".")) {
                depth++;
            }
        }
        return false;
    }

    /** The contract's shape of a normal path. */
    private static void isNormal(String raw, String normal) {
        String what = show(raw) + " -> " + show(normal);
        assertThat(normal).as(what).startsWith("/").doesNotContain("//").doesNotContain(";").doesNotContain("\\");
        for (int i = 0; i < normal.length(); i++) {
            char c = normal.charAt(i);
            assertThat(c < 0x20 || c == 0x7F).as("control character in %s", what).isFalse();
            if (c == '%') {
                assertThat(i + 2).as("truncated escape in %s", what).isLessThan(normal.length());
                String hex = normal.substring(i + 1, i + 3);
                assertThat(UPPER_HEX.matcher(hex).matches()).as("escape %%%s in %s", hex, what).isTrue();
                int b = Integer.parseInt(hex, 16);
                assertThat(isUnreserved(b)).as("%%%s, an unreserved character left encoded in %s", hex, what).isFalse();
                assertThat(b).as("escape in %s", what).isNotIn(0x00, 0x5C);
            }
        }
        for (String segment : normal.substring(1).split("/", -1)) {
            String decoded = new String(ContainerPaths.percentDecode(segment), StandardCharsets.UTF_8);
            assertThat(decoded).as("dot segment in %s", what).isNotIn(".", "..");
        }
    }

    private static void agreesWithTheContainers(String raw, String normal) {
        Optional<String> jetty = ContainerPaths.jetty(raw);
        Optional<byte[]> tomcat = ContainerPaths.tomcat(raw);
        if (jetty.isEmpty() || tomcat.isEmpty()) {
            return; // only what both accept is compared
        }
        byte[] ours = ContainerPaths.percentDecode(normal);
        byte[] jettys = jetty.get().getBytes(StandardCharsets.UTF_8);
        if (Arrays.equals(jettys, tomcat.get())) {
            assertThat(show(ours)).as("%s decoded, as Jetty and Tomcat have it", show(normal) + " <- " + show(raw))
                    .isEqualTo(show(jettys));
        } else if (!Arrays.equals(ours, jettys) && !Arrays.equals(ours, tomcat.get())) {
            fail("%s -> %s, decoded %s: neither Jetty's %s nor Tomcat's %s", show(raw), show(normal), show(ours),
                    show(jettys), show(tomcat.get()));
        }
    }

    /** The decoded path both containers serve for {@code raw}, or null when either refuses or they differ. */
    private static byte[] containersAgree(String raw) {
        Optional<String> jetty = ContainerPaths.jetty(raw);
        Optional<byte[]> tomcat = ContainerPaths.tomcat(raw);
        if (jetty.isEmpty() || tomcat.isEmpty()) {
            return null;
        }
        byte[] jettys = jetty.get().getBytes(StandardCharsets.UTF_8);
        return Arrays.equals(jettys, tomcat.get()) ? jettys : null;
    }

    /** Encoded control characters: the contract may refuse them, though both containers serve them. */
    private static boolean hasEncodedControl(String path) {
        for (int i = path.indexOf('%'); i >= 0 && i + 2 < path.length(); i = path.indexOf('%', i + 1)) {
            int b = ContainerPaths.hex(path.charAt(i + 1)) << 4 | ContainerPaths.hex(path.charAt(i + 2));
            if (b >= 0 && (b < 0x20 || b == 0x7F)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUnreserved(int b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    /** A path in assertion messages: Java-escaped, so that control characters show. */
    private static String show(String path) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : path.toCharArray()) {
            if (c < 0x20 || c >= 0x7F) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String show(byte[] decoded) {
        return show(new String(decoded, StandardCharsets.ISO_8859_1));
    }
}
