package dev.sessiongate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.auth.Identity;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/** The Spring Security token that a SessionGate identity becomes. */
class SecurityContextBridgeTest {

    @Test
    void identityBecomesAnAuthenticatedTokenWithEachGroupAsRoleAndAsAuthority() {
        UsernamePasswordAuthenticationToken token = SecurityContextBridge.authentication(
                new Identity("alice", Set.of("partners", "admins"), "tag"));

        assertThat(token.isAuthenticated()).isTrue();
        assertThat(token.getName()).isEqualTo("alice");
        assertThat(token.getPrincipal()).isEqualTo("alice");
        assertThat(token.getCredentials()).isNull();
        assertThat(token.getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .containsExactly("ROLE_admins", "admins", "ROLE_partners", "partners");
    }

    @Test
    void aGroupSpelledAsARoleScopeOrFactorGetsOnlyItsRoleForm() {
        assertThat(SecurityContextBridge.authentication(new Identity("mallory",
                Set.of("ROLE_ADMIN", "SCOPE_write", "FACTOR_PASSWORD"), "tag")).getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactly("ROLE_FACTOR_PASSWORD", "ROLE_ROLE_ADMIN", "ROLE_SCOPE_write");
    }

    @Test
    void userWithoutGroupsHasNoAuthorities() {
        assertThat(SecurityContextBridge.authentication(new Identity("carol", Set.of(), "")).getAuthorities()).isEmpty();
    }
}
