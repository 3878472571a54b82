package dev.sessiongate.auth.ldap;

import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.config.GateConfig;
import java.security.NoSuchAlgorithmException;
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
 * Connections are pooled; {@code ldaps://} uses the JVM's trusted certificates.
 */
public final class LdapAuthenticator implements Authenticator, AutoCloseable {
    private static final int POOL_SIZE = 10;

    private final GateConfig.Ldap settings;
    private final LDAPConnectionPool pool;

    public LdapAuthenticator(GateConfig.Ldap settings) throws LDAPException {
        this.settings = settings;
        boolean secure = settings.url().getScheme().equalsIgnoreCase("ldaps");
        int port = settings.url().getPort() > 0 ? settings.url().getPort() : secure ? 636 : 389;
        SingleServerSet server = new SingleServerSet(settings.url().getHost(), port, socketFactory(secure));
        BindRequest service = settings.bindDn() == null ? null
                : new SimpleBindRequest(settings.bindDn(), settings.bindPassword() == null ? new byte[0] : settings.bindPassword().bytes());
        this.pool = new LDAPConnectionPool(server, service, 1, POOL_SIZE);
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

    private static SocketFactory socketFactory(boolean secure) {
        if (!secure) {
            return SocketFactory.getDefault();
        }
        try {
            return SSLContext.getDefault().getSocketFactory();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no TLS", e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
