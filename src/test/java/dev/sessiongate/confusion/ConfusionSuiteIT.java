package dev.sessiongate.confusion;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.standalone.StandaloneServer;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RunningProcess;
import dev.sessiongate.testing.WarContainers;
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential confusion suite: every request of {@code confusion/corpus.txt} — dot segments
 * plain and encoded, path parameters, encoded and look-alike separators, absolute-form targets,
 * forwarding headers, odd methods — sent over a raw socket, without credentials, with wrong ones
 * and with valid ones, to five deployments of the filter. In each, the protected resources record
 * what reaches them, and the property is the same: only requests the filter authenticated with
 * valid credentials reach them, and nothing answers 5xx; besides, no answer echoes the client's
 * credentials and a gateway forwards the query unchanged ({@link ConfusionRunner}). All
 * violations of a deployment are reported together, by corpus line and variant; every exchange
 * is listed in {@code target/confusion/<deployment>.tsv}.
 */
class ConfusionSuiteIT {
    private static final Path CORPUS = Path.of("src/test/resources/confusion/corpus.txt");
    private static final String ADMIN_TOKEN = "confusion-admin-token-0123456789";
    private static Corpus corpus;

    @TempDir
    Path base;

    @BeforeAll
    static void loadCorpus() throws Exception {
        corpus = Corpus.load(CORPUS);
        System.out.println("confusion corpus: " + corpus.cases().size() + " cases x " + Variant.values().length
                + " variants");
    }

    @Test
    void theCorpusHoldsAtLeast300Cases() {
        assertTrue(corpus.cases().size() >= 300, "the corpus holds only " + corpus.cases().size() + " cases");
    }

    /** The standalone demo: the filter and the demo application under /api/, /health, /admin and /public/ beside them. */
    @Test
    void theStandaloneDemoAnswersUnderApiOnlyAuthenticatedRequests() throws Exception {
        Recorder recorder = new Recorder();
        ServletContextHandler context = StandaloneServer.demoContext(gate(Map.of()));
        context.addFilter(new FilterHolder(new RecordingFilter(recorder, "demo /api/*")), "/api/*",
                EnumSet.of(DispatcherType.REQUEST));
        try (GateServer server = GateServer.start(context)) {
            check(new Deployment("standalone demo", server.port(), "", recorder));
        }
    }

    /**
     * The standalone gateway in front of an upstream that records everything it is sent: the
     * standalone's own server ({@link StandaloneServer#create}), so that its connector's URI
     * compliance ({@code upstream.encoded-slash}) is the one under test.
     */
    @Test
    void theStandaloneGatewayForwardsOnlyAuthenticatedRequests() throws Exception {
        Recorder recorder = new Recorder();
        try (RecordingUpstream upstream = RecordingUpstream.start(recorder)) {
            Map<String, String> settings = new HashMap<>(SETTINGS);
            settings.put("upstream.url", upstream.url("/up"));
            settings.put("trusted-proxies", "127.0.0.1/32,::1/128");
            settings.put("port", "0");
            Server server = StandaloneServer.create(ConfigLoader.load(null, settings));
            server.start();
            try {
                int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
                check(new Deployment("standalone gateway", port, "", recorder));
            } finally {
                // Not a graceful stop: once in four CI runs a request of the corpus (a client gone
                // mid-response, it seems) was still in flight and held it for its 5 s (a follow-up).
                server.setStopTimeout(0);
                server.stop();
            }
        }
    }

    @Test
    void theWarInTomcat11ForwardsOnlyAuthenticatedRequests() throws Exception {
        checkWar("tomcat11");
    }

    @Test
    void theWarInJetty12ForwardsOnlyAuthenticatedRequests() throws Exception {
        checkWar("jetty12");
    }

    /**
     * A webapp that embeds the filter over everything and has its own servlets at /admin/*,
     * /health, /api/* and /*: SessionGate's endpoints are not installed, so all four are the
     * application's and all four must be protected.
     */
    @Test
    void anEmbeddingWebappHasEveryServletProtected() throws Exception {
        Recorder recorder = new Recorder();
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/app");
        FilterHolder filter = new FilterHolder(gate(Map.of("trusted-proxies", "127.0.0.1/32,::1/128")));
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        for (String pattern : new String[] {"/admin/*", "/health", "/api/*", "/*"}) {
            context.addServlet(new ServletHolder(new RecordingServlet(recorder, "app " + pattern)), pattern);
        }
        try (GateServer server = GateServer.start(context)) {
            check(new Deployment("embedding webapp", server.port(), "/app", recorder));
        }
    }

    /** target/sessiongate.war in a real container, in gateway mode in front of the recording upstream. */
    private void checkWar(String container) throws Exception {
        Recorder recorder = new Recorder();
        WarContainers containers = new WarContainers(base);
        try (RecordingUpstream upstream = RecordingUpstream.start(recorder)) {
            containers.copy(Fixtures.USERS, "users.htpasswd");
            containers.copy(Fixtures.GROUPS, "users.htgroup");
            Path config = containers.file("sessiongate.properties",
                    "realm=Confusion",
                    "key.secret=" + Fixtures.SECRET,
                    "users.file=users.htpasswd",
                    "groups.file=users.htgroup",
                    "auth.max-failures=1000000",
                    "admin.token=" + ADMIN_TOKEN,
                    "trusted-proxies=127.0.0.1/32,::1/128",
                    "upstream.url=" + upstream.url("/up"));
            int port = WarContainers.freePort();
            try (RunningProcess server = RunningProcess.start(containers.command(container, port, config))) {
                server.awaitHttp("http://127.0.0.1:" + port + "/sessiongate/health", Duration.ofSeconds(90));
                check(new Deployment("WAR in " + container, port, "/sessiongate", recorder));
            }
        }
    }

    /**
     * A filter with the fixture users, an admin token (so /admin is live where it is installed)
     * and no throttling: the corpus sends hundreds of wrong passwords from one address.
     */
    /** The settings every deployment shares. */
    private static final Map<String, String> SETTINGS = Map.of(
            "realm", "Confusion",
            "key.secret", Fixtures.SECRET,
            "users.file", Fixtures.USERS.toString(),
            "groups.file", Fixtures.GROUPS.toString(),
            "auth.max-failures", "1000000",
            "admin.token", ADMIN_TOKEN);

    private static SessionGate gate(Map<String, String> extra) {
        SessionGate.Builder builder = SessionGate.builder();
        SETTINGS.forEach(builder::set);
        extra.forEach(builder::set);
        return builder.build();
    }

    private static void check(Deployment deployment) throws Exception {
        ConfusionRunner run = ConfusionRunner.run(corpus, deployment);
        System.out.println("confusion corpus: " + corpus.cases().size() + " cases; " + run.summary());
        run.writeLog(Path.of("target/confusion", deployment.name().replace(' ', '-') + ".tsv"));
        assertTrue(run.violations() == 0, run::failureMessage);
    }
}
