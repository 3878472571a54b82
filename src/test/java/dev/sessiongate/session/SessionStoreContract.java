package dev.sessiongate.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.key.UserKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionStore} does, whatever keeps its sessions: one suite, run against the
 * Caffeine store and the Redis store, on a {@link FakeClock} that the tests move instead of
 * sleeping.
 */
public abstract class SessionStoreContract {
    private final List<SessionStore> opened = new ArrayList<>();
    private final FakeClock clock = new FakeClock();

    /** A new, empty store whose time is {@code clock}'s. */
    protected abstract SessionStore newStore(Duration idleTimeout, Duration maxLifetime, FakeClock clock);

    private SessionStore store(Duration idleTimeout) {
        SessionStore store = newStore(idleTimeout, Duration.ofHours(1), clock);
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(SessionStore::close);
    }

    private Session session(long keyBits, String user, String ip) {
        return new Session(new UserKey(keyBits, ~keyBits, keyBits * 31, 7), new Identity(user, Set.of("staff", "ops"),
                "tag-" + user), ip, clock.millis(), clock.ticker().read());
    }

    /**
     * Time for a store: a ticker and the wall clock that goes with it, both moved only by
     * {@link #advance}. The wall clock starts at the real one, as Redis keeps its own.
     */
    public static final class FakeClock {
        private final long startMillis = System.currentTimeMillis();
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        public Ticker ticker() {
            return nanos::get;
        }

        /** Epoch milliseconds, moving with the ticker. */
        public long millis() {
            return startMillis + (nanos.get() - 1_000_000_000L) / 1_000_000;
        }

        void advance(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }
    }

    @Test
    void aSavedSessionIsFoundByItsKeyWithItsIdIdentityAndAddress() {
        SessionStore store = store(Duration.ofMinutes(5));
        Session saved = session(1, "alice", "192.0.2.1");
        assertThat(store.save(saved)).isSameAs(saved);
        Session found = store.find(saved.key());
        assertThat(found.id()).isEqualTo(saved.id());
        assertThat(found.identity()).isEqualTo(saved.identity());
        assertThat(found.clientIp()).isEqualTo("192.0.2.1");
        assertThat(store.find(session(2, "alice", "192.0.2.1").key())).isNull();
    }

    @Test
    void theFirstLiveSessionOfAKeyStays() {
        SessionStore store = store(Duration.ofMinutes(5));
        Session first = session(1, "alice", "192.0.2.1");
        Session second = session(1, "alice", "192.0.2.1");
        store.save(first);
        assertThat(store.save(second).id()).isEqualTo(first.id());
        assertThat(store.find(first.key()).id()).isEqualTo(first.id());
    }

    @Test
    void removeForgetsThatSessionOnlyAndByItsId() {
        SessionStore store = store(Duration.ofMinutes(5));
        Session old = session(1, "alice", "192.0.2.1");
        store.save(old);
        store.remove(old);
        assertThat(store.find(old.key())).isNull();

        Session next = session(1, "alice", "192.0.2.1");
        store.save(next);
        store.remove(old);
        assertThat(store.find(next.key()).id()).isEqualTo(next.id());
    }

    @Test
    void sessionsAreCountedAndListedByUserAndAddress() {
        SessionStore store = store(Duration.ofMinutes(5));
        store.save(session(1, "alice", "192.0.2.1"));
        store.save(session(2, "alice", "192.0.2.2"));
        Session bob = store.save(session(3, "bob", "192.0.2.1"));
        assertThat(store.size()).isEqualTo(3);
        assertThat(store.countOfUser("alice")).isEqualTo(2);
        assertThat(store.countOfIp("192.0.2.1")).isEqualTo(2);
        assertThat(store.countOfUser("carol")).isZero();

        List<String> users = new ArrayList<>();
        store.forEach(s -> users.add(s.identity().name()));
        assertThat(users).containsExactlyInAnyOrder("alice", "alice", "bob");
        List<String> ips = new ArrayList<>();
        store.forEachOfUser("alice", s -> ips.add(s.clientIp()));
        assertThat(ips).containsExactlyInAnyOrder("192.0.2.1", "192.0.2.2");
        List<String> ids = new ArrayList<>();
        store.forEachOfIp("192.0.2.1", s -> ids.add(s.identity().name()));
        assertThat(ids).containsExactlyInAnyOrder("alice", "bob");

        store.remove(bob);
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.countOfIp("192.0.2.1")).isEqualTo(1);
    }

    @Test
    void aSessionIsFoundByItsIdUntilItIsRemoved() {
        SessionStore store = store(Duration.ofMinutes(5));
        Session saved = store.save(session(1, "alice", "192.0.2.1"));
        store.save(session(2, "bob", "192.0.2.2"));
        Session found = store.findById(saved.id());
        assertThat(found.id()).isEqualTo(saved.id());
        assertThat(found.key()).isEqualTo(saved.key());
        assertThat(found.identity().name()).isEqualTo("alice");
        assertThat(store.findById(session(3, "alice", "192.0.2.1").id())).isNull();
        assertThat(store.findById("not an id")).isNull();

        store.remove(saved);
        assertThat(store.findById(saved.id())).isNull();
        assertThat(store.findById(store.find(session(2, "bob", "192.0.2.2").key()).id())).isNotNull();
    }

    @Test
    void aSearchMatchesAnyPartOfUserOrAddressInAnyCaseAndPagesNeverOverlap() {
        SessionStore store = store(Duration.ofMinutes(5));
        store.save(session(1, "alice", "192.0.2.1"));
        store.save(session(2, "alice", "192.0.2.2"));
        store.save(session(3, "bob", "192.0.2.1"));
        store.save(session(4, "Carol", "198.51.100.7"));
        store.save(session(5, "dave", "2001:db8::5"));

        assertThat(users(store.search("LIC", 0, 10))).containsExactlyInAnyOrder("alice", "alice");
        assertThat(users(store.search("51.100", 0, 10))).containsExactly("Carol");
        assertThat(users(store.search("carol", 0, 10))).containsExactly("Carol");
        assertThat(users(store.search("DB8", 0, 10))).containsExactly("dave");
        assertThat(store.search("nobody", 0, 10).total()).isZero();
        assertThat(store.search("192.0.2.1", 0, 10).total()).isEqualTo(2);

        List<String> ids = new ArrayList<>();
        for (int offset = 0; offset < 6; offset += 2) {
            SessionPage page = store.search(offset == 0 ? null : "", offset, 2);
            assertThat(page.total()).isEqualTo(5);
            assertThat(page.sessions()).hasSize(offset < 4 ? 2 : 1);
            page.sessions().forEach(s -> ids.add(s.id()));
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(5);
        assertThat(store.search(null, 5, 2).sessions()).isEmpty();
    }

    private static List<String> users(SessionPage page) {
        List<String> users = new ArrayList<>();
        page.sessions().forEach(s -> users.add(s.identity().name()));
        assertThat(page.total()).isEqualTo(users.size());
        return users;
    }

    @Test
    void anIdleSessionEndsAfterTheIdleTimeout() {
        SessionStore store = store(Duration.ofMinutes(10));
        Session session = store.save(session(1, "alice", "192.0.2.1"));
        clock.advance(Duration.ofMinutes(9));
        assertThat(store.find(session.key())).isNotNull();
        assertThat(store.countOfUser("alice")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2)); // 11 minutes without a request (a lookup is not one)
        assertThat(store.find(session.key())).isNull();
        assertThat(store.findById(session.id())).isNull();
        assertThat(store.countOfUser("alice")).isZero();
        assertThat(store.countOfIp("192.0.2.1")).isZero();
        assertThat(store.search(null, 0, 10).total()).isZero();
    }
}
