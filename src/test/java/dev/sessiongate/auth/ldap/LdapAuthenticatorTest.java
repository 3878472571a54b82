package dev.sessiongate.auth.ldap;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §3: LDAP simple bind against UnboundID's in-memory directory server loaded with a real
 * LDIF (src/test/resources/ldap/directory.ldif): DN pattern or search, groups, injection.
 */
class LdapAuthenticatorTest {
    private InMemoryDirectoryServer directory;

    @BeforeEach
    void startDirectory() throws Exception {
        directory = TestDirectory.start(InMemoryListenerConfig.createLDAPConfig("ldap", 0));
    }

    @AfterEach
    void stopDirectory() {
        directory.shutDown(true);
    }

    @Test
    void aUserDnPatternBindsAndFindsGroupsThroughTheFilter() {
        try (GateServer server = gate(pattern())) {
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/whoami").then()
                    .statusCode(200).body("remoteUser", equalTo("alice")).body("partners", equalTo(true));
            server.request().header("Authorization", basic("bob", "bob-ldap-pw")).post("/api/whoami").then()
                    .statusCode(200).body("partners", equalTo(false));
            server.request().header("Authorization", basic("alice", "wrong")).post("/api/whoami").then().statusCode(401);
            server.request().header("Authorization", basic("nobody", "x")).post("/api/whoami").then().statusCode(401);
        }
    }

    @Test
    void aSearchAsTheServiceAccountFindsTheUser() {
        try (GateServer server = gate(search())) {
            server.request().header("Authorization", basic("bob", "bob-ldap-pw")).post("/api/whoami").then()
                    .statusCode(200).body("remoteUser", equalTo("bob"));
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/whoami").then()
                    .statusCode(200).body("partners", equalTo(true));
        }
    }

    @Test
    void userNamesCannotChangeTheQuery() throws Exception {
        for (Map<String, String> settings : java.util.List.of(pattern(), search())) {
            try (LdapAuthenticator ldap = new LdapAuthenticator(config(settings).ldap())) {
                for (String user : new String[] {"*", "alice)(uid=*", "*)(|(uid=*", "alice,ou=people,dc=example,dc=com",
                        "uid=alice,ou=people", "alice\u0000"}) {
                    assertThat(check(ldap, user, "alice-ldap-pw")).as(user).isEmpty();
                }
                assertThat(check(ldap, "alice", "")).as("an empty password is not an anonymous bind").isEmpty();
                assertThat(check(ldap, "alice", "alice-ldap-pw")).isPresent();
            }
        }
    }

    @Test
    void validateAsksWhetherTheEntryStillExists() throws Exception {
        try (LdapAuthenticator ldap = new LdapAuthenticator(config(search()).ldap())) {
            Identity alice = check(ldap, "alice", "alice-ldap-pw").orElseThrow();
            assertThat(ldap.validate(alice)).isTrue();
            directory.delete("uid=alice,ou=people,dc=example,dc=com");
            assertThat(ldap.validate(alice)).isFalse();
        }
    }

    @Test
    void aDirectoryThatIsDownIs503() {
        try (GateServer server = gate(pattern())) {
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/a").then().statusCode(200);
            directory.shutDown(true);
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/a").then().statusCode(200);
            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/b").then()
                    .statusCode(503).body("error", equalTo("authentication_unavailable"));
        }
    }

    private Map<String, String> pattern() {
        return TestDirectory.patternSettings(directory);
    }

    private Map<String, String> search() {
        return TestDirectory.searchSettings(directory);
    }

    private static GateConfig config(Map<String, String> settings) {
        return ConfigLoader.load(null, settings);
    }

    private static GateServer gate(Map<String, String> settings) {
        return GateServer.start(SessionGate.builder().config(config(settings)).build(),
                context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    private static Optional<Identity> check(LdapAuthenticator ldap, String user, String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        try (Password pw = Password.copyOf(bytes, 0, bytes.length)) {
            return ldap.authenticate(user, pw);
        }
    }
}
