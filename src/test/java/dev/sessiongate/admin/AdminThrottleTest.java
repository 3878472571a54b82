package dev.sessiongate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.LogCapture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The window of {@link AdminThrottle}, on a fake clock: when it ends, and what it logs then. */
class AdminThrottleTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AdminThrottle throttle = new AdminThrottle(3, Duration.ofMinutes(5), nanos::get);

    @Test
    void anAddressIsRefusedUntilTheWindowOfItsFirstFailureEndsThenSummarised() {
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 3; i++) {
                assertThat(throttle.retryAfter("192.0.2.1")).isZero();
                throttle.failed("192.0.2.1", "GET", "/admin/stats");
                advance(Duration.ofSeconds(10));
            }
            assertThat(throttle.retryAfter("192.0.2.1")).isEqualTo(270);
            assertThat(throttle.retryAfter("192.0.2.2")).isZero();
            advance(Duration.ofSeconds(269));
            assertThat(throttle.retryAfter("192.0.2.1")).isEqualTo(1);

            advance(Duration.ofSeconds(1));
            assertThat(throttle.retryAfter("192.0.2.1")).isZero();
            throttle.cleanUp();
            assertThat(log.lines()).filteredOn(line -> line.contains("event=admin_unauthorized_summary"))
                    .containsExactly("INFO event=admin_unauthorized_summary clientIp=192.0.2.1 failures=3 refused=2");
        }
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
