package dev.sessiongate.cluster;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Redis's own count of the commands it ran ({@code INFO commandstats}), per command. */
final class RedisCalls {
    private static final Pattern LINE = Pattern.compile("cmdstat_([a-z|]+):calls=(\\d+)");

    private RedisCalls() {
    }

    static Map<String, Long> parse(String commandstats) {
        Map<String, Long> calls = new TreeMap<>();
        Matcher m = LINE.matcher(commandstats);
        while (m.find()) {
            calls.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return calls;
    }

    /** The commands run between two readings, without the commands that did not run. */
    static Map<String, Long> between(String before, String after) {
        Map<String, Long> first = parse(before);
        Map<String, Long> calls = new TreeMap<>();
        parse(after).forEach((command, n) -> {
            long delta = n - first.getOrDefault(command, 0L);
            if (delta > 0) {
                calls.put(command, delta);
            }
        });
        return calls;
    }
}
