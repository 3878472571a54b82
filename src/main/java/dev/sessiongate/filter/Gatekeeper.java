package dev.sessiongate.filter;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.AccessPolicy;
import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.DelegatedAuthenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.LoginRefusedException;
import dev.sessiongate.auth.Password;
import dev.sessiongate.auth.PasswordChecks;
import dev.sessiongate.auth.StoreHealth;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.config.Secret;
import dev.sessiongate.hook.ResponseHook;
import dev.sessiongate.key.ClientIpResolver;
import dev.sessiongate.key.PathNormalizer;
import dev.sessiongate.key.UserKey;
import dev.sessiongate.key.UserKeyDeriver;
import dev.sessiongate.session.GateStats;
import dev.sessiongate.session.Revalidator;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionLimits;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.session.SingleFlight;
import dev.sessiongate.util.DaemonThreads;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.util.Repeats;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path of the filter: credentials → client IP and path → user key → cached session
 * (or one authentication per key) → the wrapped request → the response hook.
 */
final class Gatekeeper {
    private static final Logger LOG = LoggerFactory.getLogger(SessionGate.class);
    /** How long a throttled client waits for its 429. */
    static final long TARPIT_MILLIS = 1000;

    private final GateConfig config;
    private final UserKeyDeriver deriver;
    private final ClientIpResolver clientIps;
    private final SessionStore store;
    private final SingleFlight sessions;
    private final GateStats stats;
    private final Authenticator authenticator;
    private final PasswordChecks passwordChecks;
    private final ApiTokens tokens;
    private final ContainerRealm containerRealm;
    private final SessionLimits limits;
    private final AccessPolicy policy;
    private final ResponseNotifier notifier;
    private final FailureResponder responder;
    private final CookieStripper cookieStripper;
    private final Ticker ticker;
    private final Revalidator revalidator;
    /** Whether the authenticator answered its last question, for {@code /health}. */
    private final StoreHealth storeHealth = new StoreHealth();
    private final int idleSeconds;
    /** Failed logins per client address, and full pools: the first in a minute logged, the rest counted. */
    private final Repeats failures;
    private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("sessiongate-tarpit"));

    Gatekeeper(GateConfig config, Secret keySecret, Authenticator authenticator, AccessPolicy policy,
               ResponseHook hook, SessionStore store, GateStats stats, ApiTokens tokens, Ticker ticker) {
        this.config = config;
        this.deriver = new UserKeyDeriver(keySecret, config.keyParts());
        this.clientIps = new ClientIpResolver(config.trustedProxies(), config.clientIpHeader());
        this.store = store;
        this.stats = stats;
        this.sessions = new SingleFlight(store, stats);
        this.limits = new SessionLimits(store, stats, config.maxPerUser(), config.maxPerIp(), config.maxSessions(),
                config.rejectOverLimit(), !config.trustedProxies().isEmpty());
        this.authenticator = authenticator;
        this.passwordChecks = new PasswordChecks(authenticator, config.authThreads(), config.authQueue(),
                config.authTimeout(), config.maxFailures(), config.failureWindow(), ticker, storeHealth);
        this.containerRealm = config.containerRealm() ? new ContainerRealm(config.requireGroups()) : null;
        this.tokens = tokens;
        this.revalidator = new Revalidator(identity -> identity.tokenId() != null
                ? tokens.isLive(identity.tokenId()) && storeHealth.failures(() -> tokenUserExists(identity.name()))
                : storeHealth.failures(() -> authenticator.validate(identity)), store,
                config.revalidateAfter(), ticker);
        this.policy = policy;
        this.notifier = new ResponseNotifier(hook);
        this.responder = new FailureResponder(config.realm());
        this.cookieStripper = new CookieStripper(config.stripAllCookies(), config.stripCookies());
        this.ticker = ticker;
        this.idleSeconds = (int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toSeconds());
        this.failures = new Repeats(Duration.ofMinutes(1), 10_000, ticker, (event, count) -> {
            int space = event.indexOf(' ');
            LOG.info("event={}_repeated clientIp={} count={} windowSeconds=60", event.substring(0, space),
                    Logfmt.value(event.substring(space + 1)), count);
        });
    }

    void handle(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        long start = System.nanoTime();
        String clientIp = clientIps.resolve(request);
        BasicCredentials credentials = null;
        Session session;
        try {
            String authorization = authorization(request);
            if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                session = tokenSession(authorization.substring(7).trim(), clientIp);
            } else {
                credentials = BasicCredentials.parse(authorization);
                session = open(credentials, clientIp, request);
            }
        } catch (RejectedException e) {
            String user = credentials == null ? null : credentials.user();
            if (e.rejection() == Rejection.TOO_MANY_FAILURES && request.isAsyncSupported()) {
                tarpit(request, response, e, start, user, clientIp);
            } else {
                responder.respond(response, e);
                notifier.finished(request, response, start, user, clientIp);
            }
            return;
        } finally {
            if (credentials != null) {
                credentials.clear();
            }
        }
        long now = ticker.read();
        boolean isNew = session.touch(now) == 1;
        if (!isNew) {
            revalidator.maybeRevalidate(session, now);
        }
        GateRequest wrapped = new GateRequest(request, session, clientIp, isNew, this);
        boolean completed = false;
        try {
            chain.doFilter(wrapped, response);
            completed = true;
        } finally {
            notifier.after(wrapped, request, response, start, session, clientIp, completed);
        }
    }

    /**
     * Answers a throttled client after {@link #TARPIT_MILLIS}, holding no thread meanwhile: a
     * client hammering wrong passwords then costs a few requests a second, not thousands.
     */
    private void tarpit(HttpServletRequest request, HttpServletResponse response, RejectedException e, long start,
                        String user, String clientIp) {
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        try {
            delays.schedule(() -> {
                try {
                    responder.respond(response, e);
                    notifier.finished(request, response, start, user, clientIp);
                } catch (IOException | RuntimeException failure) {
                    LOG.debug("event=tarpit_answer_failed", failure);
                } finally {
                    async.complete();
                }
            }, TARPIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            async.complete();
        }
    }

    /** The one {@code Authorization} header. */
    private static String authorization(HttpServletRequest request) {
        Enumeration<String> headers = request.getHeaders("Authorization");
        if (headers == null || !headers.hasMoreElements()) {
            throw new RejectedException(Rejection.MISSING_CREDENTIALS, null);
        }
        String header = headers.nextElement();
        if (headers.hasMoreElements()) {
            throw new RejectedException(Rejection.DUPLICATE_AUTHORIZATION, null);
        }
        return header;
    }

    /**
     * The session of an API token: no password check and no access policy (an admin issued the
     * token for this user); one session per token, made again if it idles out once the
     * authenticator confirms that the user still exists (a lookup, no password).
     */
    private Session tokenSession(String secret, String clientIp) {
        ApiTokens.Token token = secret.isEmpty() ? null : tokens.find(secret);
        if (token == null) {
            LOG.info("event=token_refused clientIp={}", clientIp);
            throw new RejectedException(Rejection.INVALID_TOKEN, null);
        }
        UserKey key = UserKey.fromHex(token.hash());
        return sessions.obtain(key, () -> {
            boolean exists;
            try {
                exists = storeHealth.failures(() -> tokenUserExists(token.user()));
            } catch (AuthenticatorUnavailableException e) {
                LOG.warn("event=auth_unavailable user={} clientIp={} token={} message={}", Logfmt.value(token.user()),
                        clientIp, token.id(), Logfmt.value(e.getMessage()));
                throw new RejectedException(rejectionFor(e), null);
            }
            if (!exists) {
                LOG.info("event=token_refused clientIp={} token={} reason=\"user gone\"", clientIp, token.id());
                throw new RejectedException(Rejection.INVALID_TOKEN, null);
            }
            Session session = new Session(key, Identity.ofToken(token.user(), token.id()).shared(), clientIp,
                    System.currentTimeMillis(), ticker.read());
            LOG.info("event=session_created user={} clientIp={} sessionId={} token={}", Logfmt.value(token.user()), clientIp,
                    session.id(), token.id());
            return session;
        });
    }

    private Session open(BasicCredentials credentials, String clientIp, HttpServletRequest request) {
        String path;
        try {
            path = PathNormalizer.normalize(request.getRequestURI());
        } catch (IllegalArgumentException e) {
            throw new RejectedException(Rejection.BAD_PATH, null);
        }
        UserKey key = deriver.derive(credentials.bytes(), credentials.colon(), clientIp, path, request);
        return sessions.obtain(key, () -> authenticate(key, credentials, clientIp, request));
    }

    /** The cache miss: one password check and the access policy, then a new session. */
    private Session authenticate(UserKey key, BasicCredentials credentials, String clientIp, HttpServletRequest request) {
        String user = credentials.user();
        long start = System.nanoTime();
        Optional<Identity> identity;
        try (Password password = credentials.password()) {
            identity = containerRealm == null ? passwordChecks.check(user, password, clientIp)
                    : passwordChecks.check(user, password, clientIp, containerRealm.forRequest(request));
        } catch (LoginRefusedException e) {
            if (e.throttled()) {
                stats.countThrottled();
                if (e.first()) {
                    LOG.warn("event=login_throttled user={} clientIp={} retryAfter={} message=\"further refusals in "
                            + "this window are counted in /admin/stats, not logged here\"", Logfmt.value(user), clientIp, e.retryAfterSeconds());
                }
                throw new RejectedException(Rejection.TOO_MANY_FAILURES, null, null, e.retryAfterSeconds());
            }
            stats.countRejected();
            if (failures.first("password_checks_busy *")) {
                LOG.warn("event=password_checks_busy user={} clientIp={} message=\"further ones this minute are counted\"",
                        Logfmt.value(user), clientIp);
            }
            throw new RejectedException(Rejection.AUTHENTICATION_BUSY, null, null, e.retryAfterSeconds());
        } catch (AuthenticatorUnavailableException e) {
            LOG.warn("event=auth_unavailable user={} clientIp={} message={}", Logfmt.value(user), clientIp,
                    Logfmt.value(e.getMessage()));
            throw new RejectedException(rejectionFor(e), null);
        } catch (RuntimeException e) {
            LOG.error("event=auth_error user={} clientIp={}", Logfmt.value(user), clientIp, e);
            throw new RejectedException(Rejection.AUTHENTICATION_UNAVAILABLE, null);
        }
        long nanos = System.nanoTime() - start;
        long micros = nanos / 1000;
        stats.countAuthentication(identity.isEmpty(), nanos);
        if (identity.isEmpty()) {
            if (failures.first("auth_failed " + clientIp)) {
                LOG.info("event=auth_failed user={} clientIp={} checkMicros={}", Logfmt.value(user), clientIp, micros);
            }
            throw new RejectedException(Rejection.INVALID_CREDENTIALS, null);
        }
        // From here on the user is who the authenticator vouches for, not what the client typed:
        // a directory lets ALICE and " alice" in as alice, and they must be one user to all below.
        String name = identity.get().name();
        String denial = policy.denialReason(identity.get());
        if (denial != null) {
            String supportId = Long.toUnsignedString(ThreadLocalRandom.current().nextLong() >>> 1, 10);
            LOG.warn("event=access_denied supportId={} user={} clientIp={} reason={}", supportId, Logfmt.value(name), clientIp,
                    Logfmt.value(denial));
            throw new RejectedException(Rejection.ACCESS_DENIED, null, supportId);
        }
        if (!limits.admit(name, clientIp)) {
            throw new RejectedException(Rejection.SESSION_LIMIT, null, null, 60);
        }
        Session session = new Session(key, identity.get().shared(), clientIp, System.currentTimeMillis(), ticker.read());
        LOG.info("event=session_created user={} clientIp={} sessionId={} key={} checkMicros={}",
                Logfmt.value(name), clientIp, session.id(), key.tag(), micros);
        return session;
    }

    private static Rejection rejectionFor(AuthenticatorUnavailableException e) {
        if (e instanceof DelegatedAuthenticator.DelegateFailedException) {
            return Rejection.AUTHENTICATION_DELEGATE_FAILED;
        }
        return e instanceof PasswordChecks.TimedOutException ? Rejection.AUTHENTICATION_TIMEOUT
                : Rejection.AUTHENTICATION_UNAVAILABLE;
    }

    /** Stops the background work. */
    void close() {
        revalidator.close();
        passwordChecks.close();
        delays.shutdownNow();
        failures.flush();
        notifier.close();
        store.close();
        if (authenticator instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("event=authenticator_close_failed", e);
            }
        }
    }

    /** Why new logins cannot succeed now, or {@code null}: the authenticator's last question failed. */
    String authenticatorProblem() {
        return storeHealth.failing() ? "authenticator unavailable" : null;
    }

    /**
     * Whether the user a token was issued for still exists: a token outlives neither its user nor
     * an admin's revocation. True when the authenticator cannot tell (such a token was issued
     * unverified, by request).
     */
    private boolean tokenUserExists(String user) {
        try {
            return authenticator.lookup(user).isPresent();
        } catch (UnsupportedOperationException e) {
            return true;
        }
    }

    /** The authenticator's {@link Authenticator#lookup}: for the admin API, not the request path. */
    Optional<Identity> lookupUser(String user) {
        return authenticator.lookup(user);
    }

    GateConfig config() {
        return config;
    }

    SessionStore store() {
        return store;
    }

    ApiTokens tokens() {
        return tokens;
    }

    GateStats stats() {
        return stats;
    }

    int idleSeconds() {
        return idleSeconds;
    }

    CookieStripper cookieStripper() {
        return cookieStripper;
    }
}
