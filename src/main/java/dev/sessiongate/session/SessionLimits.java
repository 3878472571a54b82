package dev.sessiongate.session;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sessions.max-per-user}, {@code sessions.max-per-ip} and {@code sessions.max}, applied
 * when a session is about to be created: with {@code sessions.on-limit=evict-oldest} the oldest
 * session of that user (or address) ends to make room, as in F5 APM; with {@code reject} the new
 * one is refused. Concurrent creations may overshoot a limit by the few that race.
 */
public final class SessionLimits {
    private static final Logger LOG = LoggerFactory.getLogger(SessionLimits.class);

    private final SessionStore store;
    private final GateStats stats;
    private final int maxPerUser;
    private final int maxPerIp;
    private final long maxSessions;
    private final boolean reject;

    public SessionLimits(SessionStore store, GateStats stats, int maxPerUser, int maxPerIp, long maxSessions,
                         boolean reject) {
        this.store = store;
        this.stats = stats;
        this.maxPerUser = maxPerUser;
        this.maxPerIp = maxPerIp;
        this.maxSessions = maxSessions;
        this.reject = reject;
    }

    /**
     * Makes room for one more session of {@code user} from {@code clientIp}.
     *
     * @return false when the session must be refused ({@code reject})
     */
    public boolean admit(String user, String clientIp) {
        boolean userFull = store.countOfUser(user) >= maxPerUser;
        boolean ipFull = store.countOfIp(clientIp) >= maxPerIp;
        if (reject) {
            if (userFull || ipFull || store.size() >= maxSessions) {
                stats.countRejected();
                LOG.warn("event=session_limit user={} clientIp={} perUser={} perIp={} message=\"new session refused\"",
                        user, clientIp, store.countOfUser(user), store.countOfIp(clientIp));
                return false;
            }
            return true;
        }
        // sessions.max itself is kept by the cache's own eviction.
        if (userFull) {
            evictOldest(action -> store.forEachOfUser(user, action), "sessions.max-per-user");
        }
        if (ipFull) {
            evictOldest(action -> store.forEachOfIp(clientIp, action), "sessions.max-per-ip");
        }
        return true;
    }

    /** Ends the oldest of the sessions that {@code sessions} offers; only when a limit is reached. */
    private void evictOldest(Consumer<Consumer<Session>> sessions, String limit) {
        Session[] oldest = new Session[1];
        sessions.accept(session -> {
            if (oldest[0] == null || session.createdAt() < oldest[0].createdAt()) {
                oldest[0] = session;
            }
        });
        if (oldest[0] != null) {
            Session session = oldest[0];
            session.invalidate();
            store.remove(session);
            stats.evictions.increment();
            LOG.info("event=session_evicted user={} clientIp={} sessionId={} reason={}", session.identity().name(),
                    session.clientIp(), session.id(), limit);
        }
    }
}
