package dev.sessiongate.admin;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.RawHttp;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §5: the admin API, its token, and what it shows and never shows. */
class AdminApiTest {
    private static final String TOKEN = "admin-token-0123456789abcdef";

    @Test
    void withoutATokenConfiguredTheAdminApiIsNotThere() {
        try (GateServer server = start(null)) {
            server.request().header("Authorization", "Bearer anything").get("/admin/sessions").then().statusCode(404);
            server.request().get("/admin/stats").then().statusCode(404);
        }
    }

    @Test
    void aMissingOrWrongTokenIs401() {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            server.request().get("/admin/sessions").then().statusCode(401)
                    .header("WWW-Authenticate", "Bearer realm=\"sessiongate-admin\"");
            server.request().header("Authorization", "Bearer " + TOKEN + "x").get("/admin/sessions").then().statusCode(401);
            server.request().header("Authorization", basic("admin", TOKEN)).get("/admin/sessions").then().statusCode(401);
            admin(server).get("/admin/sessions").then().statusCode(200);
        }
    }

    @Test
    void twoAuthorizationHeadersAre400AsInTheFilter() {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            RawHttp.Answer twice = RawHttp.send(server.port(), "GET", "/admin/sessions",
                    "Authorization: Bearer " + TOKEN, "Authorization: Bearer " + TOKEN);
            assertThat(twice.status()).isEqualTo(400);
            assertThat(twice.body()).contains("\"duplicate_authorization\"");
            assertThat(RawHttp.send(server.port(), "GET", "/admin/sessions", "Authorization: Bearer wrong-token",
                    "Authorization: Bearer " + TOKEN).status()).isEqualTo(400);
        }
    }

    @Test
    void wrongTokensFromOneAddressAreThrottledAndLoggedOnceNotPerAttempt() {
        try (LogCapture log = new LogCapture();
             GateServer server = start(null, "admin.token", TOKEN, "auth.max-failures", "3",
                     "trusted-proxies", "127.0.0.1/32")) {
            for (int i = 0; i < 5; i++) {
                from(server, "192.0.2.9").get("/admin/stats").then().statusCode(401); // no token: no guess, not counted
            }
            for (int i = 0; i < 3; i++) {
                from(server, "192.0.2.1").header("Authorization", "Bearer wrong-" + i).get("/admin/stats")
                        .then().statusCode(401);
            }
            Response throttled = from(server, "192.0.2.1").header("Authorization", "Bearer wrong-3").get("/admin/stats");
            assertThat(throttled.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(throttled.getHeader("Retry-After"))).isBetween(1L, 300L);
            // The right token from that address too: else the answers would still tell right from wrong.
            from(server, "192.0.2.1").header("Authorization", "Bearer " + TOKEN).get("/admin/stats").then().statusCode(429);
            from(server, "192.0.2.2").header("Authorization", "Bearer " + TOKEN).get("/admin/stats").then().statusCode(200);
            from(server, "192.0.2.9").header("Authorization", "Bearer " + TOKEN).get("/admin/stats").then().statusCode(200);

            assertThat(log.lines()).filteredOn(line -> line.contains("event=admin_unauthorized")).hasSize(1);
            assertThat(log.lines()).filteredOn(line -> line.contains("event=admin_throttled")).singleElement()
                    .asString().contains("clientIp=192.0.2.1", "failures=3").doesNotContain("wrong-");
        }
    }

    @Test
    void aMissingParameterIs400AndAWrongMethodIs405WithAllow() {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            server.request().post("/admin/sessions").then().statusCode(401);
            admin(server).delete("/admin/sessions").then().statusCode(400).body("error", equalTo("bad_request"));
            for (String query : new String[] {"limit=0", "limit=1001", "limit=ten", "offset=-1", "offset=1x"}) {
                admin(server).get("/admin/sessions?" + query).then().statusCode(400);
            }
            String[][] wrong = {
                {"POST", "/admin/sessions", "GET, DELETE"}, {"PUT", "/admin/sessions/abc", "GET, DELETE"},
                {"POST", "/admin/stats", "GET"}, {"DELETE", "/admin/metrics", "GET"},
                {"PUT", "/admin/tokens", "GET, POST"}, {"GET", "/admin/tokens/abc", "DELETE"},
                {"POST", "/admin/", "GET"},
            };
            for (String[] request : wrong) {
                admin(server).request(request[0], request[1]).then().statusCode(405)
                        .header("Allow", request[2]).body("error", equalTo("method_not_allowed"));
            }
            admin(server).get("/admin/nothing").then().statusCode(404);
            admin(server).post("/admin/nothing").then().statusCode(404);
        }
    }

    @Test
    void sessionsAreSearchedByAnyPartOfUserOrAddressAndPaged() throws Exception {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            login(server, "sha1", "sha1-pw", "/api/a");
            login(server, "sha1", "sha1-pw", "/api/b");
            String apr1 = login(server, "apr1-openssl", "apr1-openssl-pw", "/api/a");

            assertThat(admin(server).get("/admin/sessions?q=APR1").jsonPath().getList("id")).containsExactly(apr1);
            assertThat(admin(server).get("/admin/sessions?q=27.0.0").jsonPath().getList("$")).hasSize(3);
            assertThat(admin(server).get("/admin/sessions?q=nobody").jsonPath().getList("$")).isEmpty();

            JsonPath first = admin(server).get("/admin/sessions?limit=2").then().statusCode(200).extract().jsonPath();
            assertThat(first.getInt("total")).isEqualTo(3);
            assertThat(first.getInt("offset")).isZero();
            assertThat(first.getInt("limit")).isEqualTo(2);
            JsonPath second = admin(server).get("/admin/sessions?limit=2&offset=2").jsonPath();
            assertThat(second.getInt("total")).isEqualTo(3);
            List<String> ids = new java.util.ArrayList<>(first.getList("sessions.id"));
            ids.addAll(second.getList("sessions.id"));
            assertThat(ids).hasSize(3).doesNotHaveDuplicates();

            JsonPath searched = admin(server).get("/admin/sessions?q=sha&offset=0").jsonPath();
            assertThat(searched.getInt("total")).isEqualTo(2);
            assertThat(searched.getList("sessions.user")).containsExactly("sha1", "sha1");
            assertThat(admin(server).get("/admin/sessions?user=sha1&limit=1").jsonPath().getInt("total")).isEqualTo(2);
        }
    }

    @Test
    void sessionsAreListedFilteredShownAndRevoked() throws Exception {
        CountingAuthenticator users = new CountingAuthenticator(new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS));
        try (GateServer server = start(users, "admin.token", TOKEN)) {
            String sha1 = login(server, "sha1", "sha1-pw", "/api/a");
            login(server, "sha1", "sha1-pw", "/api/b");
            String apr1 = login(server, "apr1-openssl", "apr1-openssl-pw", "/api/a");

            List<Map<String, Object>> all = admin(server).get("/admin/sessions").then().statusCode(200)
                    .extract().jsonPath().getList("$");
            assertThat(all).hasSize(3);
            assertThat(admin(server).get("/admin/sessions?user=sha1").jsonPath().getList("user")).containsExactly("sha1", "sha1");
            assertThat(admin(server).get("/admin/sessions?ip=127.0.0.1").jsonPath().getList("$")).hasSize(3);
            assertThat(admin(server).get("/admin/sessions?ip=10.9.9.9").jsonPath().getList("$")).isEmpty();

            JsonPath one = admin(server).get("/admin/sessions/" + sha1).then().statusCode(200).extract().jsonPath();
            assertThat(one.getString("id")).isEqualTo(sha1);
            assertThat(one.getString("user")).isEqualTo("sha1");
            assertThat(one.getString("clientIp")).isEqualTo("127.0.0.1");
            assertThat(one.getInt("requests")).isEqualTo(1);
            assertThat(one.getBoolean("permanent")).isFalse();
            assertThat(one.getString("node")).isNotBlank();
            Instant created = Instant.parse(one.getString("createdAt"));
            assertThat(Instant.parse(one.getString("lastAccessedAt"))).isAfterOrEqualTo(created);
            assertThat(Instant.parse(one.getString("expiresAt"))).isAfter(created);

            admin(server).delete("/admin/sessions/" + sha1).then().statusCode(204);
            admin(server).get("/admin/sessions/" + sha1).then().statusCode(404);
            admin(server).delete("/admin/sessions/" + sha1).then().statusCode(404);
            int checks = users.checks();
            assertThat(login(server, "sha1", "sha1-pw", "/api/a")).isNotEqualTo(sha1);
            assertThat(users.checks()).isEqualTo(checks + 1);

            admin(server).delete("/admin/sessions?user=sha1").then().statusCode(204);
            assertThat(admin(server).get("/admin/sessions").jsonPath().getList("user")).containsExactly("apr1-openssl");
            assertThat(login(server, "apr1-openssl", "apr1-openssl-pw", "/api/a")).isEqualTo(apr1);
        }
    }

    @Test
    void statsCountHitsMissesChecksAndFailures() {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            login(server, "sha1", "sha1-pw", "/api/a");
            login(server, "sha1", "sha1-pw", "/api/a");
            login(server, "sha1", "sha1-pw", "/api/a");
            server.request().header("Authorization", basic("sha1", "wrong")).post("/api/a").then().statusCode(401);
            admin(server).get("/admin/stats").then().statusCode(200)
                    .body("sessions", equalTo(1)).body("hits", equalTo(2)).body("misses", equalTo(2))
                    .body("authCalls", equalTo(2)).body("authFailures", equalTo(1))
                    .body("evictions", equalTo(0)).body("rejected", equalTo(0)).body("throttled", equalTo(0));
        }
    }

    @Test
    void metricsArePrometheusText() {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            login(server, "sha1", "sha1-pw", "/api/a");
            login(server, "sha1", "sha1-pw", "/api/a");
            login(server, "sha1", "sha1-pw", "/api/a");
            server.request().header("Authorization", basic("sha1", "wrong")).post("/api/a").then().statusCode(401);
            Response metrics = admin(server).get("/admin/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.contentType()).startsWith("text/plain");
            assertThat(metrics.asString())
                    .contains("sessiongate_cache_hits_total 2.0")
                    .contains("sessiongate_cache_misses_total 2.0")
                    .contains("sessiongate_auth_calls_total 2.0")
                    .contains("sessiongate_auth_failures_total 1.0")
                    .contains("sessiongate_sessions_live 1.0")
                    .contains("sessiongate_requests_throttled_total 0.0")
                    .contains("sessiongate_auth_check_seconds_count 2")
                    .contains("sessiongate_auth_check_seconds_bucket{le=");
            server.request().get("/admin/metrics").then().statusCode(401);
        }
    }

    @Test
    void noAnswerCarriesAPasswordOrKeyMaterial() {
        try (GateServer server = start(null, "admin.token", TOKEN)) {
            login(server, "sha1", "sha1-pw", "/api/a");
            for (String path : new String[] {"/admin/sessions", "/admin/stats", "/admin/metrics", "/admin/tokens",
                    "/admin/sessions/nope", "/admin/nothing"}) {
                String body = admin(server).get(path).asString();
                assertThat(body).doesNotContain("sha1-pw", Fixtures.SECRET, TOKEN, "{SHA}", "$2y$");
            }
        }
    }

    @Test
    void adminIsServedByTheGatewayNotForwarded() {
        try (GateServer upstream = GateServer.upstream();
             GateServer gateway = GateServer.gateway(upstream.url("/up"), "admin.token", TOKEN)) {
            gateway.request().header("Authorization", basic("alice", "ok-alice")).get("/echo").then().statusCode(200);
            admin(gateway).get("/admin/sessions").then().statusCode(200).body("user", equalTo(List.of("alice")));
            gateway.request().get("/admin/sessions").then().statusCode(401);
        }
    }

    private static GateServer start(CountingAuthenticator authenticator, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString())
                .set("groups.file", Fixtures.GROUPS.toString());
        if (authenticator != null) {
            builder.authenticator(authenticator);
        }
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build());
    }

    /** A request that a trusted proxy forwards from {@code clientIp}. */
    private static RequestSpecification from(GateServer server, String clientIp) {
        return server.request().header("X-Forwarded-For", clientIp);
    }

    private static RequestSpecification admin(GateServer server) {
        return server.request().header("Authorization", "Bearer " + TOKEN);
    }

    private static String login(GateServer server, String user, String password, String path) {
        Response response = server.request().header("Authorization", basic(user, password)).post(path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response.jsonPath().getString("sessionId");
    }
}
