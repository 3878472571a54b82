package dev.sessiongate.filter;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.AccessPolicy;
import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.hook.ResponseHook;
import dev.sessiongate.session.GateStats;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.util.JdkCaches;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.wiring.GateAssembly;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * The SessionGate servlet filter: authenticates HTTP Basic clients once per user key and serves
 * their later requests from a cached session, with no cookie.
 *
 * <p>Three ways to use it: declare it in {@code web.xml} with init-parameters (the configuration
 * keys), add it with {@code ServletContext.addFilter(name, SessionGate.class)} and
 * {@code setInitParameter}, or build it in code with {@link #builder()}. Requests the container
 * dispatches to {@link HealthServlet} or the admin servlet pass through; every other request is
 * authenticated.
 */
public final class SessionGate implements Filter {
    /** The servlet context attribute under which an initialised filter registers itself. */
    public static final String CONTEXT_ATTRIBUTE = SessionGate.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(SessionGate.class);

    /** The servlets that answer SessionGate's own endpoints (by class name: admin depends on this package). */
    private static final Set<String> OWN_SERVLETS = Set.of(HealthServlet.class.getName(),
            "dev.sessiongate.admin.AdminServlet");

    /** What the container's log says when SLF4J has no binding. */
    static final String NO_LOG_BINDING = "SessionGate: no SLF4J binding on the class path, so SessionGate's own log "
            + "is discarded; add one, e.g. ch.qos.logback:logback-classic";

    private volatile Gatekeeper gate;
    /** Servlet name → whether it is one of {@link #OWN_SERVLETS}; registrations do not change once serving. */
    private final Map<String, Boolean> ownServlets = new ConcurrentHashMap<>();

    /** For containers: the filter is configured from its init-parameters in {@link #init}. */
    public SessionGate() {
    }

    private SessionGate(Gatekeeper gate) {
        this.gate = gate;
    }

    /** A builder for configuring the filter in code. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        warnIfLogIsDiscarded(filterConfig.getServletContext());
        if (gate == null) {
            Map<String, String> params = new LinkedHashMap<>();
            for (String name : Collections.list(filterConfig.getInitParameterNames())) {
                params.put(name, filterConfig.getInitParameter(name));
            }
            String location = filterConfig.getServletContext().getInitParameter(ConfigLoader.LOCATION_PROPERTY);
            try {
                gate = builder().config(ConfigLoader.forFilter(params, location)).create();
            } catch (ConfigException e) {
                LOG.error("event=config_error message={}", Logfmt.value(e.getMessage()));
                throw new ServletException(e.getMessage(), e);
            }
        }
        filterConfig.getServletContext().setAttribute(CONTEXT_ATTRIBUTE, this);
        GateConfig config = gate.config();
        LOG.info("event=filter_started filter={} realm={} keyParts={} trustedProxies={} idleTimeout={} maxLifetime={} "
                + "node={} store={}", Logfmt.value(filterConfig.getFilterName()), Logfmt.value(config.realm()), config.keyParts(),
                config.trustedProxies(), config.idleTimeout(), config.maxLifetime(), config.node(),
                config.cluster() == null ? "memory" : config.cluster().describe());
    }

    /**
     * Without an SLF4J binding every line of SessionGate's log would vanish without a word: says
     * so once, in the container's own log.
     */
    private static void warnIfLogIsDiscarded(ServletContext context) {
        if (LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory) {
            context.log(NO_LOG_BINDING);
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse httpResponse)) {
            chain.doFilter(request, response);
            return;
        }
        Gatekeeper current = gate;
        if (current == null) {
            throw new ServletException("SessionGate used before init()");
        }
        if (isOwnEndpoint(http)) {
            chain.doFilter(request, response);
            return;
        }
        current.handle(http, httpResponse, chain);
    }

    /**
     * Whether the container dispatched this request to SessionGate's own {@link HealthServlet} or
     * admin servlet, which are public or guarded by the admin token, never by Basic credentials.
     * Decided on the servlet the container chose, never on the raw URI: {@code /admin/../api/x}
     * is dispatched to the application and authenticated, and an application's own {@code /admin}
     * or {@code /health} servlet is never exempt.
     */
    private boolean isOwnEndpoint(HttpServletRequest request) {
        HttpServletMapping mapping = request.getHttpServletMapping();
        String servlet = mapping == null ? null : mapping.getServletName();
        if (servlet == null) {
            return false;
        }
        Boolean own = ownServlets.get(servlet);
        if (own == null) {
            own = isOwnServlet(request.getServletContext(), servlet);
            ownServlets.put(servlet, own);
        }
        return own;
    }

    private static boolean isOwnServlet(ServletContext context, String servletName) {
        try {
            ServletRegistration registration = context.getServletRegistration(servletName);
            return registration != null && OWN_SERVLETS.contains(registration.getClassName());
        } catch (RuntimeException e) {
            LOG.warn("event=servlet_unknown servlet={} message=\"treated as the application's\"", Logfmt.value(servletName), e);
            return false;
        }
    }

    /**
     * Stops the filter's background work and waits for its threads, and makes the JDK forget the
     * filter's classes ({@link JdkCaches}): nothing of it outlives a redeployed webapp.
     */
    @Override
    public void destroy() {
        Gatekeeper current = gate;
        if (current != null) {
            current.close();
        }
        JdkCaches.forgetRecordTypes();
    }

    /** About how many sessions are cached. */
    public long sessionCount() {
        return gate.store().size();
    }

    /** The API tokens, for the admin API. */
    public ApiTokens tokens() {
        return gate.tokens();
    }

    /** The counters of {@code /admin/stats}. */
    public GateStats stats() {
        return gate.stats();
    }

    /**
     * The user called {@code user} as the authenticator knows it, found without a password (for
     * issuing API tokens), or empty when it knows none.
     *
     * @throws UnsupportedOperationException when the authenticator cannot tell (delegated, container realm)
     * @throws dev.sessiongate.auth.AuthenticatorUnavailableException when the user store cannot be asked
     */
    public Optional<Identity> lookupUser(String user) {
        return gate.lookupUser(user);
    }

    /** Calls {@code action} for every live session (for the admin API, not the request path). */
    public void forEachSession(Consumer<Session> action) {
        gate.store().forEach(action);
    }

    /** The session store, for the admin API: not for the request path. */
    public SessionStore store() {
        return gate.store();
    }

    /**
     * Why this node is degraded, or {@code null}: it serves, but without its cluster store, or new
     * logins fail because the authenticator's last check failed or timed out (cached sessions are
     * still served).
     */
    public String degradedReason() {
        String store = gate.store().degradedReason();
        String authenticator = gate.authenticatorProblem();
        if (store == null || authenticator == null) {
            return store == null ? authenticator : store;
        }
        return store + "; " + authenticator;
    }

    /** Ends {@code session}: the next request of its key authenticates again. */
    public void revoke(Session session) {
        session.invalidate();
        gate.store().remove(session);
        LOG.info("event=session_revoked user={} clientIp={} sessionId={}", Logfmt.value(session.identity().name()),
                session.clientIp(), session.id());
    }

    /** The configuration in use. */
    public GateConfig config() {
        return gate.config();
    }

    /**
     * Configures a {@link SessionGate} in code. Settings use the keys of the properties file;
     * the authenticator, access policy, response hook and clock can be replaced.
     */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Path configFile;
        private GateConfig config;
        private Authenticator authenticator;
        private AccessPolicy accessPolicy;
        private ResponseHook responseHook;
        private Ticker ticker = Ticker.systemTicker();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Reads the settings from a properties file; {@link #set} overrides them. */
        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        /** Sets one configuration key, as in the properties file. */
        public Builder set(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /** Uses a configuration already loaded; replaces {@link #configFile} and {@link #set}. */
        public Builder config(GateConfig config) {
            this.config = config;
            return this;
        }

        /** Checks passwords with {@code authenticator} instead of {@code users.file}. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /** Adds a policy that is asked after the configured {@code policy.*} keys. */
        public Builder accessPolicy(AccessPolicy policy) {
            this.accessPolicy = policy;
            return this;
        }

        /** Replaces the default, logging response hook ({@code log.redact-headers}). */
        public Builder responseHook(ResponseHook hook) {
            this.responseHook = hook;
            return this;
        }

        /** The clock of session expiry; tests pass a fake one. */
        public Builder ticker(Ticker ticker) {
            this.ticker = ticker;
            return this;
        }

        /** The wall clock that client certificates and CRLs are checked against; tests pass a fake one. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * The filter, configured.
         *
         * @throws ConfigException when the configuration is invalid
         */
        public SessionGate build() {
            return new SessionGate(create());
        }

        Gatekeeper create() {
            GateConfig cfg = config != null ? config : ConfigLoader.load(configFile, settings);
            GateAssembly.Parts parts = GateAssembly.assemble(cfg,
                    new GateAssembly.Plugins(authenticator, accessPolicy, responseHook, ticker, clock));
            try {
                return new Gatekeeper(cfg, parts.keySecret(), parts.authenticator(), parts.policy(), parts.hook(),
                        parts.store(), parts.stats(), parts.tokens(), ticker, parts.certificates());
            } catch (RuntimeException e) {
                parts.close();
                throw e;
            }
        }
    }
}
