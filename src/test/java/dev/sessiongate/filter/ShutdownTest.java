package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RedisProcess;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 7, the fast check beside {@code RedeployLeakIT}: the filter in an embedded Jetty,
 * in each outbound mode, used and then stopped; when Jetty's stop returns, no thread of
 * SessionGate, Lettuce or Netty, UnboundID's LDAP SDK or an HTTP client is left running. A thread
 * still running then, even one about to end, is one a container reports as leaked on undeploy,
 * since it holds the webapp's class loader. And a client held in the tarpit is answered when the
 * filter stops, not left waiting.
 */
class ShutdownTest {
    /** The beginnings of the names of threads that SessionGate and its libraries start. */
    private static final List<String> OWNED = List.of("sessiongate-", "lettuce-", "globalEventExecutor",
            "nioEventLoop", "epollEventLoop", "Connection reader for connection", "Health Check Thread", "HttpClient");

    @Test
    void gatewayModeLeavesNoThreadBehind() {
        try (GateServer upstream = GateServer.upstream()) {
            assertNoThreadSurvives(() -> GateServer.start(StandaloneServer.gatewayContext(htpasswd()
                    .set("upstream.url", upstream.url("/up")).build())), server -> {
                        server.request().header("Authorization", basic("alice", "alice-secret")).post("/orders")
                                .then().statusCode(200);
                        server.request().header("Authorization", basic("alice", "wrong")).post("/orders")
                                .then().statusCode(401);
                    });
        }
    }

    @Test
    void ldapLeavesNoThreadBehind() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("dc=example,dc=com");
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap", 0));
        InMemoryDirectoryServer directory = new InMemoryDirectoryServer(config);
        directory.importFromLDIF(true, "src/test/resources/ldap/directory.ldif");
        directory.startListening();
        try {
            assertNoThreadSurvives(() -> GateServer.start(SessionGate.builder()
                    .set("key.secret", Fixtures.SECRET)
                    .set("ldap.url", "ldap://127.0.0.1:" + directory.getListenPort())
                    .set("ldap.search-base", "ou=people,dc=example,dc=com")
                    .set("ldap.search-filter", "(&(objectClass=person)(uid={0}))")
                    .set("ldap.bind-dn", "cn=service,dc=example,dc=com")
                    .set("ldap.bind-password", "service-pw")
                    .set("ldap.group-search-base", "ou=groups,dc=example,dc=com")
                    .set("session.revalidate-after", "1ms")
                    .build()), server -> {
                        for (int i = 0; i < 3; i++) {
                            server.request().header("Authorization", basic("alice", "alice-ldap-pw")).post("/api/x")
                                    .then().statusCode(200);
                        }
                        server.request().header("Authorization", basic("alice", "wrong")).post("/api/x")
                                .then().statusCode(401);
                    });
        } finally {
            directory.shutDown(true);
        }
    }

    @Test
    void delegationLeavesNoThreadBehind() {
        try (GateServer service = delegateService()) {
            assertNoThreadSurvives(() -> GateServer.start(SessionGate.builder()
                    .set("key.secret", Fixtures.SECRET)
                    .set("auth.delegate-url", service.url("/check"))
                    .build()), server -> {
                        server.request().header("Authorization", basic("alice", "alice-pw")).post("/api/x")
                                .then().statusCode(200);
                        server.request().header("Authorization", basic("alice", "wrong")).post("/api/x")
                                .then().statusCode(401);
                    });
        }
    }

    @Test
    void theClusterStoreLeavesNoThreadBehind() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            assertNoThreadSurvives(() -> GateServer.start(htpasswd().set("store.redis-uri", redis.uri())
                    .set("store.timeout", "5s").build()),
                    server -> {
                        for (int i = 0; i < 2; i++) {
                            server.request().header("Authorization", basic("alice", "alice-secret")).post("/api/x")
                                    .then().statusCode(200);
                        }
                    });
        }
    }

    /**
     * A throttled client waits in the tarpit holding no thread; when the filter stops meanwhile,
     * it gets its {@code 429} at once instead of a connection that never answers.
     */
    @Test
    void aClientInTheTarpitIsAnsweredWhenTheFilterStops() throws Exception {
        SessionGate gate = htpasswd().set("auth.max-failures", "1").build();
        try (GateServer server = GateServer.start(gate)) {
            server.request().header("Authorization", basic("bob", "wrong-1")).post("/api/x").then().statusCode(401);
            CompletableFuture<Integer> throttled = CompletableFuture.supplyAsync(() -> server.request()
                    .header("Authorization", basic("bob", "wrong-2")).post("/api/x").statusCode());
            awaitThrottled(gate);
            gate.destroy();
            assertThat(throttled.get(30, TimeUnit.SECONDS)).isEqualTo(429);
        }
    }

    private interface Use {
        void accept(GateServer server) throws Exception;
    }

    private interface Start {
        GateServer start() throws Exception;
    }

    /** Starts a server, uses it, stops it; then no thread of {@link #OWNED} that was not there before may be alive. */
    private static void assertNoThreadSurvives(Start start, Use use) {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (GateServer server = start.start()) {
            use.accept(server);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        List<String> survivors = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(thread) && thread.isAlive() && owned(thread.getName())) {
                survivors.add(thread.getName());
            }
        }
        assertThat(survivors).as("threads still running after the server stopped").isEmpty();
    }

    private static boolean owned(String name) {
        for (String prefix : OWNED) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static SessionGate.Builder htpasswd() {
        return SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", "etc/users.htpasswd") // alice/alice-secret, bob/bob-secret
                .set("groups.file", "etc/users.htgroup");
    }

    /** Until the filter has counted the throttled login, which it does just before the tarpit. */
    private static void awaitThrottled(SessionGate gate) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (gate.stats().throttled() == 0) {
            assertThat(System.nanoTime()).as("the second wrong password was throttled").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** A password service for {@code auth.delegate-url}: alice/alice-pw, anyone else 401. */
    private static GateServer delegateService() {
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                response.setStatus(basic("alice", "alice-pw").equals(request.getHeader("Authorization")) ? 204 : 401);
            }
        }), "/check");
        return GateServer.start(context);
    }
}
