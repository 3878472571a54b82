package dev.sessiongate.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.util.Logfmt;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wrong admin tokens per client IP: after {@code maxFailures} within {@code window} (counted from
 * the first), every admin request from that address gets {@code 429} until the window ends, the
 * right token too, so that the answers tell a guesser nothing more. Logged as a summary: the first
 * wrong token of a window, the moment the address is throttled, and when the window ends the
 * totals; never a line per attempt, and never the token sent.
 */
final class AdminThrottle {
    private static final Logger LOG = LoggerFactory.getLogger(AdminThrottle.class);
    /** Addresses remembered at once; beyond, the least recent are forgotten (a flood of addresses costs bounded memory). */
    private static final int MAX_ADDRESSES = 10_000;

    private final int maxFailures;
    private final long windowNanos;
    private final Ticker ticker;
    private final Cache<String, Window> windows;

    AdminThrottle(int maxFailures, Duration window, Ticker ticker) {
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        this.windows = Caffeine.newBuilder()
                .maximumSize(MAX_ADDRESSES)
                .expireAfterWrite(window)
                .ticker(ticker)
                .executor(Runnable::run)
                .removalListener((String clientIp, Window ended, RemovalCause cause) -> {
                    if (ended != null) {
                        ended.summarise(clientIp);
                    }
                })
                .build();
    }

    /**
     * Seconds until {@code clientIp} may use the admin API again, counting this refused request;
     * 0 when it may now.
     */
    long retryAfter(String clientIp) {
        Window window = windows.getIfPresent(clientIp);
        return window == null ? 0 : window.retryAfter(ticker.read());
    }

    /** Counts a wrong token from {@code clientIp}. */
    void failed(String clientIp, String method, String path) {
        long now = ticker.read();
        windows.get(clientIp, ip -> new Window(now)).failed(clientIp, method, path, now);
    }

    /** Forgets windows that ended, logging their summaries; Caffeine otherwise does so on later use. */
    void cleanUp() {
        windows.cleanUp();
    }

    private final class Window {
        private final long start;
        private int failures;
        private int refused;

        Window(long start) {
            this.start = start;
        }

        synchronized void failed(String clientIp, String method, String path, long now) {
            failures++;
            if (failures == 1) {
                LOG.warn("event=admin_unauthorized clientIp={} method={} path={} message=\"wrong admin token; further "
                        + "ones from this address are counted and summarised, not logged one by one\"",
                        Logfmt.value(clientIp), Logfmt.value(method), Logfmt.value(path));
            }
            if (failures == maxFailures) {
                LOG.warn("event=admin_throttled clientIp={} failures={} retryAfter={}", Logfmt.value(clientIp),
                        failures, seconds(now));
            }
        }

        synchronized long retryAfter(long now) {
            if (failures < maxFailures || now - start >= windowNanos) {
                return 0;
            }
            refused++;
            return seconds(now);
        }

        private long seconds(long now) {
            return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(start + windowNanos - now + 999_999_999L));
        }

        synchronized void summarise(String clientIp) {
            if (failures > 1 || refused > 0) {
                LOG.info("event=admin_unauthorized_summary clientIp={} failures={} refused={}",
                        Logfmt.value(clientIp), failures, refused);
            }
        }
    }
}
