package dev.sessiongate.config;

import java.time.Duration;
import java.util.Locale;

/** Durations as operators write them: {@code 900} (seconds), {@code 500ms}, {@code 15m}, {@code 8h}, {@code 1d} or ISO-8601. */
final class Durations {
    private Durations() {
    }

    static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("p")) {
            return Duration.parse(value.toUpperCase(Locale.ROOT));
        }
        int split = 0;
        while (split < value.length() && Character.isDigit(value.charAt(split))) {
            split++;
        }
        if (split == 0 || split > 12) {
            throw new IllegalArgumentException("not a duration");
        }
        long amount = Long.parseLong(value.substring(0, split));
        switch (value.substring(split).trim()) {
            case "": case "s": return Duration.ofSeconds(amount);
            case "ms": return Duration.ofMillis(amount);
            case "m": return Duration.ofMinutes(amount);
            case "h": return Duration.ofHours(amount);
            case "d": return Duration.ofDays(amount);
            default: throw new IllegalArgumentException("unknown unit");
        }
    }
}
