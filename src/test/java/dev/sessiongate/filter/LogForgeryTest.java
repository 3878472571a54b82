package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 1: a user name such as {@code x clientIp=6.6.6.6 sessionId=forged} stays one
 * quoted value in every line that names the user, so fail2ban and SIEM rules read the real address.
 */
class LogForgeryTest {
    private static final String FORGED = "x clientIp=6.6.6.6 sessionId=forged";
    private static final String QUOTED = "user=\"x clientIp=6.6.6.6 sessionId=forged\" clientIp=127.0.0.1";

    @Test
    void aFailedLoginNamesTheRealAddress() {
        try (GateServer server = GateServer.start(SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString()).build()); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basic(FORGED, "wrong")).post("/api/x").then().statusCode(401);
            assertThat(log.await("event=auth_failed")).contains(QUOTED);
        }
    }

    @Test
    void createdAndDeniedSessionsNameTheRealAddress() {
        try (GateServer server = GateServer.start(SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .set("policy.deny-users", "evil")
                .authenticator(new AcceptingAuthenticator()).build()); LogCapture log = new LogCapture()) {
            server.request().header("Authorization", basic(FORGED, "ok")).post("/api/x").then().statusCode(200);
            assertThat(log.await("event=session_created")).contains(QUOTED);
            server.request().header("Authorization", basic("evil", "ok")).post("/api/x").then().statusCode(403);
            assertThat(log.await("event=access_denied")).containsPattern("reason=\"[^\"]*\"");
            server.request().header("Authorization", basic("line\nbreak event=forged", "ok")).post("/api/x");
            assertThat(log.text()).doesNotContain("\nbreak");
        }
    }
}
