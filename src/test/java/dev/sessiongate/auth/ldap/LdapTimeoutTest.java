package dev.sessiongate.auth.ldap;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.hamcrest.Matchers.equalTo;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.SlowProxy;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code ldap.timeout} bounds connecting and every answer: a directory that accepts connections
 * and never answers (as a {@code kill -STOP}ped slapd does) is a {@code 503}
 * {@code authentication_unavailable} from the LDAP time-out, well before {@code auth.timeout}
 * (which would answer {@code authentication_timeout}). The class time-out only keeps a broken
 * build from hanging.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LdapTimeoutTest {

    @Test
    void aDirectoryThatNeverAnswersABindIs503() throws Exception {
        // Accepts connections (the kernel does, into the backlog) and never says a word.
        try (ServerSocket silent = new ServerSocket(0)) {
            Map<String, String> settings = settings(silent.getLocalPort());
            settings.put("ldap.user-dn-pattern", "uid={0},ou=people,dc=example,dc=com");
            try (GateServer server = gate(settings)) {
                server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/a").then()
                        .statusCode(503).body("error", equalTo("authentication_unavailable"));
            }
        }
    }

    @Test
    void aDirectoryThatStopsAnsweringSearchesIs503AndDegradedUntilItAnswersAgain() throws Exception {
        InMemoryDirectoryServer directory = TestDirectory.start(InMemoryListenerConfig.createLDAPConfig("ldap", 0));
        try (SlowProxy proxy = new SlowProxy(directory.getListenPort())) {
            Map<String, String> settings = settings(proxy.port());
            settings.put("ldap.search-base", "ou=people,dc=example,dc=com");
            settings.put("ldap.bind-dn", "cn=service,dc=example,dc=com");
            settings.put("ldap.bind-password", "service-pw");
            try (GateServer server = gate(settings)) {
                server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/a").then()
                        .statusCode(200);
                proxy.stall();
                server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/b").then()
                        .statusCode(503).body("error", equalTo("authentication_unavailable"));
                server.request().get("/health").then().statusCode(200).body("status", equalTo("degraded"))
                        .body("reason", equalTo("authenticator unavailable"));
                server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/a").then()
                        .statusCode(200);

                proxy.resume();
                server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/c").then()
                        .statusCode(200);
                server.request().get("/health").then().statusCode(200).body("status", equalTo("up"));
            }
        } finally {
            directory.shutDown(true);
        }
    }

    private static Map<String, String> settings(int port) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("key.secret", Fixtures.SECRET);
        settings.put("ldap.url", "ldap://127.0.0.1:" + port);
        settings.put("ldap.timeout", "3s");
        return settings;
    }

    private static GateServer gate(Map<String, String> settings) {
        return GateServer.start(SessionGate.builder().config(ConfigLoader.load(null, settings)).build());
    }
}
