package dev.sessiongate.session;

import dev.sessiongate.key.UserKey;
import java.util.function.Consumer;

/**
 * Where sessions live, by user key; in the spirit of Spring Session's {@code SessionRepository}.
 * Implementations expire sessions by the idle timeout and the maximum lifetime themselves.
 */
public interface SessionStore {

    /** The live session of {@code key}, or {@code null}. A lookup counts as an access. */
    Session find(UserKey key);

    /** Stores {@code session} under its key, replacing any other. */
    void save(Session session);

    /** Forgets {@code session}, if it is still the one stored under its key. */
    void remove(Session session);

    /** About how many sessions are live. */
    long size();

    /** About how many live sessions {@code user} has (for {@code sessions.max-per-user}). */
    int countOfUser(String user);

    /** About how many live sessions come from {@code clientIp} (for {@code sessions.max-per-ip}). */
    int countOfIp(String clientIp);

    /** Calls {@code action} for every live session, for the admin API; not for the request path. */
    void forEach(Consumer<Session> action);
}
