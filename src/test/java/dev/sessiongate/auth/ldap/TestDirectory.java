package dev.sessiongate.auth.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;
import dev.sessiongate.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;

/** UnboundID's in-memory directory with the test LDIF (src/test/resources/ldap/directory.ldif), listening. */
final class TestDirectory {
    private TestDirectory() {
    }

    static InMemoryDirectoryServer start(InMemoryListenerConfig... listeners) throws LDAPException {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=com");
        config.setListenerConfigs(listeners);
        InMemoryDirectoryServer directory = new InMemoryDirectoryServer(config);
        directory.importFromLDIF(true, "src/test/resources/ldap/directory.ldif");
        directory.startListening();
        return directory;
    }

    /** Settings of an authenticator that binds as {@code uid={0},ou=people,…} directly. */
    static Map<String, String> patternSettings(InMemoryDirectoryServer directory) {
        Map<String, String> settings = base(directory);
        settings.put("ldap.user-dn-pattern", "uid={0},ou=people,dc=example,dc=com");
        return settings;
    }

    /** Settings of an authenticator that searches for the user as a service account first. */
    static Map<String, String> searchSettings(InMemoryDirectoryServer directory) {
        Map<String, String> settings = base(directory);
        settings.put("ldap.search-base", "ou=people,dc=example,dc=com");
        settings.put("ldap.search-filter", "(&(objectClass=person)(uid={0}))");
        settings.put("ldap.bind-dn", "cn=service,dc=example,dc=com");
        settings.put("ldap.bind-password", "service-pw");
        return settings;
    }

    private static Map<String, String> base(InMemoryDirectoryServer directory) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("key.secret", Fixtures.SECRET);
        settings.put("ldap.url", "ldap://127.0.0.1:" + directory.getListenPort());
        settings.put("ldap.group-search-base", "ou=groups,dc=example,dc=com");
        settings.put("ldap.group-filter", "(&(objectClass=groupOfNames)(member={0}))");
        return settings;
    }
}
