package dev.sessiongate.session;

import dev.sessiongate.key.UserKey;

/**
 * Where sessions live, by user key; in the spirit of Spring Session's {@code SessionRepository}.
 * Implementations expire sessions by the idle timeout and the maximum lifetime themselves.
 */
public interface SessionStore {

    /** The live session of {@code key}, or {@code null}. A lookup counts as an access. */
    Session find(UserKey key);

    /** Stores {@code session} under its key, replacing any other. */
    void save(Session session);

    /** Ends and forgets the session of {@code key}, if any. */
    void remove(UserKey key);

    /** About how many sessions are live. */
    long size();
}
