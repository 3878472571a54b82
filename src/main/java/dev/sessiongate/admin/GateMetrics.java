package dev.sessiongate.admin;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.session.ClusterStore;
import dev.sessiongate.session.GateStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@code GET /admin/metrics}: SessionGate's counters in the Prometheus text format, through
 * Micrometer: cache hits and misses, password checks and failures, evictions, rejections,
 * throttled logins, live sessions, and a histogram of password-check time. Loaded only when
 * Micrometer is on the class path ({@code OptionalLibrary.METRICS}).
 */
final class GateMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    GateMetrics(SessionGate gate) {
        GateStats stats = gate.stats();
        counter("sessiongate.cache.hits", "requests served from a cached session", stats, GateStats::hits);
        counter("sessiongate.cache.misses", "requests that found no cached session", stats, GateStats::misses);
        counter("sessiongate.cache.coalesced", "misses that waited for another request's password check of their key",
                stats, GateStats::coalesced);
        counter("sessiongate.auth.calls", "password checks run", stats, GateStats::authCalls);
        counter("sessiongate.auth.failures", "password checks that failed", stats, GateStats::authFailures);
        counter("sessiongate.sessions.evictions", "sessions ended by size, idle timeout or lifetime", stats, GateStats::evictions);
        counter("sessiongate.requests.rejected", "requests refused for capacity", stats, GateStats::rejected);
        counter("sessiongate.requests.throttled", "logins refused after too many failures", stats, GateStats::throttled);
        Gauge.builder("sessiongate.sessions.live", gate, SessionGate::sessionCount)
                .description("cached sessions").register(registry);
        if (gate.store() instanceof ClusterStore cluster) {
            FunctionCounter.builder("sessiongate.redis.calls", cluster, ClusterStore::remoteCalls)
                    .description("calls to the cluster's Redis, not counting the once-a-second probe")
                    .register(registry);
            Gauge.builder("sessiongate.redis.up", gate.store(), store -> store.degradedReason() == null ? 1 : 0)
                    .description("1 while this node uses the cluster's Redis, 0 while it serves alone")
                    .register(registry);
        }
        Timer checks = Timer.builder("sessiongate.auth.check")
                .description("time of one password check")
                .publishPercentileHistogram()
                .register(registry);
        stats.recordCheckTimesIn(nanos -> checks.record(nanos, TimeUnit.NANOSECONDS));
    }

    private void counter(String name, String description, GateStats stats, ToDoubleFunction<GateStats> value) {
        FunctionCounter.builder(name, stats, value).description(description).register(registry);
    }

    /** The Prometheus text exposition of every meter. */
    String scrape() {
        return registry.scrape();
    }

    /** Closes the registry, with the webapp. */
    void close() {
        registry.close();
    }
}
