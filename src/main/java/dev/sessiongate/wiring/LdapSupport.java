package dev.sessiongate.wiring;

import com.unboundid.ldap.sdk.LDAPException;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.ldap.LdapAuthenticator;
import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;

/** {@code ldap.url}: loaded only when it is set, after {@link OptionalLibrary#LDAP} was found. */
final class LdapSupport {
    private LdapSupport() {
    }

    static Authenticator authenticator(GateConfig.Ldap settings) {
        try {
            return new LdapAuthenticator(settings);
        } catch (LDAPException e) {
            throw new ConfigException("invalid configuration: ldap.url=" + settings.url()
                    + ": cannot connect (" + e.getResultCode() + ": " + e.getMessage() + ")");
        }
    }
}
