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
 * timestamps, and tells Caffeine a new deadline (one and a half idle windows on) only on the first
 * lookup in each new half idle window of the session's life: often enough that Caffeine never
 * drops a live session, rarely enough to cost nothing, and with no field to remember it by. An
 * idle session thus stays in memory up to half an idle window longer than it lives.
 */
public final class CaffeineSessionStore implements SessionStore {
    private final Cache<UserKey, Session> cache;
    private final Policy.VarExpiration<UserKey, Session> expiration;
    private final Ticker ticker;
    private final long idleNanos;
    private final long lifetimeNanos;
    /**
     * The stored sessions by id, for the admin API's lookups (no scan of every session); kept
     * with the cache, an entry leaves when its session does. About 70 bytes a session.
     */
    private final ConcurrentHashMap<Session.Id, Session> byId = new ConcurrentHashMap<>();
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
                .expireAfter(new SessionExpiry())
                .removalListener((UserKey key, Session session, RemovalCause cause) -> {
                    if (session != null) {
                        session.invalidate();
                        count(session, -1);
                        byId.remove(session.idKey(), session);
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
        if (!isLive(session, now)) {
            session.invalidate();
            cache.asMap().remove(key, session);
            return null;
        }
        long halfIdle = Math.max(1, idleNanos / 2);
        long created = session.createdNanos();
        if ((now - created) / halfIdle != (session.lastAccessNanos() - created) / halfIdle) {
            expiration.setExpiresAfter(key, keep(session, now), TimeUnit.NANOSECONDS);
        }
        return session;
    }

    private boolean isLive(Session session, long now) {
        return session.isValid() && now - session.lastAccessNanos() < idleNanos
                && now - session.createdNanos() < lifetimeNanos;
    }

    /**
     * How long Caffeine keeps {@code session} from {@code now}: one and a half idle windows (see
     * the class comment), never past its lifetime.
     */
    private long keep(Session session, long now) {
        return Math.max(0, Math.min(idleNanos + idleNanos / 2, session.createdNanos() + lifetimeNanos - now));
    }

    @Override
    public Session save(Session session) {
        Session[] stored = {session};
        cache.asMap().compute(session.key(), (key, existing) -> {
            if (existing != null && isLive(existing, ticker.read())) {
                stored[0] = existing;
                return existing;
            }
            count(session, +1);
            byId.put(session.idKey(), session);
            return session;
        });
        return stored[0];
    }

    @Override
    public Session findById(String id) {
        Session.Id parsed = Session.Id.parse(id);
        Session session = parsed == null ? null : byId.get(parsed);
        if (session == null || !isLive(session, ticker.read()) || !session.id().equals(id)) {
            return null; // the last test: Base64 has more than one spelling of the same bits
        }
        return session;
    }

    /** The session stored under {@code key}, live or not, without counting an access; for cluster stores. */
    public Session peek(UserKey key) {
        return cache.policy().getIfPresentQuietly(key);
    }

    /** Only on the miss path: first lets Caffeine evict (and uncount) the entries it found expired. */
    @Override
    public int countOfUser(String user) {
        cache.cleanUp();
        return perUser.getOrDefault(user, 0);
    }

    @Override
    public int countOfIp(String clientIp) {
        cache.cleanUp();
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

    /** Caffeine's deadline: see {@link #keep}; reads are quiet and change nothing. */
    private final class SessionExpiry implements Expiry<UserKey, Session> {
        @Override
        public long expireAfterCreate(UserKey key, Session session, long currentTime) {
            return keep(session, currentTime);
        }

        @Override
        public long expireAfterUpdate(UserKey key, Session session, long currentTime, long currentDuration) {
            return keep(session, currentTime);
        }

        @Override
        public long expireAfterRead(UserKey key, Session session, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
