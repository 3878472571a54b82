package dev.sessiongate.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.auth.Identity;
import dev.sessiongate.key.UserKey;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The quiet-lookup store keeps a session while it is used and ends it after the idle timeout. */
class CaffeineSessionStoreTest {
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final CaffeineSessionStore store = new CaffeineSessionStore(1000, Duration.ofSeconds(60),
            Duration.ofHours(1), nanos::get);

    @Test
    void aSessionUsedJustInsideTheIdleTimeoutIsNeverDropped() {
        Session session = save(new UserKey(1, 2, 3, 4));
        for (int i = 0; i < 50; i++) {
            nanos.addAndGet(Duration.ofMillis(59_900).toNanos());
            assertThat(store.find(session.key())).as("lookup %d", i).isSameAs(session);
            session.touch(nanos.get());
        }
        nanos.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(store.find(session.key())).isNull();
        assertThat(session.isValid()).isFalse();
    }

    @Test
    void countsPerUserAndIpFollowSavesAndRemovals() {
        Session a = save(new UserKey(1, 0, 0, 0));
        Session b = save(new UserKey(2, 0, 0, 0));
        assertThat(store.countOfUser("alice")).isEqualTo(2);
        assertThat(store.countOfIp("192.0.2.1")).isEqualTo(2);
        store.remove(a);
        assertThat(store.countOfUser("alice")).isEqualTo(1);
        store.remove(b);
        assertThat(store.countOfUser("alice")).isZero();
        assertThat(store.countOfIp("192.0.2.1")).isZero();
    }

    private Session save(UserKey key) {
        Session session = new Session(key, new Identity("alice", Set.of(), ""), "192.0.2.1", 0, nanos.get());
        store.save(session);
        return session;
    }
}
