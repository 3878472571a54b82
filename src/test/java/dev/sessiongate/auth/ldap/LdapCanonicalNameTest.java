package dev.sessiongate.auth.ldap;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One identity per directory entry: the directory binds {@code ALICE}, {@code " alice"} and
 * {@code "alice "} as {@code uid=alice}, so the session's user must be the entry's name as the
 * directory stores it, not what the client typed — for the policy, the limits and the admin API.
 */
class LdapCanonicalNameTest {
    private static final String ALICE_DN = "uid=alice,ou=people,dc=example,dc=com";
    private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    private static final List<String> VARIANTS = List.of("alice", "ALICE", " alice", "alice ", "aLiCe");

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
    void everySpellingOfAliceIsDeniedAsAlice() {
        for (Map<String, String> settings : List.of(pattern(), search())) {
            settings.put("policy.deny-users", "alice");
            try (GateServer server = gate(settings)) {
                for (String user : VARIANTS) {
                    server.request().header("Authorization", basic(user, "alice-ldap-pw")).post("/api/whoami").then()
                            .statusCode(403).body("error", equalTo("access_denied"));
                }
                server.request().header("Authorization", basic("bob", "bob-ldap-pw")).post("/api/whoami").then()
                        .statusCode(200);
            }
        }
    }

    @Test
    void theApplicationSeesTheEntrysNameAndItsGroups() {
        for (Map<String, String> settings : List.of(pattern(), search())) {
            try (GateServer server = gate(settings)) {
                for (String user : VARIANTS) {
                    server.request().header("Authorization", basic(user, "alice-ldap-pw")).post("/api/whoami").then()
                            .statusCode(200).body("remoteUser", equalTo("alice")).body("principal", equalTo("alice"))
                            .body("partners", equalTo(true));
                }
            }
        }
    }

    @Test
    void theAdminApiListsAndRevokesOneUserWhateverItWasTypedAs() {
        Map<String, String> settings = pattern();
        settings.put("admin.token", ADMIN_TOKEN);
        try (GateServer server = gate(settings)) {
            String first = login(server, "alice");
            login(server, "ALICE");
            login(server, " alice");

            assertThat(admin(server).get("/admin/sessions").jsonPath().getList("user", String.class))
                    .containsExactly("alice", "alice", "alice");
            assertThat(admin(server).get("/admin/sessions?user=alice").jsonPath().getList("$")).hasSize(3);
            assertThat(admin(server).get("/admin/sessions?user=ALICE").jsonPath().getList("$")).isEmpty();

            admin(server).delete("/admin/sessions?user=alice").then().statusCode(204);
            assertThat(admin(server).get("/admin/sessions").jsonPath().getList("$")).isEmpty();
            assertThat(login(server, "alice")).as("a new session after the revocation").isNotEqualTo(first);
        }
    }

    /** A token only for an entry, issued under the entry's name: {@code ALICE} gets alice's token. */
    @Test
    void aTokenIsIssuedForTheEntryUnderItsNameAndForNoOneElse() {
        for (Map<String, String> settings : List.of(pattern(), search())) {
            settings.put("admin.token", ADMIN_TOKEN);
            try (GateServer server = gate(settings)) {
                String token = admin(server).body("{\"user\":\"ALICE\"}").post("/admin/tokens").then()
                        .statusCode(201).body("user", equalTo("alice")).extract().jsonPath().getString("token");
                server.request().header("Authorization", "Bearer " + token).post("/api/whoami").then()
                        .statusCode(200).body("remoteUser", equalTo("alice"));
                for (String nobody : List.of("nobody-at-all", "*", "alice)(uid=*", "uid=alice,ou=people")) {
                    admin(server).body("{\"user\":\"" + nobody + "\"}").contentType("application/json").post("/admin/tokens").then()
                            .statusCode(400).body("error", equalTo("unknown_user"));
                }
                assertThat(admin(server).get("/admin/tokens").jsonPath().getList("user", String.class)).containsExactly("alice");
            }
        }
    }

    @Test
    void perUserLimitsCountEverySpellingAsOneUser() {
        Map<String, String> settings = search();
        settings.put("sessions.max-per-user", "1");
        settings.put("sessions.on-limit", "reject");
        try (GateServer server = gate(settings)) {
            login(server, "alice");
            for (String user : List.of("ALICE", " alice", "alice ")) {
                server.request().header("Authorization", basic(user, "alice-ldap-pw")).post("/api/whoami").then()
                        .statusCode(429).body("error", equalTo("session_limit"));
            }
            login(server, "bob");
        }
    }

    @Test
    void theIdentityIsTheEntryAsTheDirectoryStoresIt() throws Exception {
        for (Map<String, String> settings : List.of(pattern(), search())) {
            try (LdapAuthenticator ldap = new LdapAuthenticator(ConfigLoader.load(null, settings).ldap())) {
                for (String user : VARIANTS) {
                    Identity identity = check(ldap, user, "alice-ldap-pw");
                    assertThat(identity.name()).as(user).isEqualTo("alice");
                    assertThat(identity.credentialTag()).as(user).isEqualTo(ALICE_DN);
                    assertThat(identity.groups()).as(user).containsExactly("partners");
                    assertThat(ldap.validate(identity)).isTrue();
                }
            }
        }
    }

    @Test
    void aNameStoredInCapitalsStaysInCapitals() throws Exception {
        directory.add("dn: uid=Carol,ou=people,dc=example,dc=com", "objectClass: inetOrgPerson", "uid: Carol",
                "cn: Carol", "sn: Carol", "userPassword: carol-ldap-pw");
        for (Map<String, String> settings : List.of(pattern(), search())) {
            try (LdapAuthenticator ldap = new LdapAuthenticator(ConfigLoader.load(null, settings).ldap())) {
                assertThat(check(ldap, "carol", "carol-ldap-pw").name()).isEqualTo("Carol");
                assertThat(check(ldap, " CAROL ", "carol-ldap-pw").name()).isEqualTo("Carol");
            }
        }
    }

    @Test
    void aSearchNamesTheUserByTheFiltersAttributeWhateverTheEntryIsNamedBy() throws Exception {
        directory.add("dn: cn=Dave Example,ou=people,dc=example,dc=com", "objectClass: inetOrgPerson", "uid: dave",
                "mail: dave@example.com", "cn: Dave Example", "sn: Example", "userPassword: dave-ldap-pw");
        Map<String, String> settings = search();
        settings.put("ldap.search-filter", "(&(objectClass=person)(|(uid={0})(mail={0})))");
        try (LdapAuthenticator ldap = new LdapAuthenticator(ConfigLoader.load(null, settings).ldap())) {
            for (String user : List.of("dave", "DAVE", "Dave@Example.com")) {
                Identity identity = check(ldap, user, "dave-ldap-pw");
                assertThat(identity.name()).as(user).isEqualTo("dave");
                assertThat(identity.credentialTag()).isEqualTo("cn=Dave Example,ou=people,dc=example,dc=com");
            }
        }
    }

    @Test
    void anEntryWithSeveralNamesAndNoneInItsDnIsNotGuessedAt() throws Exception {
        directory.add("dn: cn=Erin Example,ou=people,dc=example,dc=com", "objectClass: inetOrgPerson", "uid: erin",
                "uid: erin.example", "cn: Erin Example", "sn: Example", "userPassword: erin-ldap-pw");
        try (LdapAuthenticator ldap = new LdapAuthenticator(ConfigLoader.load(null, search()).ldap())) {
            assertThatThrownBy(() -> check(ldap, "erin", "erin-ldap-pw"))
                    .isInstanceOf(AuthenticatorUnavailableException.class)
                    .hasMessageContaining("uid").hasMessageNotContaining("erin-ldap-pw");
            assertThat(check(ldap, "alice", "alice-ldap-pw").name()).isEqualTo("alice");
        }
    }

    private Map<String, String> pattern() {
        return TestDirectory.patternSettings(directory);
    }

    private Map<String, String> search() {
        return TestDirectory.searchSettings(directory);
    }

    private static GateServer gate(Map<String, String> settings) {
        return GateServer.start(SessionGate.builder().config(ConfigLoader.load(null, settings)).build(),
                context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    /** Logs {@code user} in with the right password; returns the session id. */
    private static String login(GateServer server, String user) {
        String password = user.strip().toLowerCase(java.util.Locale.ROOT) + "-ldap-pw";
        Response response = server.request().header("Authorization", basic(user, password)).post("/api/whoami");
        assertThat(response.statusCode()).as(user + ": " + response.asString()).isEqualTo(200);
        return response.jsonPath().getString("sessionId");
    }

    private static RequestSpecification admin(GateServer server) {
        return server.request().header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    private static Identity check(LdapAuthenticator ldap, String user, String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        try (Password pw = Password.copyOf(bytes, 0, bytes.length)) {
            return ldap.authenticate(user, pw).orElseThrow(() -> new AssertionError(user + " was refused"));
        }
    }
}
