package dev.sessiongate.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.key.UserKey;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The default, in-memory {@link SessionStore}: a bounded Caffeine cache whose entries expire
 * after the idle timeout or at the end of their lifetime, whichever comes first. Time comes from
 * the injected {@link Ticker}, so tests move a fake clock instead of sleeping.
 */
public final class CaffeineSessionStore implements SessionStore {
    private final Cache<UserKey, Session> cache;

    public CaffeineSessionStore(long maxSessions, Duration idleTimeout, Duration maxLifetime, Ticker ticker) {
        this(maxSessions, idleTimeout, maxLifetime, ticker, new GateStats());
    }

    /** As above, counting evictions (size, idle, lifetime) in {@code stats}. */
    public CaffeineSessionStore(long maxSessions, Duration idleTimeout, Duration maxLifetime, Ticker ticker,
                                GateStats stats) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSessions)
                .ticker(ticker)
                .expireAfter(new SessionExpiry(idleTimeout.toNanos(), maxLifetime.toNanos()))
                .removalListener((UserKey key, Session session, RemovalCause cause) -> {
                    if (session != null) {
                        session.invalidate();
                    }
                    if (cause.wasEvicted()) {
                        stats.evictions.increment();
                    }
                })
                .executor(Runnable::run)
                .build();
    }

    @Override
    public Session find(UserKey key) {
        Session session = cache.getIfPresent(key);
        if (session != null && !session.isValid()) {
            cache.asMap().remove(key, session);
            return null;
        }
        return session;
    }

    @Override
    public void save(Session session) {
        cache.put(session.key(), session);
    }

    @Override
    public void remove(Session session) {
        cache.asMap().remove(session.key(), session);
    }

    @Override
    public long size() {
        return cache.estimatedSize();
    }

    @Override
    public void forEach(Consumer<Session> action) {
        for (Session session : cache.asMap().values()) {
            if (session.isValid()) {
                action.accept(session);
            }
        }
    }

    /** Idle timeout, capped by what is left of the maximum lifetime. */
    private static final class SessionExpiry implements Expiry<UserKey, Session> {
        private final long idleNanos;
        private final long lifetimeNanos;

        SessionExpiry(long idleNanos, long lifetimeNanos) {
            this.idleNanos = idleNanos;
            this.lifetimeNanos = lifetimeNanos;
        }

        @Override
        public long expireAfterCreate(UserKey key, Session session, long currentTime) {
            return remaining(session, currentTime);
        }

        @Override
        public long expireAfterUpdate(UserKey key, Session session, long currentTime, long currentDuration) {
            return remaining(session, currentTime);
        }

        @Override
        public long expireAfterRead(UserKey key, Session session, long currentTime, long currentDuration) {
            return remaining(session, currentTime);
        }

        private long remaining(Session session, long now) {
            long lifeLeft = session.createdNanos() + lifetimeNanos - now;
            return Math.max(0, Math.min(idleNanos, lifeLeft));
        }
    }
}
