package dev.sessiongate.session;

import dev.sessiongate.util.Logfmt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sessions.max-per-user}, {@code sessions.max-per-ip} (0: none, the default, as in F5 APM,
 * Caddy and Traefik: one NAT or load balancer may carry thousands of partners, and a per-address
 * limit would make each new one evict another's session and pay a password check) and
 * {@code sessions.max}, applied
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
    /** Sessions from one address above which, with no trusted proxy, the log says it looks like one. */
    static final int SHARED_ADDRESS_SESSIONS = 50;

    private final boolean reject;
    private final boolean proxiesTrusted;
    private final AtomicBoolean sharedAddressReported = new AtomicBoolean();

    /**
     * @param maxPerIp       the most sessions from one address, 0 for no limit
     * @param proxiesTrusted whether {@code trusted-proxies} is set (else many users behind one
     *                       address are worth a word in the log)
     */
    public SessionLimits(SessionStore store, GateStats stats, int maxPerUser, int maxPerIp, long maxSessions,
                         boolean reject, boolean proxiesTrusted) {
        this.store = store;
        this.stats = stats;
        this.maxPerUser = maxPerUser;
        this.maxPerIp = maxPerIp;
        this.maxSessions = maxSessions;
        this.reject = reject;
        this.proxiesTrusted = proxiesTrusted;
    }

    /**
     * Makes room for one more session of {@code user} from {@code clientIp}.
     *
     * @return false when the session must be refused ({@code reject})
     */
    public boolean admit(String user, String clientIp) {
        boolean userFull = store.countOfUser(user) >= maxPerUser;
        boolean ipFull = false;
        if (maxPerIp > 0 || !(proxiesTrusted || sharedAddressReported.get())) {
            long ofIp = store.countOfIp(clientIp);
            ipFull = maxPerIp > 0 && ofIp >= maxPerIp;
            reportSharedAddress(clientIp, ofIp);
        }
        if (reject) {
            if (userFull || ipFull || store.size() >= maxSessions) {
                stats.countRejected();
                LOG.warn("event=session_limit user={} clientIp={} perUser={} perIp={} message=\"new session refused\"",
                        Logfmt.value(user), clientIp, store.countOfUser(user), store.countOfIp(clientIp));
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

    /**
     * Says once that one address holds many sessions while no proxy is trusted: behind an
     * unconfigured load balancer every partner has the balancer's address, so per-address
     * throttling and keys cannot tell them apart.
     */
    private void reportSharedAddress(String clientIp, long sessionsOfIp) {
        if (!proxiesTrusted && sessionsOfIp >= SHARED_ADDRESS_SESSIONS && sharedAddressReported.compareAndSet(false, true)) {
            LOG.warn("event=shared_client_address clientIp={} sessions={} message=\"one address holds the sessions of "
                    + "many clients; if it is a proxy or load balancer, set trusted-proxies (and trusted-proxies.header) "
                    + "so that SessionGate sees each client's own address\"", clientIp, sessionsOfIp);
        }
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
            LOG.info("event=session_evicted user={} clientIp={} sessionId={} reason={}", Logfmt.value(session.identity().name()),
                    session.clientIp(), session.id(), limit);
        }
    }
}
