package dev.sessiongate.session;

import dev.sessiongate.key.UserKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Looks a session up in a {@link SessionStore} and, on a miss, creates it at most once per key
 * however many requests of that key arrive together: the first runs {@code create}, the others
 * wait for its result (or its exception). Keys never wait for each other.
 */
public final class SingleFlight {
    private final SessionStore store;
    private final GateStats stats;
    private final ConcurrentHashMap<UserKey, CompletableFuture<Session>> inFlight = new ConcurrentHashMap<>();

    public SingleFlight(SessionStore store, GateStats stats) {
        this.store = store;
        this.stats = stats;
    }

    /**
     * The live session of {@code key}, created with {@code create} and saved if there is none.
     * An exception of {@code create} reaches this caller and every waiter.
     */
    public Session obtain(UserKey key, Supplier<Session> create) {
        Session cached = store.find(key);
        if (cached != null) {
            stats.hits.increment();
            return cached;
        }
        stats.misses.increment();
        CompletableFuture<Session> mine = new CompletableFuture<>();
        CompletableFuture<Session> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            stats.coalesced.increment();
            return await(running);
        }
        try {
            // Another request may have finished creating it between the lookup and putIfAbsent.
            Session session = store.find(key);
            if (session == null) {
                session = store.save(create.get());
            }
            mine.complete(session);
            return session;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static Session await(CompletableFuture<Session> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
