package dev.sessiongate.auth;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** SPEC §1.5 and §3: the access policy denies with a 403 and a support ID, and keeps no session. */
class AccessPolicyTest {

    @Test
    void requireGroupDeniesUsersOutsideItWithASupportIdInBodyAndLog() throws Exception {
        CountingAuthenticator authenticator = new CountingAuthenticator(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS));
        try (GateServer server = start(authenticator, "policy.require-group", "admins");
             LogCapture log = new LogCapture()) {
            Response denied = server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x");
            assertThat(denied.statusCode()).isEqualTo(403);
            String supportId = denied.jsonPath().getString("supportId");
            assertThat(supportId).matches("[0-9]{6,}");
            assertThat(denied.jsonPath().getString("message")).isEqualTo("Access policy evaluated to deny.");
            assertThat(log.text()).contains("event=access_denied supportId=" + supportId + " user=sha1");

            // No session was kept: the next request is checked and denied again.
            Response again = server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x");
            assertThat(again.statusCode()).isEqualTo(403);
            assertThat(again.jsonPath().getString("supportId")).isNotEqualTo(supportId);
            assertThat(authenticator.checks()).isEqualTo(2);

            assertThat(server.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/x")
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void denyUsersWinsOverEverything() throws Exception {
        try (GateServer server = start(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS),
                "policy.deny-users", "bcrypt-2y, sha1")) {
            assertThat(server.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/x")
                    .statusCode()).isEqualTo(403);
            assertThat(server.request().header("Authorization", basic("apr1-openssl", "apr1-openssl-pw")).post("/api/x")
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void denyUsersIgnoresCaseAndSpacesButAllowUsersDoesNot() throws Exception {
        try (GateServer server = start(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS),
                "policy.deny-users", "SHA1, Bcrypt-2Y")) {
            assertThat(server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x")
                    .statusCode()).isEqualTo(403);
            assertThat(server.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/x")
                    .statusCode()).isEqualTo(403);
            assertThat(server.request().header("Authorization", basic("apr1-openssl", "apr1-openssl-pw")).post("/api/x")
                    .statusCode()).isEqualTo(200);
        }
        try (GateServer server = start(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS),
                "policy.allow-users", "SHA1")) {
            assertThat(server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x")
                    .statusCode()).isEqualTo(403);
        }
    }

    @Test
    void allowUsersLetsOnlyThemIn() throws Exception {
        try (GateServer server = start(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS),
                "policy.allow-users", "sha1")) {
            assertThat(server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x")
                    .statusCode()).isEqualTo(200);
            assertThat(server.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/x")
                    .statusCode()).isEqualTo(403);
        }
    }

    @Test
    void customPolicyFromTheBuilderIsAsked() throws Exception {
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .authenticator(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS))
                .accessPolicy(identity -> identity.name().startsWith("apr1") ? "no apr1 users today" : null)
                .build();
        try (GateServer server = GateServer.start(gate); LogCapture log = new LogCapture()) {
            assertThat(server.request().header("Authorization", basic("apr1-htpasswd", "apr1-htpasswd-pw")).post("/api/x")
                    .statusCode()).isEqualTo(403);
            assertThat(log.text()).contains("reason=\"no apr1 users today\"");
            assertThat(server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/api/x")
                    .statusCode()).isEqualTo(200);
        }
    }

    private static GateServer start(Authenticator authenticator, String key, String value) {
        return GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set(key, value)
                .authenticator(authenticator)
                .build());
    }
}
