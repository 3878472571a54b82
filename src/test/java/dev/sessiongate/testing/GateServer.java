package dev.sessiongate.testing;

import static io.restassured.RestAssured.given;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.standalone.StandaloneServer;
import io.restassured.specification.RequestSpecification;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Jetty on a free port. {@link #start(SessionGate, Consumer)} lays it out as the standalone
 * does: the filter over {@code /api/*}, the demo application under {@code /api/} and
 * {@code /public/}, {@code /health}, plus whatever {@code extra} adds.
 */
public final class GateServer implements AutoCloseable {
    private final Server server;
    private final int port;

    private GateServer(Server server) {
        this.server = server;
        this.port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The standard layout around {@code gate}. */
    public static GateServer start(SessionGate gate) {
        return start(gate, context -> { });
    }

    /** The standard layout around {@code gate}, plus {@code extra} (e.g. test servlets). */
    public static GateServer start(SessionGate gate, Consumer<ServletContextHandler> extra) {
        ServletContextHandler context = StandaloneServer.demoContext(gate);
        extra.accept(context);
        return start(context);
    }

    /**
     * A gateway to {@code upstreamUrl}, laid out as the standalone's gateway mode, accepting any
     * user whose password starts with "ok", with {@code settings} as key, value, key, value...
     */
    public static GateServer gateway(String upstreamUrl, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("upstream.url", upstreamUrl)
                .authenticator(new AcceptingAuthenticator());
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return start(StandaloneServer.gatewayContext(builder.build()));
    }

    /** A test upstream ({@link UpstreamServlet}) under {@code /up/*}, on a free port. */
    public static GateServer upstream() {
        return upstream(0);
    }

    /** A test upstream on {@code port} (0: any free one), e.g. to bring one back on its old port. */
    public static GateServer upstream(int port) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(UpstreamServlet.class, "/up/*");
        return start(context, port);
    }

    /** Any handler, on a free port. */
    public static GateServer start(Handler handler) {
        return start(handler, 0);
    }

    private static GateServer start(Handler handler, int port) {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(handler);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not start", e);
        }
        return new GateServer(server);
    }

    /** {@code http://127.0.0.1:PORT} + {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public int port() {
        return port;
    }

    /** A REST Assured request to this server over 127.0.0.1. */
    public RequestSpecification request() {
        return given().baseUri("http://127.0.0.1").port(port).urlEncodingEnabled(false);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
