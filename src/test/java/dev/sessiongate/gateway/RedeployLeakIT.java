package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static dev.sessiongate.testing.WarContainers.freePort;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RedisProcess;
import dev.sessiongate.testing.RunningProcess;
import dev.sessiongate.testing.TomcatManager;
import dev.sessiongate.testing.WarContainers;
import io.restassured.specification.RequestSpecification;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 7: redeploying the WAR leaves nothing behind in a real Tomcat 11. The WAR is
 * deployed through the Manager's text API four times, once per outbound mode (gateway with an
 * htpasswd file, LDAP, a delegate service, a Redis cluster store), each context is used for real
 * (so that its pools, threads and clients exist), reloaded, used again and undeployed. Then Tomcat
 * must neither have logged a leak of those contexts (a thread not stopped, a ThreadLocal left on
 * its own threads, a timer, a driver: Tomcat's SEVERE and WARNING lines naming the application)
 * nor list any of them in {@code findleaks}, its check that a stopped context's class loader was
 * garbage-collected.
 */
class RedeployLeakIT {
    private static final String MANAGER_USER = "deployer";
    private static final String MANAGER_PASSWORD = "deployer-pw-" + Long.toHexString(System.nanoTime());
    private static final String ADMIN_TOKEN = "redeploy-admin-token-0123456789";
    /** A record of Tomcat's OneLineFormatter: date, time, level, [thread], source, message. */
    private static final Pattern RECORD = Pattern.compile("^\\d{2}-\\w{3}-\\d{4} \\S+ (\\w+) \\[[^\\]]*\\] \\S+ .*");
    /** The contexts of this test, as Tomcat names them in its messages. */
    private static final Pattern OURS = Pattern.compile("\\[/?leak-[a-z]+\\]");

    @TempDir
    Path base;

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void redeployingEveryModeLeavesNoThreadThreadLocalOrClassLoaderBehind() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             GateServer upstream = GateServer.upstream();
             GateServer delegate = delegateService();
             Directory directory = new Directory()) {
            WarContainers containers = new WarContainers(base);
            Path users = containers.copy(Path.of("etc/users.htpasswd"), "users.htpasswd");
            Path groups = containers.copy(Path.of("etc/users.htgroup"), "users.htgroup");
            List<Mode> modes = List.of(
                    new Mode("gateway", RedeployLeakIT::useGateway, "users.file=" + users, "groups.file=" + groups,
                            "policy.require-group=partners", "upstream.url=" + upstream.url("/up")),
                    new Mode("ldap", RedeployLeakIT::useLdap, "ldap.url=ldap://127.0.0.1:" + directory.port(),
                            "ldap.search-base=ou=people,dc=example,dc=com",
                            "ldap.search-filter=(&(objectClass=person)(uid={0}))",
                            "ldap.bind-dn=cn=service,dc=example,dc=com", "ldap.bind-password=service-pw",
                            "ldap.group-search-base=ou=groups,dc=example,dc=com",
                            "ldap.group-filter=(&(objectClass=groupOfNames)(member={0}))",
                            // Every later request of a session re-checks it in the background: validate() runs too.
                            "session.revalidate-after=1ms"),
                    new Mode("delegate", RedeployLeakIT::useDelegate, "auth.delegate-url=" + delegate.url("/check")),
                    new Mode("cluster", RedeployLeakIT::useCluster, "users.file=" + users, "groups.file=" + groups,
                            // A busy machine must not fail the start with Redis's 500 ms default.
                            "store.redis-uri=" + redis.uri(), "store.timeout=5s", "node.name=leak-node"));

            int port = freePort();
            String root = "http://127.0.0.1:" + port;
            try (RunningProcess tomcat = RunningProcess.start(containers.tomcat11WithManager(port, MANAGER_USER,
                    MANAGER_PASSWORD))) {
                tomcat.await(Pattern.compile("Server startup in"), Duration.ofSeconds(90));
                TomcatManager manager = new TomcatManager(root, MANAGER_USER, MANAGER_PASSWORD);
                for (Mode mode : modes) {
                    manager.deploy(mode.path(), WarContainers.war(), contextXml(containers, mode));
                    mode.use().accept(root + mode.path());
                }
                for (Mode mode : modes) {
                    manager.reload(mode.path());
                    mode.use().accept(root + mode.path());
                }
                for (Mode mode : modes) {
                    manager.undeploy(mode.path());
                }
                List<String> notCollected = manager.findLeaks();
                tomcat.terminate(Duration.ofSeconds(30));
                String logs = tomcat.output() + filesUnder(base.resolve("tomcat/logs"));
                System.out.println(tomcat.output()); // into failsafe's report, for whoever reads a failure

                SoftAssertions softly = new SoftAssertions();
                softly.assertThat(leakLines(logs)).as("Tomcat's SEVERE and WARNING lines about the test's contexts")
                        .isEmpty();
                softly.assertThat(notCollected).as("contexts findleaks lists: stopped, but their class loader was "
                        + "not garbage-collected").isEmpty();
                softly.assertAll();
            }
        }
    }

    /** Gateway mode, htpasswd: forwarded requests, a throttled client in the tarpit, the admin metrics. */
    private static void useGateway(String app) {
        for (int i = 0; i < 2; i++) {
            as(app, "alice", "alice-secret").post("/orders").then().statusCode(200);
        }
        as(app, "bob", "wrong-1").post("/orders").then().statusCode(401);
        as(app, "bob", "wrong-2").post("/orders").then().statusCode(401);
        as(app, "bob", "wrong-3").post("/orders").then().statusCode(429);
        admin(app).get("/admin/metrics").then().statusCode(200);
    }

    /** LDAP: bind and group search on a miss, background revalidation, a token issued after a lookup. */
    private static void useLdap(String app) {
        for (int i = 0; i < 3; i++) {
            as(app, "alice", "alice-ldap-pw").post("/orders").then().statusCode(200);
        }
        as(app, "alice", "wrong").post("/orders").then().statusCode(401);
        String token = admin(app).contentType("application/json").body("{\"user\":\"bob\"}").post("/admin/tokens")
                .then().statusCode(201).extract().path("token");
        given().baseUri(app).header("Authorization", "Bearer " + token).post("/orders").then().statusCode(200);
        admin(app).get("/admin/metrics").then().statusCode(200);
    }

    /** Delegated: the credentials go to the delegate service on a miss. */
    private static void useDelegate(String app) {
        for (int i = 0; i < 2; i++) {
            as(app, "alice", "alice-pw").post("/orders").then().statusCode(200);
        }
        as(app, "alice", "wrong").post("/orders").then().statusCode(401);
        admin(app).get("/admin/metrics").then().statusCode(200);
    }

    /** Cluster store: sessions written to and read from Redis, the admin API listing them. */
    private static void useCluster(String app) {
        for (int i = 0; i < 2; i++) {
            as(app, "alice", "alice-secret").post("/orders").then().statusCode(200);
        }
        as(app, "bob", "bob-secret").post("/orders").then().statusCode(200);
        admin(app).get("/admin/sessions").then().statusCode(200);
        admin(app).get("/admin/metrics").then().statusCode(200);
    }

    private static RequestSpecification as(String app, String user, String password) {
        return given().baseUri(app).urlEncodingEnabled(false).header("Authorization", basic(user, password));
    }

    private static RequestSpecification admin(String app) {
        return given().baseUri(app).header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    /** The context configuration of {@code mode}: its own properties file, as the context parameter. */
    private static Path contextXml(WarContainers containers, Mode mode) throws IOException {
        List<String> lines = new ArrayList<>(List.of("realm=Redeploy test", "key.secret=redeploy-test-secret-0123456789",
                "key.parts=password,client-ip", "admin.token=" + ADMIN_TOKEN, "auth.max-failures=2", "auth.threads=2"));
        lines.addAll(mode.settings());
        Path properties = containers.file(mode.name() + ".properties", lines.toArray(String[]::new));
        return containers.file(mode.name() + ".xml", "<Context>",
                "  <Parameter name=\"sessiongate.config\" value=\"" + properties.toAbsolutePath() + "\" override=\"false\"/>",
                "</Context>");
    }

    /**
     * Tomcat's SEVERE and WARNING records that name one of the test's contexts, each with the lines
     * that follow it (the stack trace of a thread that was not stopped).
     */
    private static Set<String> leakLines(String logs) {
        Set<String> found = new LinkedHashSet<>();
        StringBuilder current = null;
        for (String line : (logs + "\n00-Jan-0000 00:00:00.000 INFO [end] end\n").split("\n")) {
            var record = RECORD.matcher(line);
            if (record.matches()) {
                if (current != null) {
                    found.add(current.toString());
                }
                String level = record.group(1);
                boolean leak = (level.equals("SEVERE") || level.equals("WARNING")) && OURS.matcher(line).find();
                current = leak ? new StringBuilder(line) : null;
            } else if (current != null && current.length() < 4000) {
                current.append('\n').append(line);
            }
        }
        found.removeIf(RedeployLeakIT::isTomcatsOwnUtilityThread);
        return found;
    }

    /**
     * Tomcat's own background thread, caught while it ran the context's background process (with
     * the webapp's class loader as its context loader) at the moment of the undeploy: Tomcat then
     * names it as the webapp's (seen once, in a full CI run). Only that thread with only that stack.
     */
    private static boolean isTomcatsOwnUtilityThread(String record) {
        return record.contains("started a thread named [Catalina-utility-")
                && record.contains("org.apache.catalina.core.StandardContext.backgroundProcess")
                && !record.contains("dev.sessiongate") && !record.contains("com.unboundid")
                && !record.contains("io.netty") && !record.contains("io.lettuce") && !record.contains("org.eclipse.jetty");
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

    /** A password service for {@code auth.delegate-url}: alice/alice-pw in group partners, anyone else 401. */
    private static GateServer delegateService() {
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                if (basic("alice", "alice-pw").equals(request.getHeader("Authorization"))) {
                    response.setHeader("X-Auth-Groups", "partners");
                    response.setStatus(204);
                } else {
                    response.setStatus(401);
                }
            }
        }), "/check");
        return GateServer.start(context);
    }

    /** One deployment of the WAR: its context path {@code /leak-NAME}, its settings, and what a client does with it. */
    private record Mode(String name, Consumer<String> use, List<String> settings) {
        Mode(String name, Consumer<String> use, String... settings) {
            this(name, use, List.of(settings));
        }

        String path() {
            return "/leak-" + name;
        }
    }

    /** UnboundID's in-memory directory with the test LDIF, on a free port. */
    private static final class Directory implements AutoCloseable {
        private final InMemoryDirectoryServer server;

        Directory() throws Exception {
            InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=com");
            config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", 0));
            server = new InMemoryDirectoryServer(config);
            server.importFromLDIF(true, "src/test/resources/ldap/directory.ldif");
            server.startListening();
        }

        int port() {
            return server.getListenPort();
        }

        @Override
        public void close() {
            server.shutDown(true);
        }
    }
}
