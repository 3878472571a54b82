package dev.sessiongate.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 13 point 1: every value of {@code util/logfmt.txt} stays one field of one line. */
class LogfmtTest {

    static Stream<String> corpus() throws IOException {
        List<String> values = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/util/logfmt.txt"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("#")) {
                values.add(unescape(line));
            }
        }
        return values.stream();
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void aValueParsesBackAsOneFieldWithThatValue(String value) {
        String line = "event=x user=" + Logfmt.value(value) + " clientIp=127.0.0.1";
        assertThat(line).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u2028").doesNotContain("\u0085");
        Map<String, String> fields = parse(line);
        assertThat(fields).containsOnlyKeys("event", "user", "clientIp");
        assertThat(fields.get("user")).isEqualTo(value);
        assertThat(fields.get("clientIp")).isEqualTo("127.0.0.1");
    }

    @Test
    void nullIsADashAndLongValuesAreCut() {
        assertThat(Logfmt.value(null).toString()).isEqualTo("-");
        assertThat(Logfmt.value("-").toString()).isEqualTo("\"-\"");
        String longValue = Logfmt.value("a".repeat(10_000)).toString();
        assertThat(longValue).hasSize(Logfmt.MAX_LENGTH + 5).endsWith("...\"");
    }

    /** A strict logfmt reader: bare values end at a space, quoted ones at an unescaped quote. */
    private static Map<String, String> parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq);
            assertThat(key).doesNotContain(" ").doesNotContain("\"");
            StringBuilder value = new StringBuilder();
            i = eq + 1;
            if (i < line.length() && line.charAt(i) == '"') {
                for (i++; line.charAt(i) != '"'; i++) {
                    char c = line.charAt(i);
                    if (c == '\\') {
                        char e = line.charAt(++i);
                        switch (e) {
                            case 'n' -> value.append('\n');
                            case 'r' -> value.append('\r');
                            case 't' -> value.append('\t');
                            case 'u' -> {
                                value.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16));
                                i += 4;
                            }
                            default -> value.append(e);
                        }
                    } else {
                        value.append(c);
                    }
                }
                i++;
            } else {
                while (i < line.length() && line.charAt(i) != ' ') {
                    value.append(line.charAt(i++));
                }
            }
            assertThat(fields.put(key, value.toString())).as("duplicate field " + key).isNull();
            if (i < line.length()) {
                assertThat(line.charAt(i)).isEqualTo(' ');
                i++;
            }
        }
        return fields;
    }

    private static String unescape(String line) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && "nrtu".indexOf(line.charAt(i + 1)) >= 0) {
                char e = line.charAt(++i);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    default -> {
                        out.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
