package dev.sessiongate.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.filter.SessionGate;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The application started with its embedded Tomcat on a free port, over real HTTP: SessionGate
 * authenticates (its own challenge, its cached sessions), Spring Security sees its user.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SessionGateBootTest {
    private static final String CHALLENGE = "Basic realm=\"Boot IT\", charset=\"UTF-8\"";

    @Value("${local.server.port}")
    int port;

    @Autowired
    SessionGate gate;

    @Test
    void requestWithoutCredentialsGetsSessionGatesChallengeNotSpringSecuritys() throws Exception {
        HttpResponse<String> response = Http.get(port, "/me", null, null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(CHALLENGE);
    }

    @Test
    void wrongPasswordIsRefusedBySessionGate() throws Exception {
        HttpResponse<String> response = Http.get(port, "/me", "alice", "not-her-password");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(CHALLENGE);
    }

    @Test
    void servletApiAndSecurityContextBothSeeTheSessionGateUser() throws Exception {
        Map<String, String> me = Http.fields(Http.get(port, "/me", "alice", "alice-secret"));

        assertThat(me).containsEntry("principal", "alice").containsEntry("remoteUser", "alice")
                .containsEntry("authentication", "alice").containsEntry("authenticated", "true")
                .containsEntry("inRolePartners", "true");
    }

    @Test
    void groupsBecomeAuthoritiesWithAndWithoutTheRolePrefix() throws Exception {
        Map<String, String> me = Http.fields(Http.get(port, "/me", "alice", "alice-secret"));

        assertThat(me).containsEntry("authorities", "ROLE_admins,ROLE_partners,admins,partners");
    }

    @Test
    void springSecuritysHttpBasicNeitherChecksThePasswordAgainNorReplacesSessionGate() throws Exception {
        // Spring's own user store knows alice with another password (BootApp.springUsers).
        HttpResponse<String> gateUser = Http.get(port, "/me/basic", "alice", "alice-secret");
        HttpResponse<String> springUser = Http.get(port, "/me/basic", "alice", "spring-only-password");

        assertThat(gateUser.statusCode()).isEqualTo(200);
        assertThat(Http.fields(gateUser)).containsEntry("authentication", "alice")
                .containsEntry("authorities", "ROLE_admins,ROLE_partners,admins,partners");
        assertThat(springUser.statusCode()).isEqualTo(401);
        assertThat(springUser.headers().allValues("WWW-Authenticate")).containsExactly(CHALLENGE);
    }

    @Test
    void secondRequestOfAKeyIsServedFromTheCachedSession() throws Exception {
        long misses = gate.stats().misses();
        Map<String, String> first = Http.fields(Http.get(port, "/me/cached", "alice", "alice-secret"));
        Map<String, String> second = Http.fields(Http.get(port, "/me/cached", "alice", "alice-secret"));

        assertThat(first).containsEntry("newSession", "true").containsEntry("authentication", "alice");
        assertThat(second).containsEntry("newSession", "false").containsEntry("authentication", "alice")
                .containsEntry("sessionId", first.get("sessionId"));
        assertThat(gate.stats().misses() - misses).isEqualTo(1);
    }

    @Test
    void hasRoleLetsInOnlyUsersOfThatGroup() throws Exception {
        assertThat(Http.get(port, "/partners/me", "bob", "bob-secret").statusCode()).isEqualTo(200);
        assertThat(Http.get(port, "/partners/me", "carol", "carol-secret").statusCode()).isEqualTo(403);
    }

    @Test
    void hasAuthorityLetsInOnlyUsersOfThatGroup() throws Exception {
        assertThat(Http.get(port, "/admins/me", "alice", "alice-secret").statusCode()).isEqualTo(200);
        assertThat(Http.get(port, "/admins/me", "bob", "bob-secret").statusCode()).isEqualTo(403);
    }

    @Test
    void userWithoutGroupsIsAuthenticatedWithNoAuthorities() throws Exception {
        HttpResponse<String> response = Http.get(port, "/me", "carol", "carol-secret");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.fields(response)).containsEntry("authentication", "carol").containsEntry("authorities", "");
    }
}
