package dev.sessiongate.util;

/**
 * Values for logfmt lines ({@code key=value key="value with spaces"}), which fail2ban rules and
 * SIEM parsers read: a value that holds a space, {@code =}, a quote, a backslash or a control
 * character is quoted and escaped, so that no value — a user name, a path, a header — can end
 * its field, add a field of its own ({@code user=x clientIp=6.6.6.6}) or start a new line.
 */
public final class Logfmt {
    /** Longer values are cut, so that one request cannot write a megabyte of log. */
    static final int MAX_LENGTH = 512;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Logfmt() {
    }

    /**
     * {@code text} as a logfmt value, formatted only if the line is written: pass it as an SLF4J
     * argument, {@code LOG.info("event=x user={}", Logfmt.value(user))}. {@code null} is {@code -}.
     */
    public static Object value(String text) {
        return new Lazy(text);
    }

    /** Appends {@code text} as a logfmt value. */
    public static StringBuilder append(StringBuilder line, String text) {
        if (text == null) {
            return line.append('-');
        }
        int n = Math.min(text.length(), MAX_LENGTH);
        boolean quote = text.isEmpty() || text.equals("-") || text.length() > MAX_LENGTH;
        for (int i = 0; i < n && !quote; i++) {
            char c = text.charAt(i);
            quote = c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7F || isLineBreak(c);
        }
        if (!quote) {
            return line.append(text);
        }
        line.append('"');
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7F || isLineBreak(c)) {
                        line.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF])
                                .append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        if (text.length() > MAX_LENGTH) {
            line.append("...");
        }
        return line.append('"');
    }

    /** Characters that some log viewers break lines at: NEL, LINE and PARAGRAPH SEPARATOR, and C1 controls. */
    private static boolean isLineBreak(char c) {
        return (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029;
    }

    private record Lazy(String text) {
        @Override
        public String toString() {
            return append(new StringBuilder(text == null ? 1 : Math.min(text.length(), MAX_LENGTH) + 8), text).toString();
        }
    }
}
