package dev.sessiongate.session;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * The counters of {@code GET /admin/stats}: cache hits and misses, password checks and their
 * failures, evictions, and requests refused by limits or throttling. Striped counters, so that
 * counting costs the hot path no shared cache line.
 */
public final class GateStats {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder evictions = new LongAdder();
    /** Misses that waited for the check another request of their key was running (single flight). */
    final LongAdder coalesced = new LongAdder();
    private final LongAdder authCalls = new LongAdder();
    private final LongAdder authFailures = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private volatile LongConsumer checkTimes = nanos -> { };

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public long evictions() {
        return evictions.sum();
    }

    /** Misses that ran no password check: they waited for the one another request of their key was running. */
    public long coalesced() {
        return coalesced.sum();
    }

    public long authCalls() {
        return authCalls.sum();
    }

    public long authFailures() {
        return authFailures.sum();
    }

    public long rejected() {
        return rejected.sum();
    }

    public long throttled() {
        return throttled.sum();
    }

    /** Where the durations of password checks go (a metrics histogram); none by default. */
    public void recordCheckTimesIn(LongConsumer sink) {
        this.checkTimes = sink;
    }

    /** One password check ran, taking {@code nanos}; {@code failed} if it did not let the user in. */
    public void countAuthentication(boolean failed, long nanos) {
        checkTimes.accept(nanos);
        authCalls.increment();
        if (failed) {
            authFailures.increment();
        }
    }

    /** A request was refused by a session limit. */
    public void countRejected() {
        rejected.increment();
    }

    /** A request was refused by failed-login throttling. */
    public void countThrottled() {
        throttled.increment();
    }
}
