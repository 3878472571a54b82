package dev.sessiongate.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every line of {@code key/paths.txt}: the normal form it gives, or its rejection; a normal form is a fixed point. */
class PathNormalizerTest {

    static Stream<Arguments> corpus() throws IOException {
        return Files.readAllLines(Path.of("src/test/resources/key/paths.txt"), StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("\t", 2))
                .map(parts -> Arguments.of(parts[0], parts[1]));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("corpus")
    void normalisesOrRejectsAndIsIdempotent(String raw, String expected) {
        String path = raw;
        if (expected.equals("!")) {
            assertThatThrownBy(() -> PathNormalizer.normalize(path)).isInstanceOf(IllegalArgumentException.class);
            return;
        }
        String normal = PathNormalizer.normalize(path);
        assertThat(normal).isEqualTo(expected);
        assertThat(PathNormalizer.normalize(normal)).isEqualTo(normal);
    }
}
