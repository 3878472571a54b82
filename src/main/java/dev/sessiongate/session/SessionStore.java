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
     * Keeps the text {@code value} under {@code name} with {@code session} wherever the session is
     * served: here as the session attribute {@link #SHARED}{@code + name}; a cluster store also
     * writes it to the session's record and gives it to the other nodes that hold the session. For
     * small state that must follow a session across nodes (the gateway's upstream cookies).
     */
    default void share(Session session, String name, String value) {
        session.attributes().put(SHARED + name, value);
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
