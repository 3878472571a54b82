package dev.sessiongate.admin;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.sessiongate.auth.htpasswd.HtpasswdAuthenticator;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §2 and §5: API tokens, issued by the admin, used as Bearer, persisted as hashes, revoked. */
class TokensTest {
    private static final String ADMIN = "admin-token-0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void anIssuedTokenAuthenticatesItsUserWithNoPasswordCheckAndSurvivesARestart() throws Exception {
        Path file = dir.resolve("tokens.json");
        CountingAuthenticator users = new CountingAuthenticator(new HtpasswdAuthenticator(Fixtures.USERS, null));
        String secret;
        String id;
        try (GateServer server = start(users, file)) {
            JsonPath issued = admin(server).body("{\"user\":\"sha1\"}").post("/admin/tokens")
                    .then().statusCode(201).extract().jsonPath();
            secret = issued.getString("token");
            id = issued.getString("id");
            assertThat(secret).startsWith("sgt_").hasSizeGreaterThan(40);
            assertThat(issued.getString("user")).isEqualTo("sha1");
            assertThat(issued.getString("expiresAt")).isNull();

            for (int i = 0; i < 3; i++) {
                server.request().header("Authorization", "Bearer " + secret).post("/api/x")
                        .then().statusCode(200).body("user", equalTo("sha1"));
            }
            assertThat(users.checks()).isZero();
            admin(server).get("/admin/sessions").then().statusCode(200)
                    .body("[0].user", equalTo("sha1")).body("[0].permanent", equalTo(true)).body("[0].requests", equalTo(3));
            String listed = admin(server).get("/admin/tokens").then().statusCode(200)
                    .body("[0].id", equalTo(id)).body("[0].user", equalTo("sha1")).body("[0].token", nullValue())
                    .extract().asString();
            assertThat(listed).doesNotContain(secret);
        }
        assertThat(Files.readString(file)).contains(id).doesNotContain(secret);

        try (GateServer restarted = start(users, file)) {
            restarted.request().header("Authorization", "Bearer " + secret).post("/api/x")
                    .then().statusCode(200).body("user", equalTo("sha1"));
            admin(restarted).delete("/admin/tokens/" + id).then().statusCode(204);
            admin(restarted).delete("/admin/tokens/" + id).then().statusCode(404);
            restarted.request().header("Authorization", "Bearer " + secret).post("/api/x")
                    .then().statusCode(401).body("error", equalTo("invalid_token"));
            assertThat(admin(restarted).get("/admin/sessions").jsonPath().getList("$")).isEmpty();
        }
    }

    @Test
    void aTokenIsIssuedOnlyForAUserTheAuthenticatorKnows() {
        try (GateServer server = start(null, null)) {
            for (String nobody : new String[] {"nobody-at-all", "SHA1", " sha1"}) {
                admin(server).body("{\"user\":\"" + nobody + "\"}").post("/admin/tokens").then()
                        .statusCode(400).body("error", equalTo("unknown_user"));
            }
            admin(server).body("{\"user\":\"nobody-at-all\",\"allowUnverifiedUser\":true}").post("/admin/tokens").then()
                    .statusCode(400).body("error", equalTo("unknown_user"));
            assertThat(admin(server).get("/admin/tokens").jsonPath().getList("$")).isEmpty();

            admin(server).body("{\"user\":\"sha1\"}").post("/admin/tokens").then().statusCode(201).body("user", equalTo("sha1"));
        }
    }

    /** Delegated and container realm cannot tell whether a user exists: only an explicit "yes, anyway". */
    @Test
    void anAuthenticatorThatCannotTellIssuesOnlyWhenTheRequestAllowsIt() {
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("auth.delegate-url", "http://127.0.0.1:1/check") // never asked: it needs a password
                .set("admin.token", ADMIN)
                .build();
        try (GateServer server = GateServer.start(gate)) {
            admin(server).body("{\"user\":\"robot\"}").post("/admin/tokens").then()
                    .statusCode(409).body("error", equalTo("user_unverifiable"));
            admin(server).body("{\"user\":\"robot\",\"allowUnverifiedUser\":\"true\"}").post("/admin/tokens").then()
                    .statusCode(409);
            String token = admin(server).body("{\"user\":\"robot\",\"allowUnverifiedUser\":true}").post("/admin/tokens")
                    .then().statusCode(201).body("user", equalTo("robot")).extract().jsonPath().getString("token");
            server.request().header("Authorization", "Bearer " + token).post("/api/x").then()
                    .statusCode(200).body("user", equalTo("robot"));
        }
    }

    @Test
    void anUnknownTokenIs401() {
        try (GateServer server = start(null, null)) {
            server.request().header("Authorization", "Bearer sgt_nope").post("/api/x").then()
                    .statusCode(401).body("error", equalTo("invalid_token"));
            server.request().header("Authorization", "Bearer").post("/api/x").then().statusCode(401);
        }
    }

    @Test
    void aTokenWithAnExpiryShowsItAndBadRequestsAre400() {
        try (GateServer server = start(null, null)) {
            admin(server).body("{\"user\":\"sha1\",\"expiresAt\":\"2099-01-31T00:00:00Z\"}").post("/admin/tokens")
                    .then().statusCode(201).body("expiresAt", equalTo("2099-01-31T00:00:00Z"));
            admin(server).body("{not json").post("/admin/tokens").then().statusCode(400).body("error", equalTo("bad_request"));
            admin(server).body("{}").post("/admin/tokens").then().statusCode(400);
            admin(server).body("{\"user\":42}").post("/admin/tokens").then().statusCode(400);
            admin(server).body("{\"user\":\"sha1\",\"expiresAt\":\"tomorrow\"}").post("/admin/tokens").then().statusCode(400);
            admin(server).body("{\"user\":\"sha1\",\"expiresAt\":\"2000-01-01T00:00:00Z\"}").post("/admin/tokens")
                    .then().statusCode(400);
            server.request().body("{\"user\":\"sha1\"}").post("/admin/tokens").then().statusCode(401);
            admin(server).delete("/admin/tokens/unknown").then().statusCode(404);
        }
    }

    @Test
    void anExpiredTokenInTheFileIsRefused() throws Exception {
        Path file = dir.resolve("tokens.json");
        String secret;
        try (GateServer server = start(null, file)) {
            secret = admin(server).body("{\"user\":\"sha1\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}").post("/admin/tokens")
                    .then().statusCode(201).extract().jsonPath().getString("token");
        }
        Files.writeString(file, Files.readString(file).replace("2099-01-01T00:00:00Z", "2001-01-01T00:00:00Z"));
        try (GateServer server = start(null, file)) {
            server.request().header("Authorization", "Bearer " + secret).post("/api/x").then().statusCode(401);
        }
    }

    /** A token outlives neither an admin's revocation nor its user: removed from the users file, it is refused. */
    @Test
    void aTokenEndsWithItsUser() throws Exception {
        Path users = Files.copy(Fixtures.USERS, dir.resolve("users.htpasswd"));
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (GateServer server = GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", users.toString())
                .set("admin.token", ADMIN)
                .set("session.revalidate-after", "60s")
                .ticker(nanos::get)
                .build());
             LogCapture log = new LogCapture()) {
            String secret = admin(server).body("{\"user\":\"sha1\"}").post("/admin/tokens")
                    .then().statusCode(201).extract().jsonPath().getString("token");
            server.request().header("Authorization", "Bearer " + secret).post("/api/x").then().statusCode(200);

            List<String> others = Files.readAllLines(users).stream().filter(line -> !line.startsWith("sha1:")).toList();
            Path next = Files.write(dir.resolve("next"), others);
            Files.move(next, users, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            nanos.addAndGet(Duration.ofSeconds(61).toNanos());
            server.request().header("Authorization", "Bearer " + secret).post("/api/x").then().statusCode(200);
            log.await("event=session_revalidation_failed user=sha1");

            server.request().header("Authorization", "Bearer " + secret).post("/api/x")
                    .then().statusCode(401).body("error", equalTo("invalid_token"));
            assertThat(log.text()).contains("reason=\"user gone\"");
        }
    }

    private static GateServer start(CountingAuthenticator authenticator, Path tokensFile) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString())
                .set("admin.token", ADMIN);
        if (tokensFile != null) {
            builder.set("tokens.file", tokensFile.toString());
        }
        if (authenticator != null) {
            builder.authenticator(authenticator);
        }
        return GateServer.start(builder.build());
    }

    private static RequestSpecification admin(GateServer server) {
        return server.request().header("Authorization", "Bearer " + ADMIN).contentType("application/json");
    }
}
