package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.Test;

/** SPEC §3: the container realm, {@code request.login()} of a real Jetty with a HashLoginService. */
class ContainerRealmTest {

    @Test
    void theHostingContainerChecksThePasswordOncePerKey() {
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("auth.container-realm", "true")
                .set("policy.require-group", "partners")
                .build();
        ServletContextHandler context = StandaloneServer.demoContext(gate);
        context.addServlet(WhoAmIServlet.class, "/api/whoami");
        context.setSecurityHandler(realm());
        try (GateServer server = GateServer.start(context)) {
            server.request().header("Authorization", basic("alice", "alice-realm-pw")).post("/api/whoami").then()
                    .statusCode(200).body("remoteUser", equalTo("alice")).body("partners", equalTo(true))
                    .body("count", equalTo(1));
            server.request().header("Authorization", basic("alice", "alice-realm-pw")).post("/api/whoami").then()
                    .statusCode(200).body("count", equalTo(2));
            server.request().header("Authorization", basic("alice", "wrong")).post("/api/whoami").then().statusCode(401);
            // bob is in the realm but not in the required role
            server.request().header("Authorization", basic("bob", "bob-realm-pw")).post("/api/whoami").then().statusCode(403);
        }
    }

    private static ConstraintSecurityHandler realm() {
        UserStore users = new UserStore();
        users.addUser("alice", Credential.getCredential("alice-realm-pw"), new String[] {"partners"});
        users.addUser("bob", Credential.getCredential("bob-realm-pw"), new String[] {"staff"});
        HashLoginService realm = new HashLoginService("test-realm");
        realm.setUserStore(users);
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(realm);
        security.setAuthenticator(new BasicAuthenticator());
        return security;
    }
}
