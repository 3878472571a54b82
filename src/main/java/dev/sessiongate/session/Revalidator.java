package dev.sessiongate.session;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.util.DaemonThreads;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.util.Repeats;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-checks cached identities in the background ({@code session.revalidate-after}), with the
 * authenticator's {@code validate}: no password needed, only whether the user still exists and
 * the stored credential is unchanged. A failed check ends the session, so the next request of
 * its key authenticates again. The request that finds a session due is served meanwhile.
 */
public final class Revalidator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Revalidator.class);

    private final Predicate<Identity> validate;
    private final SessionStore store;
    private final long everyNanos;
    private final DaemonThreads threads = DaemonThreads.named("sessiongate-revalidate");
    private final ThreadPoolExecutor executor;
    /** While the user store is down every due session fails alike: one line a minute, and a count. */
    private final Repeats problems;

    /**
     * Checks with {@code validate} (the authenticator's, or the token store's for token sessions)
     * and removes failed sessions from {@code store}, on every node of a cluster.
     */
    public Revalidator(Predicate<Identity> validate, SessionStore store, Duration every, Ticker ticker) {
        this.problems = new Repeats(Duration.ofMinutes(1), 16, ticker, (event, count) ->
                LOG.warn("event={}_repeated count={} windowSeconds=60", event, count));
        this.validate = validate;
        this.store = store;
        this.everyNanos = every.toNanos();
        this.executor = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000),
                threads);
    }

    /** Starts a background check of {@code session} if it is due at {@code now} (ticker nanoseconds). */
    public void maybeRevalidate(Session session, long now) {
        if (session.claimRevalidation(now, everyNanos)) {
            submit(session, () -> check(session, validate));
        }
    }

    /**
     * As {@link #maybeRevalidate(Session, long)}, checking with {@code validate} and
     * {@code context} instead: for sessions that can only be checked with what their request
     * brings (a client certificate's chain).
     */
    public <T> void maybeRevalidate(Session session, long now, T context, BiPredicate<T, Identity> validate) {
        if (session.claimRevalidation(now, everyNanos)) {
            submit(session, () -> check(session, identity -> validate.test(context, identity)));
        }
    }

    private void submit(Session session, Runnable check) {
        try {
            executor.execute(check);
        } catch (RejectedExecutionException e) {
            if (problems.first("revalidation_skipped")) {
                LOG.warn("event=revalidation_skipped user={} reason=\"queue full\"",
                        Logfmt.value(session.identity().name()));
            }
        }
    }

    private void check(Session session, Predicate<Identity> validate) {
        boolean valid;
        try {
            valid = validate.test(session.identity());
        } catch (RuntimeException e) {
            // The user store is down: keep the session rather than lock everyone out; try again later.
            if (problems.first("revalidation_unavailable")) {
                LOG.warn("event=revalidation_unavailable user={} message={}", Logfmt.value(session.identity().name()),
                        Logfmt.value(e.getMessage()));
            }
            return;
        }
        if (!valid) {
            // By key and id: a new session of the same key, made meanwhile, stays.
            session.invalidate();
            store.remove(session);
            LOG.info("event=session_revalidation_failed user={} clientIp={} sessionId={} message=\"user gone or "
                    + "credential changed; the next request authenticates again\"",
                    Logfmt.value(session.identity().name()), session.clientIp(), session.id());
        }
    }

    /** Stops the checks: those in flight are interrupted, and their threads have ended when this returns. */
    @Override
    public void close() {
        threads.stop(executor);
        problems.flush();
    }
}
