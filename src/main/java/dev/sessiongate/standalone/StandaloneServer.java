package dev.sessiongate.standalone;

import dev.sessiongate.admin.AdminServlet;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.ContainerErrors;
import dev.sessiongate.filter.HealthServlet;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.gateway.DemoServlet;
import dev.sessiongate.gateway.GatewayServlet;
import jakarta.servlet.DispatcherType;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.SecuredRedirectHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The embedded Jetty of the standalone jar: without {@code upstream.url}, the filter over
 * {@code /api/*}, the demo application under {@code /api/} and, unfiltered, {@code /public/};
 * with it, the gateway over everything; {@code /health} and {@code /admin} in both.
 */
public final class StandaloneServer {
    /**
     * Jetty's default URI compliance plus {@code %2F} in a segment, for a gateway that forwards
     * it as it came ({@code upstream.encoded-slash=forward}). Only that one violation: encoded
     * dot segments, {@code //}, {@code %5C} and the rest stay refused.
     */
    static final UriCompliance FORWARD_ENCODED_SLASH =
            UriCompliance.DEFAULT.with("SESSIONGATE_FORWARD_ENCODED_SLASH", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR);

    private StandaloneServer() {
    }

    /**
     * A server for {@code config}, not yet started; it stops cleanly on SIGTERM. Unusable TLS
     * files are a {@link dev.sessiongate.config.ConfigException}, as any bad setting.
     */
    public static Server create(GateConfig config) {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        if (config.upstream() != null && config.upstream().encodedSlash() == GateConfig.EncodedSlash.FORWARD) {
            http.setUriCompliance(FORWARD_ENCODED_SLASH);
        }
        SessionGate gate = SessionGate.builder().config(config).build();
        http.setSendServerVersion(false); // no "Server: Jetty(12.1.x)" for a scanner to match
        Handler application = new NoTrace(config.upstream() == null ? demoContext(gate) : gatewayContext(gate));
        GateConfig.Tls tls = config.tls();
        if (tls == null) {
            server.addConnector(Connectors.plain(server, http, config.port()));
        } else {
            TlsMaterial material = TlsMaterial.load(tls);
            SslContextFactory.Server ssl = Connectors.sslContextFactory(material, tls.clientAuth());
            ServerConnector https = Connectors.https(server, http, ssl, config.port());
            server.addConnector(https);
            server.addBean(new CertificateReloader(tls, ssl));
            if (tls.redirectPort() >= 0) {
                server.addConnector(Connectors.redirect(server, http, https, tls.redirectPort()));
                // Permanent and method-preserving, as Caddy's: a POST is sent again, to HTTPS.
                application = new SecuredRedirectHandler(application, 308);
            }
        }
        server.setHandler(application);
        server.setErrorHandler(new JsonErrorHandler()); // what fails before any context

        server.setStopAtShutdown(true);
        server.setStopTimeout(5_000);
        return server;
    }

    /**
     * Gateway mode: the filter and the {@link GatewayServlet} over everything but {@code /health}.
     */
    public static ServletContextHandler gatewayContext(SessionGate gate) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(filterHolder(gate), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.setErrorHandler(new JsonErrorHandler());
        ServletHolder gateway = new ServletHolder("gateway", GatewayServlet.class);
        gateway.setAsyncSupported(true);
        gateway.setInitOrder(1);
        context.addServlet(gateway, "/*");
        context.addServlet(HealthServlet.class, "/health");
        context.addServlet(adminHolder(), "/admin/*");
        return context;
    }

    /**
     * The standalone's application around {@code gate}: the filter over {@code /api/*}, the demo
     * handler under {@code /api/} and {@code /public/}, and {@code /health}.
     */
    public static ServletContextHandler demoContext(SessionGate gate) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(filterHolder(gate), "/api/*", EnumSet.of(DispatcherType.REQUEST));
        context.setErrorHandler(new JsonErrorHandler());
        context.addServlet(DemoServlet.class, "/api/*");
        context.addServlet(DemoServlet.class, "/public/*");
        context.addServlet(HealthServlet.class, "/health");
        context.addServlet(adminHolder(), "/admin/*");
        return context;
    }

    /** Started with the context, so that its metrics count from the first request. */
    private static ServletHolder adminHolder() {
        ServletHolder admin = new ServletHolder("admin", AdminServlet.class);
        admin.setInitOrder(2);
        return admin;
    }

    private static FilterHolder filterHolder(SessionGate gate) {
        FilterHolder holder = new FilterHolder(gate);
        holder.setName("sessiongate");
        holder.setAsyncSupported(true);
        return holder;
    }

    /**
     * {@code TRACE} answered {@code 405} before any servlet: it echoes the request's headers,
     * credentials included (an HttpServlet's default doTrace does), and nginx and Tomcat refuse it
     * too. The answer is the container's JSON error, and the connection closes after it.
     */
    static final class NoTrace extends Handler.Wrapper {
        NoTrace(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (HttpMethod.TRACE.is(request.getMethod())) {
                response.setStatus(HttpStatus.METHOD_NOT_ALLOWED_405);
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CONNECTION, "close"); // whatever body it sent is not read
                response.write(true, ByteBuffer.wrap(ContainerErrors.body(HttpStatus.METHOD_NOT_ALLOWED_405)), callback);
                return true;
            }
            return super.handle(request, response, callback);
        }
    }
}
