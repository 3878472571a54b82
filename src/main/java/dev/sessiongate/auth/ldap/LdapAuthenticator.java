package dev.sessiongate.auth.ldap;

import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustStoreTrustManager;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.DaemonThreads;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

/**
 * Users in an LDAP directory ({@code ldap.*}), through UnboundID's LDAP SDK: the user's DN from
 * {@code ldap.user-dn-pattern}, or found by a search ({@code ldap.search-base},
 * {@code ldap.search-filter}) as the service account ({@code ldap.bind-dn}); then a simple bind
 * as that DN with the password; groups by a search under {@code ldap.group-search-base}. The
 * user name is escaped for DNs and filters, so that no user name can change the query.
 * Connections are pooled; {@code ldaps://} or {@code ldap.start-tls} encrypt them, trusting
 * {@code ldap.trust-store} or the JVM's certificates, and the certificate must name the host.
 *
 * <p>The identity's name is the entry's, as the directory stores it, never the name as typed: a
 * directory binds {@code ALICE} and {@code " alice"} as {@code uid=alice}, and the policy, the
 * limits and the admin API must see one user. The <em>naming attribute</em> is the one that
 * {@code {0}} stands for ({@code uid} in {@code uid={0},ou=people,…} or in {@code (uid={0})}; the
 * first one in the filter if there are several). The name is that attribute's value in the
 * entry's own DN (its RDN) when the entry is named by it, else its one value in the entry. An
 * entry with several values and none in its DN, or none the server shows, is refused as a
 * failure of the directory ({@code 503}) rather than named by a guess. The entry is read as the
 * user right after the bind with {@code ldap.user-dn-pattern} (so no service account is needed;
 * users must be able to read their own entry), and comes with the search otherwise.
 *
 * <p>Connecting and each answer are bounded by {@code ldap.timeout}; a directory that is too slow
 * is a failure of the directory ({@code 503}).
 *
 * <p>Every call into the SDK runs on the authenticator's own threads ({@code sessiongate-ldap-N}),
 * whoever asks: the SDK keeps per-thread buffers ({@code ASN1Buffer} in a {@code ThreadLocal}) on
 * every thread that talks to a directory, which on a container's request thread would outlive an
 * undeploy. {@link #close} ends those threads and waits for them. Connections read their answers
 * synchronously, so the SDK starts no reader thread per connection either.
 */
public final class LdapAuthenticator implements Authenticator, AutoCloseable {
    private static final int POOL_SIZE = 10;

    private final GateConfig.Ldap settings;
    private final DaemonThreads threads = DaemonThreads.named("sessiongate-ldap");
    private final ThreadPoolExecutor directoryCalls = new ThreadPoolExecutor(POOL_SIZE, POOL_SIZE, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), threads);
    /** The attribute {@code {0}} stands for, or {@code null} if that cannot be told: then the RDN's. */
    private final String nameAttribute;
    private final LDAPConnectionPool pool;

    public LdapAuthenticator(GateConfig.Ldap settings) throws LDAPException {
        this.settings = settings;
        directoryCalls.allowCoreThreadTimeOut(true);
        try {
            this.nameAttribute = onOwnThread(() -> nameAttribute(settings));
            this.pool = onOwnThread(() -> connect(settings));
        } catch (LDAPException | RuntimeException e) {
            threads.stop(directoryCalls);
            throw e;
        }
    }

    private static LDAPConnectionPool connect(GateConfig.Ldap settings) throws LDAPException {
        boolean ldaps = settings.url().getScheme().equalsIgnoreCase("ldaps");
        int port = settings.url().getPort() > 0 ? settings.url().getPort() : ldaps ? 636 : 389;
        SSLContext tls = ldaps || settings.startTls() ? tls(settings) : null;
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        // A directory that accepts connections but never answers (a stopped slapd does) must not
        // hold a login for the SDK's default minutes: every connect and every answer is bounded.
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        options.setConnectTimeoutMillis(timeoutMillis);
        options.setResponseTimeoutMillis(timeoutMillis);
        options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true)); // the certificate must name the host
        options.setUseSynchronousMode(true); // no reader thread per connection
        SingleServerSet server = new SingleServerSet(settings.url().getHost(), port,
                ldaps ? tls.getSocketFactory() : SocketFactory.getDefault(), options);
        BindRequest service = settings.bindDn() == null ? null
                : new SimpleBindRequest(settings.bindDn(), settings.bindPassword() == null ? new byte[0] : settings.bindPassword().bytes());
        return new LDAPConnectionPool(server, service, 1, POOL_SIZE,
                !ldaps && settings.startTls() ? new StartTLSPostConnectProcessor(tls) : null);
    }

    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        if (password.bytes().length == 0) {
            return Optional.empty(); // an empty password would be an anonymous bind, which always "succeeds"
        }
        try {
            return onOwnThread(() -> bind(user, password));
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS || e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return Optional.empty();
            }
            throw new AuthenticatorUnavailableException("LDAP " + e.getResultCode(), e);
        }
    }

    private Optional<Identity> bind(String user, Password password) throws LDAPException {
        Entry entry = settings.userDnPattern() != null ? bindByPattern(user, password) : bindBySearch(user, password);
        return entry == null ? Optional.empty() : Optional.of(identityOf(entry));
    }

    private Identity identityOf(Entry entry) throws LDAPException {
        String name = nameOf(entry);
        return new Identity(name, groups(entry.getDN(), name), entry.getDN());
    }

    /**
     * The entry of {@code user}, as the pool's own identity ({@code ldap.bind-dn} or anonymous)
     * sees it: read at the DN of {@code ldap.user-dn-pattern}, or found by the search; named as
     * {@link #authenticate} names it.
     */
    @Override
    public Optional<Identity> lookup(String user) {
        try {
            return onOwnThread(() -> {
                Entry entry = settings.userDnPattern() != null ? pool.getEntry(dnOf(user), attributes()) : find(user);
                return entry == null ? Optional.<Identity>empty() : Optional.of(identityOf(entry));
            });
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT || e.getResultCode() == ResultCode.INVALID_DN_SYNTAX) {
                return Optional.empty();
            }
            throw new AuthenticatorUnavailableException("LDAP " + e.getResultCode(), e);
        }
    }

    /** Whether the user's entry still exists; a removed or moved entry ends the session. */
    @Override
    public boolean validate(Identity identity) {
        try {
            return onOwnThread(() -> pool.getEntry(identity.credentialTag()) != null);
        } catch (LDAPException e) {
            throw new AuthenticatorUnavailableException("LDAP " + e.getResultCode(), e);
        }
    }

    /**
     * Binds as the DN of {@code ldap.user-dn-pattern} and reads that entry as the user, on one
     * pooled connection that gets the pool's own authentication back afterwards.
     */
    private Entry bindByPattern(String user, Password password) throws LDAPException {
        String dn = dnOf(user);
        LDAPConnection connection = pool.getConnection();
        boolean usable = false;
        try {
            connection.bind(new SimpleBindRequest(dn, password.bytes()));
            Entry entry = connection.getEntry(dn, attributes());
            usable = true;
            if (entry == null) {
                // The password was right, but without the entry nobody can say whose it was.
                throw new AuthenticatorUnavailableException("LDAP: the entry bound to is not readable by its user", null);
            }
            return entry;
        } catch (LDAPException e) {
            usable = ResultCode.isConnectionUsable(e.getResultCode());
            throw e;
        } finally {
            if (usable) {
                pool.releaseAndReAuthenticateConnection(connection); // never leave it bound as the user
            } else {
                pool.releaseDefunctConnection(connection);
            }
        }
    }

    /** The DN of {@code ldap.user-dn-pattern} for {@code user}. */
    private String dnOf(String user) {
        // An RDN's text is "attribute=escaped value": the escaping is the SDK's, not ours.
        return settings.userDnPattern().replace("{0}", new RDN("x", user).toString().substring(2));
    }

    /** The one entry of {@code ldap.search-filter} for {@code user}, found as the service account, or {@code null}. */
    private SearchResultEntry find(String user) throws LDAPException {
        Filter filter = Filter.create(settings.searchFilter().replace("{0}", Filter.encodeValue(user)));
        SearchResult result = pool.search(settings.searchBase(), SearchScope.SUB, filter, attributes());
        return result.getEntryCount() == 1 ? result.getSearchEntries().get(0) : null;
    }

    /** Finds the one entry of {@code ldap.search-filter} as the service account, then binds as it. */
    private Entry bindBySearch(String user, Password password) throws LDAPException {
        SearchResultEntry entry = find(user);
        if (entry == null) {
            return null;
        }
        pool.bindAndRevertAuthentication(new SimpleBindRequest(entry.getDN(), password.bytes()));
        return entry;
    }

    /** What to read of the user's entry: the naming attribute; the DN comes with any entry. */
    private String attributes() {
        return nameAttribute == null ? "1.1" : nameAttribute;
    }

    /** The user's name as the directory stores it (see the class comment). */
    private String nameOf(Entry entry) throws LDAPException {
        RDN rdn = entry.getParsedDN().getRDN();
        if (rdn != null) {
            String[] names = rdn.getAttributeNames();
            for (int i = 0; i < names.length; i++) {
                if (nameAttribute == null || names[i].equalsIgnoreCase(nameAttribute)) {
                    return rdn.getAttributeValues()[i];
                }
            }
        }
        String[] values = nameAttribute == null ? null : entry.getAttributeValues(nameAttribute);
        if (values != null && values.length == 1) {
            return values[0];
        }
        throw new AuthenticatorUnavailableException("LDAP: " + entry.getDN() + " has " + (values == null ? 0 : values.length)
                + " values of " + nameAttribute + " and is not named by it, so its user's name cannot be told", null);
    }

    /**
     * The attribute that {@code {0}} stands for: in {@code ldap.user-dn-pattern}, the one whose
     * value holds it; in {@code ldap.search-filter}, the first one compared with it. {@code null}
     * when neither parses before {@code {0}} is filled in.
     */
    private static String nameAttribute(GateConfig.Ldap settings) {
        try {
            if (settings.userDnPattern() != null) {
                for (RDN rdn : DN.getRDNs(settings.userDnPattern())) {
                    for (int i = 0; i < rdn.getAttributeNames().length; i++) {
                        if (rdn.getAttributeValues()[i].contains("{0}")) {
                            return rdn.getAttributeNames()[i];
                        }
                    }
                }
                return null;
            }
            return comparedWithUser(Filter.create(settings.searchFilter()));
        } catch (LDAPException e) {
            return null;
        }
    }

    private static String comparedWithUser(Filter filter) {
        byte type = filter.getFilterType();
        if (type == Filter.FILTER_TYPE_AND || type == Filter.FILTER_TYPE_OR) {
            for (Filter component : filter.getComponents()) {
                String attribute = comparedWithUser(component);
                if (attribute != null) {
                    return attribute;
                }
            }
            return null;
        }
        boolean comparison = type == Filter.FILTER_TYPE_EQUALITY || type == Filter.FILTER_TYPE_APPROXIMATE_MATCH
                || type == Filter.FILTER_TYPE_GREATER_OR_EQUAL || type == Filter.FILTER_TYPE_LESS_OR_EQUAL
                || type == Filter.FILTER_TYPE_EXTENSIBLE_MATCH;
        return comparison && filter.getAssertionValue().contains("{0}") ? filter.getAttributeName() : null;
    }

    /** The groups of the entry {@code dn} whose user is {@code name}, as the directory stores both. */
    private Set<String> groups(String dn, String name) throws LDAPException {
        Set<String> groups = new LinkedHashSet<>();
        if (settings.groupSearchBase() == null) {
            return groups;
        }
        Filter filter = Filter.create(settings.groupFilter().replace("{0}", Filter.encodeValue(dn))
                .replace("{1}", Filter.encodeValue(name)));
        for (SearchResultEntry group : pool.search(settings.groupSearchBase(), SearchScope.SUB, filter, "cn").getSearchEntries()) {
            String cn = group.getAttributeValue("cn");
            if (cn != null) {
                groups.add(cn);
            }
        }
        return groups;
    }

    /** TLS trusting {@code ldap.trust-store}, or the JVM's certificates. */
    private static SSLContext tls(GateConfig.Ldap settings) throws LDAPException {
        try {
            if (settings.trustStore() == null) {
                return SSLContext.getDefault();
            }
            char[] password = settings.trustStorePassword() == null ? null
                    : new String(settings.trustStorePassword().bytes(), StandardCharsets.UTF_8).toCharArray();
            return new SSLUtil(new TrustStoreTrustManager(settings.trustStore().toFile(), password, null, true))
                    .createSSLContext();
        } catch (GeneralSecurityException e) {
            throw new LDAPException(ResultCode.LOCAL_ERROR, "cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code call} on one of the authenticator's threads and waits for it; an interrupted
     * wait (a password check past {@code auth.timeout}) interrupts the call too.
     */
    private <T> T onOwnThread(DirectoryCall<T> call) throws LDAPException {
        Future<T> result;
        try {
            result = directoryCalls.submit(call::run);
        } catch (RejectedExecutionException e) {
            throw new AuthenticatorUnavailableException("LDAP: the authenticator is closed", e);
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new AuthenticatorUnavailableException("LDAP: interrupted while waiting for the directory", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LDAPException ldap) {
                throw ldap;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new AuthenticatorUnavailableException("LDAP: " + cause, cause);
        }
    }

    /** A call into the SDK. */
    @FunctionalInterface
    private interface DirectoryCall<T> {
        T run() throws LDAPException;
    }

    /** Closes the connections and waits until the authenticator's threads, and the SDK's, have ended. */
    @Override
    public void close() {
        try {
            onOwnThread(() -> {
                pool.close();
                return null;
            });
        } catch (LDAPException | RuntimeException e) {
            pool.close();
        } finally {
            threads.stop(directoryCalls);
        }
    }
}
