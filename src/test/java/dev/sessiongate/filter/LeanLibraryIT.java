package dev.sessiongate.filter;

import static dev.sessiongate.testing.WarContainers.freePort;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import dev.sessiongate.testing.RunningProcess;
import dev.sessiongate.testing.TomcatManager;
import dev.sessiongate.testing.WarContainers;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, "a lean library": a webapp built by Maven with nothing but the library as its
 * dependency ({@code src/it/lean-app}, built by maven-invoker-plugin before this test) embeds the
 * filter with an htpasswd file and serves a cached request in a real Tomcat 11; its
 * {@code WEB-INF/lib} is exactly the library's required dependencies; a feature whose optional
 * library it lacks ({@code ldap.url}) stops the context with one line naming the artifact; and
 * without an SLF4J binding the container's log says that SessionGate's log is discarded. Its
 * health and admin servlets work too; {@code /admin/metrics}, which needs Micrometer, names it.
 */
class LeanLibraryIT {
    private static final String MANAGER_USER = "deployer";
    private static final String MANAGER_PASSWORD = "deployer-pw-" + Long.toHexString(System.nanoTime());
    /** The library and what it needs with an htpasswd file: nothing of LDAP, Redis, metrics or Jetty. */
    private static final List<String> REQUIRED = List.of("bcrypt", "bytes", "caffeine", "commons-codec",
            "error_prone_annotations", "jackson-annotations", "jackson-core", "jackson-databind", "jspecify",
            "sessiongate", "slf4j-api");
    /** The admin token in src/it/lean-app's web.xml. */
    private static final String ADMIN_TOKEN = "lean-admin-token-0123456789abcdef";
    private static final Pattern JAR = Pattern.compile("WEB-INF/lib/(.+?)-\\d[^/]*\\.jar");

    @TempDir
    Path base;

    @Test
    void webappWithOnlyTheRequiredLibrariesHoldsExactlyThem() throws IOException {
        List<String> libraries = new ArrayList<>();
        try (ZipFile war = new ZipFile(leanWar().toFile())) {
            for (ZipEntry entry : Collections.list(war.entries())) {
                Matcher jar = JAR.matcher(entry.getName());
                if (jar.matches()) {
                    libraries.add(jar.group(1));
                } else {
                    assertThat(entry.getName()).as("a jar of WEB-INF/lib whose name has no version")
                            .doesNotEndWith(".jar");
                }
            }
        }
        Collections.sort(libraries);
        assertThat(libraries).isEqualTo(REQUIRED);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void leanWebappServesCachedRequestsAndNamesTheLibraryAConfiguredFeatureLacks() throws Exception {
        WarContainers containers = new WarContainers(base);
        int port = freePort();
        String root = "http://127.0.0.1:" + port;
        try (RunningProcess tomcat = RunningProcess.start(containers.tomcat11WithManager(port, MANAGER_USER,
                MANAGER_PASSWORD))) {
            tomcat.await(Pattern.compile("Server startup in"), Duration.ofSeconds(90));
            TomcatManager manager = new TomcatManager(root, MANAGER_USER, MANAGER_PASSWORD);

            manager.deploy("/lean", leanWar(), containers.file("lean.xml", "<Context/>"));
            JsonPath first = whoAmI(root + "/lean/api/orders", 200);
            JsonPath second = whoAmI(root + "/lean/api/orders", 200);
            assertThat(first.getString("user")).isEqualTo("alice");
            assertThat(first.getBoolean("newSession")).isTrue();
            assertThat(first.getInt("passwordChecks")).isEqualTo(1);
            assertThat(second.getString("sessionId")).isEqualTo(first.getString("sessionId"));
            assertThat(second.getBoolean("newSession")).isFalse();
            assertThat(second.getInt("passwordChecks")).as("password checks after the cached request").isEqualTo(1);
            given().auth().preemptive().basic("alice", "wrong").post(root + "/lean/api/orders").then().statusCode(401);
            // Health and the admin API need no more libraries; metrics (Micrometer) says what to add.
            given().get(root + "/lean/health").then().statusCode(200).body("status", equalTo("up"));
            given().header("Authorization", "Bearer " + ADMIN_TOKEN).get(root + "/lean/admin/stats")
                    .then().statusCode(200);
            given().header("Authorization", "Bearer " + ADMIN_TOKEN).get(root + "/lean/admin/sessions")
                    .then().statusCode(200);
            given().header("Authorization", "Bearer " + ADMIN_TOKEN).get(root + "/lean/admin/metrics")
                    .then().statusCode(404).body("message", matchesPattern(
                            "/admin/metrics needs io\\.micrometer:micrometer-registry-prometheus:\\d[\\w.]* on the class path"));

            Path ldap = containers.file("ldap.properties", "ldap.url=ldap://127.0.0.1:9",
                    "ldap.user-dn-pattern=uid={0},ou=people,dc=example,dc=com");
            String answer = manager.tryDeploy("/lean-ldap", leanWar(), containers.file("lean-ldap.xml", "<Context>",
                    "  <Parameter name=\"sessiongate.config\" value=\"" + ldap.toAbsolutePath() + "\" override=\"false\"/>",
                    "</Context>"));
            assertThat(answer).as("the Manager's answer to a context whose filter cannot start").startsWith("FAIL - ");
            tomcat.terminate(Duration.ofSeconds(30));

            // The context's own lines (a filter that failed, ServletContext.log) go to logs/localhost.*.log.
            String log = tomcat.output() + filesUnder(base.resolve("tomcat/logs"));
            System.out.println(log); // into failsafe's report, for whoever reads a failure
            assertThat(log).containsPattern(Pattern.compile(
                    "ServletException: ldap\\.url needs com\\.unboundid:unboundid-ldapsdk:\\d[\\w.]* on the class path\\R"));
            assertThat(log).doesNotContain("NoClassDefFoundError").doesNotContain("ClassNotFoundException");
            assertThat(log).as("the container's log without an SLF4J binding").contains(SessionGate.NO_LOG_BINDING);
        }
    }

    private static String filesUnder(Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                text.append('\n').append(Files.readString(file));
            }
        }
        return text.toString();
    }

    private static JsonPath whoAmI(String url, int status) {
        return given().auth().preemptive().basic("alice", "alice-secret").post(url)
                .then().statusCode(status).extract().jsonPath();
    }

    private static Path leanWar() {
        Path war = Path.of(System.getProperty("lean.war", "target/it/lean-app/target/lean-app.war"));
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: it is built by maven-invoker-plugin (mvn verify)");
        }
        return war;
    }
}
