package dev.sessiongate.wiring;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.AccessPolicy;
import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.GroupPolicy;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.auth.cert.ClientCertificates;
import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.Secret;
import dev.sessiongate.hook.LoggingResponseHook;
import dev.sessiongate.hook.ResponseHook;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.GateStats;
import dev.sessiongate.session.SessionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * SessionGate's composition root: builds the filter's parts — authenticator, access policy,
 * response hook, session store, API tokens, client certificates — from a {@link GateConfig}.
 * The filter sees only their SPIs. Support that needs an optional library (LDAP, Redis, the
 * delegate's HTTP client) is looked for first ({@link OptionalLibrary}) and built by a class of
 * its own ({@code LdapSupport}, {@code RedisSupport}, {@code DelegateSupport}) that is loaded only
 * when its key is set, so the htpasswd path never links against those libraries.
 */
public final class GateAssembly {
    private GateAssembly() {
    }

    /**
     * What the embedder replaced; {@code null} members keep the configured default.
     *
     * @param authenticator replaces the configured authenticator ({@code users.file}, {@code ldap.url}...)
     * @param accessPolicy  asked after the configured {@code policy.*} keys
     * @param responseHook  replaces the logging response hook
     * @param ticker        the clock of session expiry
     * @param clock         the wall clock of certificate checks
     */
    public record Plugins(Authenticator authenticator, AccessPolicy accessPolicy, ResponseHook responseHook,
                          Ticker ticker, Clock clock) {
    }

    /**
     * The filter's parts, built. {@link #close} releases them when the filter cannot be made of
     * them after all.
     *
     * @param keySecret     the HMAC key of user keys (the cluster's shared one with a Redis store)
     * @param authenticator checks passwords on a cache miss
     * @param policy        the configured {@code policy.*}, then the embedder's
     * @param hook          told of every response outside 2xx
     * @param store         the cached sessions
     * @param stats         the counters of {@code /admin/stats}
     * @param tokens        the API tokens
     * @param certificates  partner certificates, or {@code null} without {@code auth.client-cert}
     */
    public record Parts(Secret keySecret, Authenticator authenticator, AccessPolicy policy, ResponseHook hook,
                        SessionStore store, GateStats stats, ApiTokens tokens, ClientCertificates certificates) {
        Parts with(Secret secret, SessionStore sessions, ApiTokens apiTokens) {
            return new Parts(secret, authenticator, policy, hook, sessions, stats, apiTokens, certificates);
        }

        Parts with(ClientCertificates clientCertificates) {
            return new Parts(keySecret, authenticator, policy, hook, store, stats, tokens, clientCertificates);
        }

        /** Closes what holds threads or connections: the store and the authenticator. */
        public void close() {
            store.close();
            if (authenticator instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // Start-up fails anyway; the original error is the one to report.
                }
            }
        }
    }

    /**
     * The parts that {@code config} describes.
     *
     * @throws ConfigException when the configuration cannot be used, a file cannot be read, or a
     *                         configured feature's library is not on the class path
     */
    public static Parts assemble(GateConfig config, Plugins plugins) {
        requireLibraries(config, plugins.authenticator() != null);
        GateStats stats = new GateStats();
        ResponseHook hook = plugins.responseHook() != null ? plugins.responseHook()
                : new LoggingResponseHook(config.redactHeaders(), plugins.ticker());
        Authenticator authenticator = plugins.authenticator() != null ? plugins.authenticator() : authenticator(config);
        AccessPolicy policy = policy(config, plugins.accessPolicy());
        CaffeineSessionStore local = new CaffeineSessionStore(config.maxSessions(), config.idleTimeout(),
                config.maxLifetime(), plugins.ticker(), stats);
        Parts parts = new Parts(config.keySecret(), authenticator, policy, hook, local, stats, null, null);
        try {
            if (config.cluster() == null) {
                parts = parts.with(config.keySecret(), local, tokens(config.tokensFile()));
            } else {
                RedisSupport.Cluster cluster = RedisSupport.open(config, local, plugins.ticker());
                parts = parts.with(cluster.keySecret(), cluster.store(), cluster.tokens());
            }
            return parts.with(clientCertificates(config, plugins.clock()));
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * Every configured feature's library, looked for before anything is built; the first one
     * missing stops start-up. An embedder's own authenticator replaces the configured one, whose
     * library is then not needed.
     */
    static void requireLibraries(GateConfig config, boolean customAuthenticator) {
        if (!customAuthenticator && config.ldap() != null) {
            OptionalLibrary.LDAP.require();
        }
        if (!customAuthenticator && config.delegateUrl() != null) {
            OptionalLibrary.DELEGATE.require();
        }
        if (config.cluster() != null) {
            OptionalLibrary.REDIS.require();
        }
        if (config.upstream() != null) {
            OptionalLibrary.GATEWAY.require();
        }
    }

    private static AccessPolicy policy(GateConfig config, AccessPolicy custom) {
        AccessPolicy configured = new GroupPolicy(config.requireGroups(), config.allowUsers(), config.denyUsers());
        if (custom == null) {
            return configured;
        }
        return identity -> {
            String reason = configured.denialReason(identity);
            return reason != null ? reason : custom.denialReason(identity);
        };
    }

    private static ClientCertificates clientCertificates(GateConfig config, Clock clock) {
        GateConfig.ClientCert files = config.clientCert();
        if (files == null) {
            return null;
        }
        try {
            return new ClientCertificates(files.mapFile(), files.caFile(), files.crlFile(), config.groupsFile(), clock);
        } catch (IOException | UncheckedIOException e) {
            throw new ConfigException("invalid configuration: auth.client-cert=" + files.mapFile()
                    + ": cannot read it, its CA bundle or its CRL file (" + e.getMessage() + ")");
        }
    }

    private static ApiTokens tokens(Path file) {
        try {
            return new ApiTokens(file);
        } catch (IOException e) {
            throw new ConfigException("invalid configuration: tokens.file=" + file + ": " + e.getMessage());
        }
    }

    private static Authenticator authenticator(GateConfig config) {
        int configured = (config.usersFile() != null ? 1 : 0) + (config.delegateUrl() != null ? 1 : 0)
                + (config.ldap() != null ? 1 : 0) + (config.containerRealm() ? 1 : 0);
        if (configured > 1) {
            throw new ConfigException("invalid configuration: more than one of users.file, ldap.url, "
                    + "auth.delegate-url and auth.container-realm is set; set the one authenticator to use");
        }
        if (config.containerRealm()) {
            return CONTAINER_REALM;
        }
        if (config.ldap() != null) {
            return LdapSupport.authenticator(config.ldap());
        }
        if (config.delegateUrl() != null) {
            return DelegateSupport.authenticator(config.delegateUrl(), config.delegateTimeout());
        }
        if (config.usersFile() == null && config.clientCert() != null) {
            return NO_PASSWORDS;
        }
        if (config.usersFile() == null) {
            throw new ConfigException("no authenticator configured: set users.file to an htpasswd file, "
                    + "ldap.url, auth.delegate-url, auth.container-realm=true or auth.client-cert");
        }
        try {
            return new HtpasswdAuthenticator(config.usersFile(), config.groupsFile());
        } catch (IOException e) {
            throw new ConfigException("invalid configuration: users.file=" + config.usersFile() + ": cannot read ("
                    + e.getMessage() + ")");
        } catch (UncheckedIOException e) {
            throw new ConfigException("invalid configuration: users.file=" + config.usersFile() + ": not a text file");
        }
    }

    /**
     * {@code auth.container-realm}: the filter asks the container per request; what remains is
     * {@code validate}, which the servlet API cannot answer without the password, so yes.
     */
    private static final Authenticator CONTAINER_REALM = new Authenticator() {
        @Override
        public Optional<Identity> authenticate(String user, Password password) {
            throw new IllegalStateException("the container realm needs the request");
        }

        @Override
        public boolean validate(Identity identity) {
            return true;
        }
    };

    /** With {@code auth.client-cert} and no password store: only certificates log in, every password is wrong. */
    private static final Authenticator NO_PASSWORDS = new Authenticator() {
        @Override
        public Optional<Identity> authenticate(String user, Password password) {
            return Optional.empty();
        }

        @Override
        public boolean validate(Identity identity) {
            return false;
        }

        @Override
        public Optional<Identity> lookup(String user) {
            return Optional.empty();
        }
    };
}
