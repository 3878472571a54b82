package dev.sessiongate.auth;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.WhoAmIServlet;
import io.restassured.response.Response;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserPrincipal;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.Test;

/**
 * The gate acts on the name the authenticator vouches for, never on the bytes the client typed:
 * a user store that matches names case- and space-insensitively (as LDAP directories do) must not
 * turn one user into several for the policy, the limits, the logs and the failure count. The
 * LDAP directory itself is covered by {@code LdapCanonicalNameTest}.
 */
class CanonicalIdentityTest {
    private static final List<String> VARIANTS = List.of("ALICE", " alice", "alice ");

    @Test
    void limitsAndLogLinesUseTheVouchedForName() {
        try (GateServer server = start(new DirectoryLike(), "sessions.max-per-user", "1", "sessions.on-limit", "reject");
             LogCapture log = new LogCapture()) {
            attempt(server, "alice", "ok", "192.0.2.1").then().statusCode(200);
            for (String user : VARIANTS) {
                attempt(server, user, "ok", "192.0.2.1").then().statusCode(429).body("error", equalTo("session_limit"));
            }
            assertThat(log.lines()).filteredOn(line -> line.contains("event=session_created"))
                    .singleElement().asString().contains(" user=alice ");
            assertThat(log.lines()).filteredOn(line -> line.contains("event=session_limit"))
                    .hasSize(VARIANTS.size()).allMatch(line -> line.contains(" user=alice "));
        }
    }

    @Test
    void theAccessDeniedLineNamesTheVouchedForUser() {
        try (GateServer server = start(new DirectoryLike(), "policy.deny-users", "alice");
             LogCapture log = new LogCapture()) {
            attempt(server, "ALICE", "ok", "192.0.2.1").then().statusCode(403);
            assertThat(log.lines()).filteredOn(line -> line.contains("event=access_denied"))
                    .singleElement().asString().contains(" user=alice ");
        }
    }

    @Test
    void wrongPasswordsAsCaseAndSpaceVariantsShareOneFailureCount() {
        try (GateServer server = start(new AcceptingAuthenticator())) {
            int guess = 0;
            for (String user : VARIANTS) { // auth.max-failures=3; distinct guesses, since a repeat counts once
                attempt(server, user, "wrong-" + guess++, "192.0.2.9").then().statusCode(401);
            }
            attempt(server, "alice", "ok-right", "192.0.2.9").then().statusCode(429).body("error", equalTo("too_many_failures"));
            attempt(server, "Alice", "ok-right", "192.0.2.9").then().statusCode(429);
            attempt(server, "alice", "ok-right", "192.0.2.10").then().statusCode(200);
            attempt(server, "bob", "ok-right", "192.0.2.9").then().statusCode(200);
        }
    }

    @Test
    void foldedNamesIgnoreCaseAndSpacesAsADirectoryDoes() {
        for (String user : List.of("alice", "ALICE", " alice", "alice\t", "\u00A0Alice\u3000")) {
            assertThat(UserNames.fold(user)).as(user).isEqualTo("alice");
        }
        assertThat(UserNames.fold("  Al \u00A0 Ice  ")).isEqualTo("al ice");
        assertThat(UserNames.fold("alice")).isNotEqualTo(UserNames.fold("alice2"));
    }

    @Test
    void theDelegatesXAuthUserIsTheUser() {
        try (GateServer service = delegate();
             GateServer gate = delegated(service.url("/check"), "policy.deny-users", "alice")) {
            for (String user : List.of("alice", "ALICE", " alice")) {
                gate.request().header("Authorization", basic(user, "alice-pw")).post("/api/whoami").then().statusCode(403);
            }
            gate.request().header("Authorization", basic("Bob", "bob-pw")).post("/api/whoami").then().statusCode(200);
        }
        try (GateServer service = delegate(); GateServer gate = delegated(service.url("/check"))) {
            gate.request().header("Authorization", basic("ALICE", "alice-pw")).post("/api/whoami").then()
                    .statusCode(200).body("remoteUser", equalTo("alice")).body("partners", equalTo(true));
            gate.request().header("Authorization", basic("Bob", "bob-pw")).post("/api/whoami").then()
                    .statusCode(200).body("remoteUser", equalTo("Bob")); // no X-Auth-User: the name as typed
            gate.request().header("Authorization", basic("blank", "blank-pw")).post("/api/whoami").then()
                    .statusCode(502).body("error", equalTo("authentication_delegate_failed"));
        }
    }

    @Test
    void theContainerRealmsPrincipalIsTheUser() {
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("auth.container-realm", "true")
                .set("policy.require-group", "partners")
                .build();
        ServletContextHandler context = StandaloneServer.demoContext(gate);
        context.addServlet(WhoAmIServlet.class, "/api/whoami");
        context.setSecurityHandler(caseInsensitiveRealm());
        try (GateServer server = GateServer.start(context)) {
            for (String user : List.of("alice", "ALICE", " alice ")) {
                server.request().header("Authorization", basic(user, "alice-realm-pw")).post("/api/whoami").then()
                        .statusCode(200).body("remoteUser", equalTo("alice")).body("partners", equalTo(true));
            }
        }
    }

    private static GateServer start(Authenticator authenticator, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", "127.0.0.1/32")
                .set("auth.max-failures", "3")
                .authenticator(authenticator);
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build());
    }

    private static Response attempt(GateServer server, String user, String password, String clientIp) {
        return server.request().header("Authorization", basic(user, password)).header("X-Forwarded-For", clientIp)
                .post("/api/x");
    }

    private static GateServer delegated(String url, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("auth.delegate-url", url);
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build(), context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    /**
     * A password service that, like a directory, finds users case- and space-insensitively:
     * alice (answered with {@code X-Auth-User: alice}), Bob (no {@code X-Auth-User}), and "blank",
     * whose {@code X-Auth-User} is empty.
     */
    private static GateServer delegate() {
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                String credentials = new String(Base64.getDecoder().decode(request.getHeader("Authorization").substring(6)),
                        StandardCharsets.UTF_8);
                int colon = credentials.indexOf(':');
                String user = credentials.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                if (!credentials.substring(colon + 1).equals(user + "-pw")) {
                    response.setStatus(401);
                    return;
                }
                switch (user) {
                    case "alice" -> {
                        response.setHeader("X-Auth-User", "alice");
                        response.setHeader("X-Auth-Groups", "partners");
                    }
                    case "blank" -> response.setHeader("X-Auth-User", "");
                    default -> { }
                }
                response.setStatus(200);
            }
        }), "/check");
        return GateServer.start(context);
    }

    /** Jetty's hash realm, made to find users case- and space-insensitively as a directory would. */
    private static ConstraintSecurityHandler caseInsensitiveRealm() {
        UserStore users = new UserStore();
        users.addUser("alice", Credential.getCredential("alice-realm-pw"), new String[] {"partners"});
        HashLoginService realm = new HashLoginService("test-realm") {
            @Override
            protected UserPrincipal loadUserInfo(String username) {
                return super.loadUserInfo(username.strip().toLowerCase(Locale.ROOT));
            }
        };
        realm.setUserStore(users);
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(realm);
        security.setAuthenticator(new BasicAuthenticator());
        return security;
    }

    /** Accepts "ok…" passwords and, like a directory, names the user as it stores the name: lower case, trimmed. */
    private static final class DirectoryLike implements Authenticator {
        @Override
        public Optional<Identity> authenticate(String user, Password password) {
            boolean ok = new String(password.bytes(), StandardCharsets.UTF_8).startsWith("ok");
            return ok ? Optional.of(new Identity(user.strip().toLowerCase(Locale.ROOT), Set.of("partners"), ""))
                    : Optional.empty();
        }

        @Override
        public boolean validate(Identity identity) {
            return true;
        }
    }
}
