package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.sessiongate.gateway.DemoServlet;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import io.restassured.path.json.JsonPath;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.junit.jupiter.api.Test;

/** Issue 3 point 1: the filter from web.xml, from ServletContext.addFilter, and from the builder. */
class EmbeddingTest {

    @Test
    void declaredInWebXmlWithInitParamsAndAConfigFileFromTheContextParam() {
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/app");
        webapp.setBaseResourceAsString("src/test/resources/webapp-fixture");
        webapp.setParentLoaderPriority(true);
        try (GateServer server = GateServer.start(webapp)) {
            server.request().post("/app/api/x").then()
                    .statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"From web.xml\", charset=\"UTF-8\"");
            JsonPath first = server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/app/api/x")
                    .then().statusCode(200).extract().jsonPath();
            JsonPath second = server.request().header("Authorization", basic("sha1", "sha1-pw")).post("/app/api/x")
                    .then().statusCode(200).extract().jsonPath();
            assertThat(second.getString("sessionId")).isEqualTo(first.getString("sessionId"));
            // policy.require-group=partners from the init-param; sha256-crypt is in no group
            server.request().header("Authorization", basic("sha256-crypt", "sha256-crypt-pw")).post("/app/api/x")
                    .then().statusCode(403);
            server.request().get("/app/health").then().statusCode(200).body("sessions", equalTo(1));
        }
    }

    @Test
    void addedWithServletContextAddFilter() {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServletContainerInitializer(new Installer());
        try (GateServer server = GateServer.start(context)) {
            server.request().post("/api/x").then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"Added\", charset=\"UTF-8\"");
            server.request().header("Authorization", basic("bcrypt-2y", "bcrypt-2y-pw")).post("/api/x")
                    .then().statusCode(200).body("user", equalTo("bcrypt-2y"));
        }
    }

    @Test
    void builtInCode() {
        SessionGate gate = SessionGate.builder()
                .configFile(Fixtures.USERS.resolveSibling("../webapp-fixture/gate.properties").normalize())
                .set("realm", "Built")
                .build();
        assertThat(gate.config().realm()).isEqualTo("Built");
        try (GateServer server = GateServer.start(gate)) {
            server.request().header("Authorization", basic("apr1-openssl", "apr1-openssl-pw")).post("/api/x")
                    .then().statusCode(200).body("user", equalTo("apr1-openssl"));
        }
    }

    /** What a webapp's own initializer would do. */
    public static final class Installer implements ServletContainerInitializer {
        @Override
        public void onStartup(Set<Class<?>> classes, ServletContext context) {
            FilterRegistration.Dynamic filter = context.addFilter("sessiongate", SessionGate.class);
            filter.setAsyncSupported(true);
            filter.setInitParameter("realm", "Added");
            filter.setInitParameter("key.secret", Fixtures.SECRET);
            filter.setInitParameter("users.file", Fixtures.USERS.toString());
            filter.addMappingForUrlPatterns(null, false, "/api/*");
            context.addServlet("demo", DemoServlet.class).addMapping("/api/*");
        }
    }
}
