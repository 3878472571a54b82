package dev.sessiongate.standalone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.gateway.DemoServlet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the request path hot before the standalone accepts its first client: a throw-away copy of
 * the server (same classes, its own filter, session store and sessions, bound to 127.0.0.1 on a
 * free port; in gateway mode with an upstream of its own in place of the real one, which never
 * sees a warm-up request) is sent cached Basic requests for {@code warmup} seconds, so that the
 * JIT has compiled the filter, the key derivation, the cache, Jetty's parser and, in gateway mode,
 * the proxy and its client before the real port is served. Nothing of it outlives the warm-up.
 */
final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    private static final int USERS = 16;
    private static final int IN_FLIGHT = 32;
    private static final byte[] BODY = "{\"warm\":true}".getBytes(StandardCharsets.US_ASCII);

    private Warmup() {
    }

    /** Sends warm-up requests for {@code duration}; returns how many were answered. */
    static long run(GateConfig config, Duration duration) throws Exception {
        long started = System.nanoTime();
        long answered;
        List<LevelBefore> levels = quiet("dev.sessiongate", "org.eclipse.jetty", "org.eclipse.jetty.server.Server");
        try {
            answered = warm(config, started + duration.toNanos());
        } finally {
            levels.forEach(LevelBefore::restore);
        }
        LOG.info("event=warmed_up requests={} millis={}", answered, (System.nanoTime() - started) / 1_000_000);
        return answered;
    }

    private static long warm(GateConfig config, long deadline) throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] password = new byte[24];
        byte[] keySecret = new byte[32];
        random.nextBytes(password);
        random.nextBytes(keySecret);
        Server upstream = null;
        Server server = new Server();
        HttpClient client = new HttpClient();
        try {
            SessionGate.Builder gate = SessionGate.builder()
                    .set("realm", config.realm())
                    .set("key.secret", HexFormat.of().formatHex(keySecret))
                    .authenticator(new OnePassword(password));
            if (config.upstream() != null) {
                ServletContextHandler application = new ServletContextHandler();
                application.addServlet(DemoServlet.class, "/*");
                upstream = listening(new Server(), application);
                gate.set("upstream.url", "http://127.0.0.1:" + port(upstream) + config.upstream().url().getRawPath())
                        .set("upstream.pass-cookies", String.valueOf(config.upstream().passCookies()))
                        .set("upstream.forward-authorization", String.valueOf(config.upstream().forwardAuthorization()));
            }
            SessionGate filter = gate.build();
            server.setHandler(config.upstream() == null
                    ? StandaloneServer.demoContext(filter) : StandaloneServer.gatewayContext(filter));
            listening(server, null);
            client.start();
            String url = "http://127.0.0.1:" + port(server) + (config.upstream() == null ? "/api/warmup" : "/warmup");
            return load(client, url, password, deadline);
        } finally {
            client.stop();
            server.stop();
            if (upstream != null) {
                upstream.stop();
            }
        }
    }

    /**
     * Keeps {@value #IN_FLIGHT} requests to {@code url} in flight until {@code deadline}, rotating
     * through the warm-up's users: all but the first request of each are served from the cache,
     * as most requests of a running gateway are.
     */
    private static long load(HttpClient client, String url, byte[] password, long deadline) throws InterruptedException {
        List<String> authorizations = new ArrayList<>();
        String secret = Base64.getEncoder().encodeToString(password);
        for (int i = 0; i < USERS; i++) {
            authorizations.add("Basic " + Base64.getEncoder().encodeToString(
                    ("warmup-" + i + ":" + secret).getBytes(StandardCharsets.US_ASCII)));
        }
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicLong answered = new AtomicLong();
        for (int i = 0; System.nanoTime() < deadline; i++) {
            inFlight.acquire();
            String authorization = authorizations.get(i % USERS);
            client.newRequest(url).method(HttpMethod.POST)
                    .headers(h -> h.put(HttpHeader.AUTHORIZATION, authorization))
                    .body(new BytesRequestContent("application/json", BODY))
                    .send(result -> {
                        if (result.isSucceeded() && result.getResponse().getStatus() == 200) {
                            answered.incrementAndGet();
                        }
                        inFlight.release();
                    });
        }
        inFlight.acquire(IN_FLIGHT);
        return answered.get();
    }

    /**
     * Raises the named loggers to WARN for the warm-up, whose filter would otherwise log its start
     * and its users' sessions as if they were the real server's; a no-op without logback.
     */
    private static List<LevelBefore> quiet(String... names) {
        List<LevelBefore> levels = new ArrayList<>();
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            for (String name : names) {
                ch.qos.logback.classic.Logger logger = context.getLogger(name);
                levels.add(new LevelBefore(logger, logger.getLevel()));
                logger.setLevel(Level.WARN);
            }
        }
        return levels;
    }

    private record LevelBefore(ch.qos.logback.classic.Logger logger, Level level) {
        void restore() {
            logger.setLevel(level);
        }
    }

    private static Server listening(Server server, Handler handler) throws Exception {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        if (handler != null) {
            server.setHandler(handler);
        }
        server.start();
        return server;
    }

    private static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Admits the warm-up's users with the one random password, and nobody else. */
    private record OnePassword(byte[] password) implements Authenticator {
        @Override
        public Optional<Identity> authenticate(String user, Password candidate) {
            byte[] secret = Base64.getEncoder().encode(password);
            return MessageDigest.isEqual(secret, candidate.bytes())
                    ? Optional.of(new Identity(user, Set.of(), "")) : Optional.empty();
        }

        @Override
        public boolean validate(Identity identity) {
            return true;
        }
    }
}
