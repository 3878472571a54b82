package dev.sessiongate.auth.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;

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
}
