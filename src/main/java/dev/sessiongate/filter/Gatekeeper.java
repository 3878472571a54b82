package dev.sessiongate.filter;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.AccessPolicy;
import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.DelegateFailedException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.LoginRefusedException;
import dev.sessiongate.auth.Password;
import dev.sessiongate.auth.PasswordChecks;
import dev.sessiongate.auth.StoreHealth;
import dev.sessiongate.auth.cert.ClientCertificates;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.Secret;
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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
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
    /** Logins by client certificate, or {@code null} without {@code auth.client-cert}. */
    private final CertificateLogin certificates;
    private final BiPredicate<X509Certificate[], Identity> certificateValidation;
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
    private final DaemonThreads tarpitThreads = DaemonThreads.named("sessiongate-tarpit");
    private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor(tarpitThreads);
    /** The answers of the clients waiting in the tarpit, given at once when the filter stops. */
    private final Set<Runnable> inTarpit = ConcurrentHashMap.newKeySet();

    Gatekeeper(GateConfig config, Secret keySecret, Authenticator authenticator, AccessPolicy policy,
               ResponseHook hook, SessionStore store, GateStats stats, ApiTokens tokens, Ticker ticker,
               ClientCertificates clientCertificates) {
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
        this.certificates = clientCertificates == null ? null : new CertificateLogin(clientCertificates, config, ticker);
        this.certificateValidation = certificates == null ? null : certificates::validate;
        // A certificate's session is checked with its request's chain (see handle); never here.
        this.revalidator = new Revalidator(identity -> identity.tokenId() != null
                ? tokens.isLive(identity.tokenId()) && storeHealth.failures(() -> tokenUserExists(identity.name()))
                : identity.certificateFingerprint() == null && storeHealth.failures(() -> authenticator.validate(identity)),
                store, config.revalidateAfter(), ticker);
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
        X509Certificate[] certificateChain = null;
        Session session;
        try {
            String authorization = authorization(request);
            if (authorization == null) {
                // No Authorization header: the client certificate, if one is mapped, is the credential.
                certificateChain = certificates == null ? null : CertificateLogin.chainOf(request);
                if (certificateChain == null) {
                    throw new RejectedException(Rejection.MISSING_CREDENTIALS, null);
                }
                session = certificateSession(certificateChain, clientIp, request);
            } else if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
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
        if (!isNew && certificateChain != null) {
            revalidator.maybeRevalidate(session, now, certificateChain, certificateValidation);
        } else if (!isNew) {
            revalidator.maybeRevalidate(session, now);
        }
        GateRequest wrapped = new GateRequest(request, session, clientIp, isNew, this);
        boolean completed = false;
        try {
            chain.doFilter(wrapped, response);
            completed = true;
        } catch (RuntimeException | Error e) {
            // The container turns it into a 500 (unless the response was committed) and may log it
            // only at debug level: the cause belongs beside the response hook's line. (Not the
            // IOExceptions of clients that go away: one line per aborted request would be a flood.)
            LOG.warn("event=application_failed path={} committed={} exception={}", Logfmt.value(request.getRequestURI()),
                    response.isCommitted(), Logfmt.value(e.toString()), e);
            throw e;
        } finally {
            saveAttributes(wrapped, completed);
            notifier.after(wrapped, request, response, start, session, clientIp, completed);
        }
    }

    /**
     * Shares what the application changed in the session: now, as the chain returns, and, for an
     * asynchronous request, what it changes until it completes. Only with a store that shares
     * attributes; the single-node store has nothing to save.
     */
    private void saveAttributes(GateRequest wrapped, boolean completed) {
        if (!store.sharesAttributes()) {
            return;
        }
        wrapped.saveAttributes();
        AsyncContext async = wrapped.asyncContext();
        if (completed && async != null) {
            async.addListener(new jakarta.servlet.AsyncListener() {
                @Override
                public void onComplete(jakarta.servlet.AsyncEvent event) {
                    wrapped.saveAttributes();
                }

                @Override
                public void onTimeout(jakarta.servlet.AsyncEvent event) {
                }

                @Override
                public void onError(jakarta.servlet.AsyncEvent event) {
                }

                @Override
                public void onStartAsync(jakarta.servlet.AsyncEvent event) {
                    event.getAsyncContext().addListener(this);
                }
            });
        }
    }

    /**
     * Answers a throttled client after {@link #TARPIT_MILLIS}, holding no thread meanwhile: a
     * client hammering wrong passwords then costs a few requests a second, not thousands. When the
     * filter stops, the clients still waiting get their {@code 429} at once ({@link #close}).
     */
    private void tarpit(HttpServletRequest request, HttpServletResponse response, RejectedException e, long start,
                        String user, String clientIp) {
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Runnable answer = new Runnable() {
            private final AtomicBoolean answered = new AtomicBoolean();

            @Override
            public void run() {
                if (!answered.compareAndSet(false, true)) {
                    return;
                }
                inTarpit.remove(this);
                try {
                    responder.respond(response, e);
                    notifier.finished(request, response, start, user, clientIp);
                } catch (IOException | RuntimeException failure) {
                    LOG.debug("event=tarpit_answer_failed", failure);
                } finally {
                    async.complete();
                }
            }
        };
        inTarpit.add(answer);
        try {
            delays.schedule(answer, TARPIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            answer.run(); // the filter is stopping: no more waiting
        }
    }

    /** The one {@code Authorization} header, or {@code null} when there is none. */
    private static String authorization(HttpServletRequest request) {
        Enumeration<String> headers = request.getHeaders("Authorization");
        if (headers == null || !headers.hasMoreElements()) {
            return null;
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
        String path = path(request);
        UserKey key = deriver.derive(credentials.bytes(), credentials.colon(), clientIp, path, request);
        return sessions.obtain(key, () -> authenticate(key, credentials, clientIp, request));
    }

    private static String path(HttpServletRequest request) {
        try {
            return PathNormalizer.normalize(request.getRequestURI());
        } catch (IllegalArgumentException e) {
            throw new RejectedException(Rejection.BAD_PATH, null);
        }
    }

    /**
     * The session of a request with no {@code Authorization} header and a client certificate:
     * keyed by the certificate's fingerprint, client IP and path; on a miss, one check of the chain
     * and the mapping, then the access policy as for Basic.
     */
    private Session certificateSession(X509Certificate[] chain, String clientIp, HttpServletRequest request) {
        String path = path(request);
        byte[] fingerprint = certificates.fingerprint(chain[0]);
        UserKey key = deriver.deriveForCertificate(fingerprint, clientIp, path, request);
        return sessions.obtain(key, () -> {
            String label = CertificateLogin.label(fingerprint);
            long start = System.nanoTime();
            ClientCertificates.Outcome outcome = checked(label, clientIp,
                    () -> certificates.check(chain, fingerprint, clientIp));
            long nanos = System.nanoTime() - start;
            stats.countAuthentication(outcome.identity() == null, nanos);
            if (outcome.identity() == null) {
                if (failures.first("client_cert_refused " + clientIp)) {
                    LOG.info("event=client_cert_refused reason={} clientIp={} subject={} serial={} certificate={} checkMicros={}",
                            outcome.problem(), clientIp, Logfmt.value(chain[0].getSubjectX500Principal().getName()),
                            chain[0].getSerialNumber().toString(16), label, nanos / 1000);
                }
                throw new RejectedException(outcome.rejected() ? Rejection.CERTIFICATE_REJECTED
                        : Rejection.CERTIFICATE_NOT_MAPPED, null);
            }
            return admit(key, outcome.identity(), clientIp, nanos / 1000, " auth=client-cert certificate=" + label);
        });
    }

    /** The cache miss: one password check and the access policy, then a new session. */
    private Session authenticate(UserKey key, BasicCredentials credentials, String clientIp, HttpServletRequest request) {
        String user = credentials.user();
        long start = System.nanoTime();
        Optional<Identity> identity;
        try (Password password = credentials.password()) {
            identity = checked(user, clientIp, () -> containerRealm == null ? passwordChecks.check(user, password, clientIp)
                    : passwordChecks.check(user, password, clientIp, containerRealm.forRequest(request)));
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
        return admit(key, identity.get(), clientIp, micros, "");
    }

    /**
     * Runs a credential check, turning a throttled client, a full pool and an unavailable or
     * failing store into their rejections.
     */
    private <T> T checked(String user, String clientIp, Supplier<T> check) {
        try {
            return check.get();
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
    }

    /** After a good check: the access policy and the session limits, then a new session. */
    private Session admit(UserKey key, Identity identity, String clientIp, long micros, String how) {
        // From here on the user is who the authenticator vouches for, not what the client typed:
        // a directory lets ALICE and " alice" in as alice, and they must be one user to all below.
        String name = identity.name();
        String denial = policy.denialReason(identity);
        if (denial != null) {
            String supportId = Long.toUnsignedString(ThreadLocalRandom.current().nextLong() >>> 1, 10);
            LOG.warn("event=access_denied supportId={} user={} clientIp={} reason={}", supportId, Logfmt.value(name), clientIp,
                    Logfmt.value(denial));
            throw new RejectedException(Rejection.ACCESS_DENIED, null, supportId);
        }
        if (!limits.admit(name, clientIp)) {
            throw new RejectedException(Rejection.SESSION_LIMIT, null, null, 60);
        }
        Session session = new Session(key, identity.shared(), clientIp, System.currentTimeMillis(), ticker.read());
        LOG.info("event=session_created user={} clientIp={} sessionId={} key={} checkMicros={}{}",
                Logfmt.value(name), clientIp, session.id(), key.tag(), micros, how);
        return session;
    }

    private static Rejection rejectionFor(AuthenticatorUnavailableException e) {
        if (e instanceof DelegateFailedException) {
            return Rejection.AUTHENTICATION_DELEGATE_FAILED;
        }
        return e instanceof PasswordChecks.TimedOutException ? Rejection.AUTHENTICATION_TIMEOUT
                : Rejection.AUTHENTICATION_UNAVAILABLE;
    }

    /**
     * Stops the background work and waits for its threads, so that none outlives a redeployed
     * webapp; throttled clients still in the tarpit are answered now.
     */
    void close() {
        tarpitThreads.stop(delays);
        for (Runnable waiting : inTarpit) {
            waiting.run();
        }
        revalidator.close();
        passwordChecks.close();
        if (certificates != null) {
            certificates.close();
        }
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
        return storeHealth.failing() || (certificates != null && certificates.failing()) ? "authenticator unavailable" : null;
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
