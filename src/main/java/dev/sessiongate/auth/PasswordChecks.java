package dev.sessiongate.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.util.DaemonThreads;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs password checks the safe way: on a bounded pool ({@code auth.threads},
 * {@code auth.queue}), so that a flood of wrong passwords cannot take every CPU, and only for
 * clients that have not failed too often ({@code auth.max-failures} within
 * {@code auth.failure-window}) per user and IP, or per IP. The per-IP limit is four times the
 * per-user one, so that one user mistyping does not lock out the other users behind the same
 * address; a user failing from one IP is never locked out from another.
 *
 * <p>Failures are counted before any user store has said who the user is, so they are counted
 * per {@linkplain UserNames#fold folded} name: {@code ALICE}, {@code " alice"} and {@code alice}
 * share one count, as a directory would let them all guess the same password. Where the store
 * tells such names apart (htpasswd), they share a count all the same; that errs on the safe side.
 *
 * <p>A failure counts once per distinct guess: the same user, IP and wrong password again within
 * the window is not counted again, since careful clients repeat a refused request (Java's
 * {@code HttpClient} sends a wrong password four times per request) and would otherwise lock
 * themselves out with two requests. Every new password is counted, so guessing is as slow as
 * before. Only a keyed hash of a guess is kept ({@link CountedGuesses}), never the password.
 *
 * <p>A login waits at most {@code auth.timeout} for its check, queue included: a user store that
 * hangs (a stopped directory still accepts connections) must not hold the client, and every
 * request behind it in the queue, for as long as the store's own time-outs allow.
 */
public final class PasswordChecks implements AutoCloseable {
    /** How many more failures an IP may have than one user from it. */
    static final int IP_FACTOR = 4;

    private final Authenticator authenticator;
    private final ThreadPoolExecutor pool;
    private final Cache<String, Window> failures;
    private final CountedGuesses countedGuesses;
    private final int maxFailures;
    private final long windowNanos;
    private final long timeoutNanos;
    private final Ticker ticker;
    private final StoreHealth health;

    public PasswordChecks(Authenticator authenticator, int threads, int queue, Duration timeout, int maxFailures,
                          Duration window, Ticker ticker, StoreHealth health) {
        this.authenticator = authenticator;
        this.health = health;
        this.timeoutNanos = timeout.toNanos();
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        this.failures = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).ticker(ticker).build();
        this.countedGuesses = new CountedGuesses(window, ticker);
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                DaemonThreads.named("sessiongate-password-check"));
    }

    /**
     * Checks {@code password} on the pool, waiting for the answer.
     *
     * @throws LoginRefusedException when throttled or when the pool is full
     * @throws AuthenticatorUnavailableException when the user store cannot be asked
     * @throws TimedOutException when the check has not answered within {@code auth.timeout}
     */
    public Optional<Identity> check(String user, Password password, String clientIp) {
        return check(user, password, clientIp, authenticator);
    }

    /** As {@link #check(String, Password, String)}, asking {@code checker} instead of the authenticator. */
    public Optional<Identity> check(String user, Password password, String clientIp, Authenticator checker) {
        String userKey = "u\u0000" + UserNames.fold(user) + "\u0000" + clientIp;
        String ipKey = "i\u0000" + clientIp;
        long now = ticker.read();
        Window blocked = blocking(userKey, maxFailures, now);
        if (blocked == null) {
            blocked = blocking(ipKey, maxFailures * IP_FACTOR, now);
        }
        if (blocked != null) {
            synchronized (blocked) {
                boolean first = !blocked.reported;
                blocked.reported = true;
                long wait = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(blocked.start + windowNanos - now + 999_999_999L));
                throw new LoginRefusedException(true, wait, first);
            }
        }
        Future<Optional<Identity>> result;
        try {
            result = pool.submit(() -> checker.authenticate(user, password));
        } catch (RejectedExecutionException e) {
            throw new LoginRefusedException(false, 1, true);
        }
        Optional<Identity> identity = health.check(() -> await(result));
        if (identity.isEmpty()) {
            // A repeat is the same name as typed: for a case-sensitive users file, Alice and alice
            // are two accounts, and one password tried against both is two guesses.
            if (countedGuesses.first(user + "\u0000" + clientIp, password)) {
                failed(userKey, now);
                failed(ipKey, now);
            }
        } else {
            failures.invalidate(userKey);
        }
        return identity;
    }

    private Optional<Identity> await(Future<Optional<Identity>> result) {
        try {
            return result.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // Frees its place in the queue, or interrupts the check if it is running.
            pool.remove((Runnable) result);
            result.cancel(true);
            throw new TimedOutException();
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new AuthenticatorUnavailableException("interrupted while waiting for the password check", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new AuthenticatorUnavailableException("password check failed", e.getCause());
        }
    }

    /** The window of {@code key} if it has reached {@code limit} failures, else {@code null}. */
    private Window blocking(String key, int limit, long now) {
        Window window = failures.getIfPresent(key);
        if (window == null) {
            return null;
        }
        synchronized (window) {
            return window.count < limit || now - window.start >= windowNanos ? null : window;
        }
    }

    private void failed(String key, long now) {
        Window window = failures.get(key, k -> new Window(now));
        synchronized (window) {
            if (now - window.start >= windowNanos) {
                window.start = now;
                window.count = 0;
                window.reported = false;
            }
            window.count++;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** The password check did not answer within {@code auth.timeout}; the client gets a 503. */
    public static final class TimedOutException extends AuthenticatorUnavailableException {
        private static final long serialVersionUID = 1L;

        TimedOutException() {
            super("the password check did not answer within auth.timeout", null);
        }
    }

    /** Failures counted since {@code start}. */
    private static final class Window {
        long start;
        int count;
        boolean reported;

        Window(long start) {
            this.start = start;
        }
    }
}
