package dev.sessiongate.util;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;

/**
 * Turns a flood of one kind of log line into one line and a count: the first occurrence of a
 * key in a window is written in full, the others are only counted, and when the window ends a
 * summary reports how many there were. A password spray then writes two lines a minute per
 * client address instead of one per request. At most {@code maxKeys} keys are tracked; the
 * least used ones are summarised early. A summary is written when the next occurrence of any key
 * finds the window over, or at {@link #flush()}.
 */
public final class Repeats {
    private final Cache<String, AtomicLong> seen;
    private final ObjLongConsumer<String> summary;

    /**
     * @param summary told the key and how many occurrences after the first were only counted,
     *                when a window with repeats ends
     */
    public Repeats(Duration window, long maxKeys, Ticker ticker, ObjLongConsumer<String> summary) {
        this.summary = summary;
        this.seen = Caffeine.newBuilder()
                .expireAfterWrite(window)
                .maximumSize(maxKeys)
                .ticker(ticker)
                // No scheduler: its JDK thread would outlive a redeployed webapp. An ended window is
                // summarised at the next use of this object, or by flush() when the filter stops.
                .<String, AtomicLong>removalListener((key, count, cause) -> {
                    long repeats = count == null ? 0 : count.getAndSet(0);
                    if (key != null && repeats > 0 && cause != RemovalCause.EXPLICIT) {
                        summary.accept(key, repeats);
                    }
                })
                .build();
    }

    /** Whether this occurrence of {@code key} is the first of its window, to be written in full. */
    public boolean first(String key) {
        seen.cleanUp(); // writes the summaries of windows that have ended (amortised by Caffeine)
        boolean[] created = new boolean[1];
        AtomicLong count = seen.get(key, k -> {
            created[0] = true;
            return new AtomicLong();
        });
        if (!created[0]) {
            count.incrementAndGet();
        }
        return created[0];
    }

    /** Reports every open window now (for tests and shutdown). */
    public void flush() {
        seen.asMap().forEach((key, count) -> {
            long repeats = count.getAndSet(0);
            if (repeats > 0) {
                summary.accept(key, repeats);
            }
        });
        seen.invalidateAll();
    }
}
