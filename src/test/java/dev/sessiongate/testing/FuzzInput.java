package dev.sessiongate.testing;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a fuzzer's raw bytes into text. The fuzz tests take {@code byte[]} rather than Jazzer's
 * structured parameters so that a recorded input is the plain text it stands for: a seed file
 * holding {@code /admin/..;/api} is that path, readable and writable by hand.
 */
public final class FuzzInput {
    private FuzzInput() {
    }

    /**
     * The bytes as UTF-8 when they are valid UTF-8, else as ISO-8859-1: ASCII seeds read as
     * themselves, and the fuzzer still reaches every char up to U+00FF and, through UTF-8, beyond.
     */
    public static String text(byte[] data) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data))
                    .toString();
        } catch (CharacterCodingException e) {
            return new String(data, StandardCharsets.ISO_8859_1);
        }
    }

    /** {@link #text} split at {@code \n}, a trailing {@code \r} dropped from each line. */
    public static List<String> lines(byte[] data) {
        List<String> lines = new ArrayList<>();
        for (String line : text(data).split("\n", -1)) {
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
        return lines;
    }

    /** Line {@code i} of {@code lines}, or {@code ""} past the end. */
    public static String line(List<String> lines, int i) {
        return i < lines.size() ? lines.get(i) : "";
    }
}
