package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** SPEC §1.3: session cookies and {@code ;jsessionid=} never reach the application. */
class CookieStrippingTest {
    private static final String ALL_SESSION_COOKIES = "JSESSIONID=attacker; MRHSession=m; LastMRH_Session=l; "
            + "APBALANCEID=node-9; amlbcookie=01; iPlanetDirectoryPro=x; theme=dark; jsessionid=lower";

    @Test
    void defaultListIsStrippedAndOtherCookiesKept() {
        try (GateServer server = start(null)) {
            JsonPath demo = send(server, "/api/x").jsonPath();
            assertThat(demo.getList("cookies")).containsExactly("theme");
            JsonPath who = send(server, "/api/whoami").jsonPath();
            assertThat(who.getString("cookieHeader")).isEqualTo("theme=dark");
            assertThat(who.getString("requestedSessionId")).isNull();
        }
    }

    @Test
    void starStripsEveryCookie() {
        try (GateServer server = start("*")) {
            assertThat(send(server, "/api/x").jsonPath().getList("cookies")).isEmpty();
            assertThat(send(server, "/api/whoami").jsonPath().getString("cookieHeader")).isNull();
        }
    }

    @Test
    void customListStripsOnlyThoseCookies() {
        try (GateServer server = start("theme")) {
            assertThat(send(server, "/api/x").jsonPath().getList("cookies")).doesNotContain("theme").contains("JSESSIONID");
        }
    }

    @Test
    void aClientCannotChooseItsSessionId() {
        try (GateServer server = start(null)) {
            Response first = send(server, "/api/whoami");
            String id = first.jsonPath().getString("sessionId");
            assertThat(id).isNotEqualTo("attacker");
            Response withCookie = server.request().header("Authorization", basic("alice", "ok"))
                    .header("Cookie", "JSESSIONID=" + id + "x").get("/api/whoami");
            assertThat(withCookie.jsonPath().getString("sessionId")).isEqualTo(id);
            assertThat(first.getHeaders().getValues("Set-Cookie")).isEmpty();
            assertThat(withCookie.getHeaders().getValues("Set-Cookie")).isEmpty();
        }
    }

    @Test
    void jsessionidPathParameterIsRemoved() {
        try (GateServer server = start(null)) {
            Response response = server.request().header("Authorization", basic("alice", "ok"))
                    .get("/api/orders;jsessionid=attacker/1;JSESSIONID=x");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.jsonPath().getString("path")).isEqualTo("/api/orders/1");
            assertThat(response.asString()).doesNotContainIgnoringCase("jsessionid").doesNotContain("attacker");
        }
    }

    @Test
    void otherPathParametersAreLeftAlone() {
        assertThat(GateRequest.withoutSessionParameter("/a;v=1/b;jsessionid=2;x=3")).isEqualTo("/a;v=1/b;x=3");
    }

    private static GateServer start(String stripCookies) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .authenticator(new AcceptingAuthenticator());
        if (stripCookies != null) {
            builder.set("strip-cookies", stripCookies);
        }
        return GateServer.start(builder.build(), context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    private static Response send(GateServer server, String path) {
        Response response = server.request().header("Authorization", basic("alice", "ok"))
                .header("Cookie", ALL_SESSION_COOKIES).post(path);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response;
    }
}
