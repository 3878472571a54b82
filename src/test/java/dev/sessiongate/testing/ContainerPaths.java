package dev.sessiongate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.apache.catalina.connector.CoyoteAdapter;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.apache.tomcat.util.buf.MessageBytes;
import org.apache.tomcat.util.buf.UDecoder;
import org.apache.tomcat.util.http.parser.HttpParser;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http.UriCompliance.Violation;

/**
 * What Jetty 12 and Tomcat 11 make of a raw request path: the decoded, normalised path their
 * servlet containers would map, computed by their own code. The oracles of the path fuzz tests.
 */
public final class ContainerPaths {
    /**
     * Violations after which Jetty's path cannot be compared: it keeps {@code //} (an empty
     * segment) where Tomcat and SessionGate collapse it, and it decodes bad UTF-8 to U+FFFD.
     */
    private static final Set<Violation> INCOMPARABLE = EnumSet.of(Violation.AMBIGUOUS_EMPTY_SEGMENT,
            Violation.BAD_UTF8_ENCODING, Violation.TRUNCATED_UTF8_ENCODING, Violation.UTF16_ENCODINGS,
            Violation.FRAGMENT);

    private ContainerPaths() {
    }

    /**
     * Jetty's decoded canonical path of {@code rawPath} ({@code HttpURI}, as its HTTP parser
     * builds it), or empty when Jetty computes none (a malformed escape, a path above the root) or
     * one that cannot be compared (see {@link #INCOMPARABLE}). Violations that a default Jetty
     * connector answers 400 for, such as {@code %2e} or {@code ..;}, are not held against the
     * path: how Jetty resolves exactly those is the interesting part.
     */
    public static Optional<String> jetty(String rawPath) {
        if (!rawPath.startsWith("/") || rawPath.indexOf('?') >= 0 || rawPath.indexOf('#') >= 0) {
            return Optional.empty(); // not a path as a request line carries it
        }
        HttpURI uri;
        try {
            uri = HttpURI.build().pathQuery(rawPath);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (uri.getCanonicalPath() == null || uri.getViolations().stream().anyMatch(INCOMPARABLE::contains)) {
            return Optional.empty();
        }
        return Optional.ofNullable(uri.getDecodedPath());
    }

    /**
     * The decoded canonical path a Jetty with its default URI compliance serves for
     * {@code rawPath}, or empty when it answers 400 (ambiguous segments, {@code %2F}, {@code //},
     * suspicious characters...) or the path climbs above the root.
     */
    public static Optional<String> jettyServes(String rawPath) {
        if (!rawPath.startsWith("/") || rawPath.indexOf('?') >= 0 || rawPath.indexOf('#') >= 0) {
            return Optional.empty();
        }
        HttpURI uri;
        try {
            uri = HttpURI.build().pathQuery(rawPath);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (uri.getCanonicalPath() == null || !uri.getViolations().stream().allMatch(UriCompliance.DEFAULT::allows)) {
            return Optional.empty();
        }
        return Optional.ofNullable(uri.getDecodedPath());
    }

    /**
     * Tomcat's decoded normalised path of {@code rawPath}, as bytes, or empty when a Tomcat with
     * its default connector settings answers 400: the steps of {@code Http11Processor} (the
     * characters of the path) and {@code CoyoteAdapter.postParseRequest} (path parameters out,
     * {@code %2F} rejected, {@code %5C} decoded and then, like {@code \}, rejected).
     */
    public static Optional<byte[]> tomcat(String rawPath) {
        byte[] raw = rawPath.getBytes(StandardCharsets.UTF_8);
        for (byte b : raw) {
            if (!HttpParser.isAbsolutePath(b)) {
                return Optional.empty();
            }
        }
        byte[] stripped = withoutPathParameters(raw);
        // normalize() may write one byte past the end, the room Tomcat's request buffer always has.
        byte[] buffer = Arrays.copyOf(stripped, stripped.length + 1);
        MessageBytes path = MessageBytes.newInstance();
        path.setBytes(buffer, 0, stripped.length);
        try {
            new UDecoder().convert(path.getByteChunk(), EncodedSolidusHandling.REJECT, EncodedSolidusHandling.DECODE);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!CoyoteAdapter.normalize(path, false)) {
            return Optional.empty();
        }
        return Optional.of(Arrays.copyOfRange(buffer, path.getByteChunk().getStart(), path.getByteChunk().getEnd()));
    }

    /**
     * {@code CoyoteAdapter.parsePathParameters} (an instance method that needs a whole request):
     * every {@code ;...} up to the next {@code /} goes, looking from the second byte on.
     */
    private static byte[] withoutPathParameters(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        boolean inParameter = false;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '/') {
                inParameter = false;
            } else if (raw[i] == ';' && i > 0) {
                inParameter = true;
            }
            if (!inParameter) {
                out.write(raw[i]);
            }
        }
        return out.toByteArray();
    }

    /**
     * The bytes a percent-encoded path stands for: each {@code %XX} one byte, every other
     * character its UTF-8. Throws {@link IllegalArgumentException} for a malformed escape.
     */
    public static byte[] percentDecode(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                if (i + 2 >= path.length()) {
                    throw new IllegalArgumentException("truncated escape at " + i);
                }
                int hi = hex(path.charAt(i + 1));
                int lo = hex(path.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("malformed escape at " + i);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < path.length() ? i + 2 : i + 1;
                out.writeBytes(path.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end - 1;
            }
        }
        return out.toByteArray();
    }

    /** The value of an ASCII hex digit, or -1: unlike Character.digit, no other script's digits. */
    public static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
