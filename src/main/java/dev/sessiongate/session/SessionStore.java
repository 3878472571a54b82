package dev.sessiongate.session;

import dev.sessiongate.key.UserKey;
import java.util.function.Consumer;

/**
 * Where sessions live, by user key; in the spirit of Spring Session's {@code SessionRepository}.
 * Implementations expire sessions by the idle timeout and the maximum lifetime themselves.
 * Two ship: {@link CaffeineSessionStore} (one node, the default) and the Redis store of
 * {@code dev.sessiongate.cluster} (many nodes); {@code SessionStoreContract} holds both to this text.
 */
public interface SessionStore extends AutoCloseable {
    /** The prefix of the session attributes that hold values given to {@link #share}. */
    String SHARED = "sessiongate.shared.";

    /** The live session of {@code key}, or {@code null}. A lookup counts as an access. */
    Session find(UserKey key);

    /**
     * Stores {@code session} under its key, unless another live session already is (another
     * node may have authenticated the same key a moment earlier).
     *
     * @return the session now stored under the key: {@code session}, or the one that was first
     */
    Session save(Session session);

    /** Forgets {@code session} (by key and id), if it is still the one stored under its key. */
    void remove(Session session);

    /** About how many sessions are live. */
    long size();

    /** About how many live sessions {@code user} has (for {@code sessions.max-per-user}). */
    int countOfUser(String user);

    /** About how many live sessions come from {@code clientIp} (for {@code sessions.max-per-ip}). */
    int countOfIp(String clientIp);

    /** Calls {@code action} for every live session, for the admin API; not for the request path. */
    void forEach(Consumer<Session> action);

    /** Calls {@code action} for every live session of {@code user}; not for the request path. */
    default void forEachOfUser(String user, Consumer<Session> action) {
        forEach(session -> {
            if (session.identity().name().equals(user)) {
                action.accept(session);
            }
        });
    }

    /** Calls {@code action} for every live session from {@code clientIp}; not for the request path. */
    default void forEachOfIp(String clientIp, Consumer<Session> action) {
        forEach(session -> {
            if (session.clientIp().equals(clientIp)) {
                action.accept(session);
            }
        });
    }

    /**
     * The live session whose {@link Session#id()} is {@code id}, or {@code null}; not counted as
     * an access. For the admin API. The stores shipped keep an index by id; this default, for
     * other stores, looks through them all.
     */
    default Session findById(String id) {
        Session[] found = new Session[1];
        forEach(session -> {
            if (session.id().equals(id)) {
                found[0] = session;
            }
        });
        return found[0];
    }

    /**
     * One page of the live sessions whose user or client IP contains {@code text} in any letter
     * case ({@code null} or empty: all), most recently active first as far as the store knows,
     * with how many matched; for the admin API, not for the request path. While no session
     * changes, pages at successive offsets do not overlap and together hold every match.
     *
     * @param offset how many matches to skip, 0 or more
     * @param limit  the most sessions in the page, 1 or more
     */
    default SessionPage search(String text, int offset, int limit) {
        SessionPage.Collector page = new SessionPage.Collector(text, offset, limit);
        forEach(page);
        return page.page();
    }

    /**
     * Keeps the text {@code value} under {@code name} with {@code session} wherever the session is
     * served: here as the session attribute {@link #SHARED}{@code + name}; a cluster store also
     * writes it to the session's record and gives it to the other nodes that hold the session. For
     * small state that must follow a session across nodes (the gateway's upstream cookies).
     */
    default void share(Session session, String name, String value) {
        session.attributes().put(SHARED + name, value);
    }

    /**
     * Whether this store keeps the application's attributes beyond this node; only then does the
     * application's {@code HttpSession} note which attributes a request changed. The single-node
     * store does not: nothing is tracked or serialized there.
     */
    default boolean sharesAttributes() {
        return false;
    }

    /**
     * Once per request that changed application attributes, when it ends: makes the current values
     * of the attributes named {@code changed} (set, replaced or removed) the ones every node sees.
     * Only called when {@link #sharesAttributes()}; never throws (a value that cannot be shared stays
     * on this node).
     */
    default void saveAttributes(Session session, java.util.Set<String> changed) {
    }

    /**
     * The store's state for the public {@code /health}: {@code null} when all is well, else a
     * short reason why the node is degraded (it still serves, from what it holds).
     */
    default String degradedReason() {
        return null;
    }

    /** Stops background work and closes connections. */
    @Override
    default void close() {
    }
}
