package dev.sessiongate.confusion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The confusion corpus, {@code src/test/resources/confusion/corpus.txt}: one request per line,
 * written relative to a deployment's context root. The format is documented at the top of the
 * file; this class is its only reader.
 */
public final class Corpus {
    private static final String FIELD_SEPARATOR = " || ";
    /** What {@link Case#query} returns for a target without a query. */
    public static final String NO_QUERY = "(no query)";
    private static final Pattern REPEAT = Pattern.compile("\\$\\{(\\d+)\\*([^}]*)}");
    /** An absolute-form target's scheme and authority: the context path goes right after them. */
    private static final Pattern ABSOLUTE_FORM = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*");

    private final List<Case> cases;

    private Corpus(List<Case> cases) {
        this.cases = List.copyOf(cases);
    }

    public static Corpus load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).stripTrailing();
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            try {
                cases.add(Case.parse(i + 1, line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new Corpus(cases);
    }

    public List<Case> cases() {
        return cases;
    }

    /**
     * One corpus line.
     *
     * @param line     its line number in the file, by which violations are reported
     * @param text     the line as written
     * @param method   the request method, as sent
     * @param target   the request target before the context path and the placeholders are applied
     * @param headers  header lines as written ({@code Name: value}), in order
     * @param version  the request line's version, or {@code null} for none at all (HTTP/0.9 style)
     * @param host     whether the runner adds {@code Host: 127.0.0.1:PORT} (only when no Host header is written)
     * @param body     the body, sent with a {@code Content-Length} unless the case writes its own framing
     * @param then     bytes sent right after the request (a pipelined or smuggled request), or {@code null}
     */
    public record Case(int line, String text, String method, String target, List<String> headers, String version,
                       boolean host, String body, String then) {

        static Case parse(int line, String text) {
            String expanded = repeat(text);
            String[] fields = expanded.split(Pattern.quote(FIELD_SEPARATOR), -1);
            String requestLine = fields[0];
            int space = requestLine.indexOf(' ');
            if (space <= 0) {
                throw new IllegalArgumentException("expected METHOD TARGET");
            }
            String method = requestLine.substring(0, space);
            String target = requestLine.substring(space + 1);
            if (target.equals("<empty>")) {
                target = "";
            }
            List<String> headers = new ArrayList<>();
            String version = "HTTP/1.1";
            boolean host = true;
            String body = "";
            String then = null;
            for (int i = 1; i < fields.length; i++) {
                String field = fields[i];
                if (field.equals("@nohost")) {
                    host = false;
                } else if (field.startsWith("@version ")) {
                    String v = field.substring("@version ".length());
                    version = v.equals("none") ? null : v;
                } else if (field.startsWith("@body ")) {
                    body = field.substring("@body ".length());
                } else if (field.startsWith("@then ")) {
                    then = field.substring("@then ".length());
                } else if (field.startsWith("@")) {
                    throw new IllegalArgumentException("unknown directive " + field);
                } else if (field.indexOf(':') > 0) {
                    if (headerName(field).equals("authorization")) {
                        throw new IllegalArgumentException("credentials are the runner's business (its three variants)");
                    }
                    headers.add(field);
                } else {
                    throw new IllegalArgumentException("neither a header nor a directive: " + field);
                }
            }
            return new Case(line, text, method, target, List.copyOf(headers), version, host, body, then);
        }

        /**
         * The bytes to send to a deployment at {@code port} under {@code contextPath} ({@code ""}
         * for the root), with {@code authorization} (or none) and the {@code marker} header by
         * which the recorders attribute what reaches them.
         */
        public byte[] render(int port, String contextPath, String authorization, String marker) {
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(withContext(target, contextPath));
            if (version != null) {
                head.append(' ').append(version);
            }
            head.append("\r\n");
            boolean ownHost = false;
            boolean ownFraming = false;
            for (String header : headers) {
                String name = headerName(header);
                ownHost |= name.equals("host");
                ownFraming |= name.equals("content-length") || name.equals("transfer-encoding");
                head.append(header).append("\r\n");
            }
            if (host && !ownHost) {
                head.append("Host: ${AUTHORITY}\r\n");
            }
            if (authorization != null) {
                head.append("Authorization: ").append(authorization).append("\r\n");
            }
            head.append(RecordedRequest.MARKER_HEADER).append(": ").append(marker).append("\r\n");
            if (then == null) {
                // One request per connection: the answer ends where the connection does.
                head.append("Connection: close\r\n");
            }
            byte[] bodyBytes = bytes(body, port, contextPath);
            if (!ownFraming && (bodyBytes.length > 0 || method.equals("POST") || method.equals("PUT"))) {
                head.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
            }
            head.append("\r\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(bytes(head.toString(), port, contextPath));
            out.writeBytes(bodyBytes);
            if (then != null) {
                out.writeBytes(bytes(then, port, contextPath));
            }
            return out.toByteArray();
        }

        /**
         * The query of the target as a server reads it (its bytes as UTF-8), {@code ""} for a
         * bare {@code ?}, {@code null} for none; {@link Optional#empty()} when a {@code #} makes
         * it a matter of the server's taste where the query ends.
         */
        public Optional<String> query(int port, String contextPath) {
            String sent = new String(bytes(withContext(target, contextPath), port, contextPath), StandardCharsets.UTF_8);
            if (sent.indexOf('#') >= 0) {
                return Optional.empty();
            }
            int question = sent.indexOf('?');
            return Optional.of(question < 0 ? NO_QUERY : sent.substring(question + 1));
        }

        /** Whether the first answer to this case carries no body whatever its framing says. */
        public boolean isHead() {
            return method.equals("HEAD");
        }

        /** The context path goes in front of an origin-form target and right after an absolute-form target's authority. */
        static String withContext(String target, String contextPath) {
            if (target.startsWith("/")) {
                return contextPath + target;
            }
            Matcher absolute = ABSOLUTE_FORM.matcher(target);
            if (absolute.find()) {
                return target.substring(0, absolute.end()) + contextPath + target.substring(absolute.end());
            }
            return target;
        }

        private static String headerName(String header) {
            return header.substring(0, header.indexOf(':')).trim().toLowerCase(Locale.ROOT);
        }

        /** {@code ${N*text}}: text repeated N times (very long targets and headers stay one short line). */
        private static String repeat(String text) {
            Matcher m = REPEAT.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group(2).repeat(Integer.parseInt(m.group(1)))));
            }
            m.appendTail(out);
            return out.toString();
        }

        /**
         * The bytes of {@code text}: {@code ${PORT}}, {@code ${AUTHORITY}} and {@code ${CTX}}
         * replaced, {@code \xHH} as the byte HH, everything else as UTF-8.
         */
        static byte[] bytes(String text, int port, String contextPath) {
            String s = text.replace("${AUTHORITY}", "127.0.0.1:" + port).replace("${PORT}", String.valueOf(port))
                    .replace("${CTX}", contextPath);
            ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 16);
            int i = 0;
            while (i < s.length()) {
                if (s.startsWith("\\x", i) && i + 4 <= s.length() && isHex(s.charAt(i + 2)) && isHex(s.charAt(i + 3))) {
                    out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                    i += 4;
                } else {
                    int cp = s.codePointAt(i);
                    out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                    i += Character.charCount(cp);
                }
            }
            return out.toByteArray();
        }

        private static boolean isHex(char c) {
            return Character.digit(c, 16) >= 0;
        }
    }
}
