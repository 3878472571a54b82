package dev.sessiongate.auth.ldap;

import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.Filter;
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
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
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
 */
public final class LdapAuthenticator implements Authenticator, AutoCloseable {
    private static final int POOL_SIZE = 10;

    private final GateConfig.Ldap settings;
    private final LDAPConnectionPool pool;

    public LdapAuthenticator(GateConfig.Ldap settings) throws LDAPException {
        this.settings = settings;
        boolean ldaps = settings.url().getScheme().equalsIgnoreCase("ldaps");
        int port = settings.url().getPort() > 0 ? settings.url().getPort() : ldaps ? 636 : 389;
        SSLContext tls = ldaps || settings.startTls() ? tls(settings) : null;
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true)); // the certificate must name the host
        SingleServerSet server = new SingleServerSet(settings.url().getHost(), port,
                ldaps ? tls.getSocketFactory() : SocketFactory.getDefault(), options);
        BindRequest service = settings.bindDn() == null ? null
                : new SimpleBindRequest(settings.bindDn(), settings.bindPassword() == null ? new byte[0] : settings.bindPassword().bytes());
        this.pool = new LDAPConnectionPool(server, service, 1, POOL_SIZE,
                !ldaps && settings.startTls() ? new StartTLSPostConnectProcessor(tls) : null);
    }

    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        if (password.bytes().length == 0) {
            return Optional.empty(); // an empty password would be an anonymous bind, which always "succeeds"
        }
        try {
            String dn = userDn(user);
            if (dn == null) {
                return Optional.empty();
            }
            pool.bindAndRevertAuthentication(new SimpleBindRequest(dn, password.bytes()));
            return Optional.of(new Identity(user, groups(dn, user), dn));
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS || e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                return Optional.empty();
            }
            throw new AuthenticatorUnavailableException("LDAP " + e.getResultCode(), e);
        }
    }

    /** Whether the user's entry still exists; a removed or moved entry ends the session. */
    @Override
    public boolean validate(Identity identity) {
        try {
            return pool.getEntry(identity.credentialTag()) != null;
        } catch (LDAPException e) {
            throw new AuthenticatorUnavailableException("LDAP " + e.getResultCode(), e);
        }
    }

    private String userDn(String user) throws LDAPException {
        if (settings.userDnPattern() != null) {
            // An RDN's text is "attribute=escaped value": the escaping is the SDK's, not ours.
            String escaped = new RDN("x", user).toString().substring(2);
            return settings.userDnPattern().replace("{0}", escaped);
        }
        Filter filter = Filter.create(settings.searchFilter().replace("{0}", Filter.encodeValue(user)));
        SearchResult result = pool.search(settings.searchBase(), SearchScope.SUB, filter, "1.1");
        return result.getEntryCount() == 1 ? result.getSearchEntries().get(0).getDN() : null;
    }

    private Set<String> groups(String dn, String user) throws LDAPException {
        Set<String> groups = new LinkedHashSet<>();
        if (settings.groupSearchBase() == null) {
            return groups;
        }
        Filter filter = Filter.create(settings.groupFilter().replace("{0}", Filter.encodeValue(dn))
                .replace("{1}", Filter.encodeValue(user)));
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

    @Override
    public void close() {
        pool.close();
    }
}
