package dev.sessiongate.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.key.UserKey;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The default, in-memory {@link SessionStore}: a bounded Caffeine cache whose entries expire
 * after the idle timeout or at the end of their lifetime, whichever comes first. Time comes from
 * the injected {@link Ticker}, so tests move a fake clock instead of sleeping.
 *
 * <p>Lookups are quiet: they do not record an access in Caffeine, whose per-read bookkeeping
 * (the access buffer and the timer wheel, drained under one lock) made two threads twice as slow
 * per lookup as one. The store checks idleness and lifetime itself from the session's own
 * timestamps, and tells Caffeine a new deadline only when half the idle window is used up.
 */
public final class CaffeineSessionStore implements SessionStore {
    private final Cache<UserKey, Session> cache;
    private final Policy.VarExpiration<UserKey, Session> expiration;
    private final Ticker ticker;
    private final long idleNanos;
    private final long lifetimeNanos;
    /** Live sessions per user and per client IP; an entry exists only while its count is above 0. */
    private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> perIp = new ConcurrentHashMap<>();

    public CaffeineSessionStore(long maxSessions, Duration idleTimeout, Duration maxLifetime, Ticker ticker) {
        this(maxSessions, idleTimeout, maxLifetime, ticker, new GateStats());
    }

    /** As above, counting evictions (size, idle, lifetime) in {@code stats}. */
    public CaffeineSessionStore(long maxSessions, Duration idleTimeout, Duration maxLifetime, Ticker ticker,
                                GateStats stats) {
        this.ticker = ticker;
        this.idleNanos = idleTimeout.toNanos();
        this.lifetimeNanos = maxLifetime.toNanos();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSessions)
                .ticker(ticker)
                .expireAfter(new SessionExpiry(idleTimeout.toNanos(), maxLifetime.toNanos()))
                .removalListener((UserKey key, Session session, RemovalCause cause) -> {
                    if (session != null) {
                        session.invalidate();
                        count(session, -1);
                    }
                    if (cause.wasEvicted()) {
                        stats.evictions.increment();
                    }
                })
                .executor(Runnable::run)
                .build();
        this.expiration = cache.policy().expireVariably().orElseThrow();
    }

    @Override
    public Session find(UserKey key) {
        Session session = cache.policy().getIfPresentQuietly(key);
        if (session == null) {
            return null;
        }
        long now = ticker.read();
        if (!session.isValid() || now - session.lastAccessNanos() >= idleNanos
                || now - session.createdNanos() >= lifetimeNanos) {
            session.invalidate();
            cache.asMap().remove(key, session);
            return null;
        }
        if (session.cacheDeadlineNanos() - now < idleNanos / 2) {
            long keep = Math.min(idleNanos, session.createdNanos() + lifetimeNanos - now);
            session.cacheDeadlineNanos(now + keep);
            expiration.setExpiresAfter(key, keep, TimeUnit.NANOSECONDS);
        }
        return session;
    }

    @Override
    public void save(Session session) {
        count(session, +1);
        cache.put(session.key(), session);
    }

    @Override
    public int countOfUser(String user) {
        return perUser.getOrDefault(user, 0);
    }

    @Override
    public int countOfIp(String clientIp) {
        return perIp.getOrDefault(clientIp, 0);
    }

    private void count(Session session, int delta) {
        perUser.compute(session.identity().name(), (user, n) -> add(n, delta));
        perIp.compute(session.clientIp(), (ip, n) -> add(n, delta));
    }

    private static Integer add(Integer count, int delta) {
        int next = (count == null ? 0 : count) + delta;
        return next > 0 ? next : null;
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
    /** Live sessions per user and per client IP; an entry exists only while its count is above 0. */
    private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> perIp = new ConcurrentHashMap<>();

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

        /** Reads are quiet (see the class comment); should one be recorded, it changes nothing. */
        @Override
        public long expireAfterRead(UserKey key, Session session, long currentTime, long currentDuration) {
            return currentDuration;
        }

        private long remaining(Session session, long now) {
            long keep = Math.max(0, Math.min(idleNanos, session.createdNanos() + lifetimeNanos - now));
            session.cacheDeadlineNanos(now + keep);
            return keep;
        }
    }
}
