package dev.sessiongate.bench;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A ceiling of gateway mode on its own stack: Jetty's {@code ProxyServlet} as the gateway
 * configures it (HTTP/1.1 client with one selector on the server's thread pool, 256 connections),
 * in a servlet context, but without the SessionGate filter and without the gateway's own header
 * work. The difference to {@link BareJettyProxy} is the servlet layer; to the gateway, SessionGate.
 *
 * <p>{@code java -cp ... dev.sessiongate.bench.BareServletProxy PORT UPSTREAM_BASE_URL}
 */
public final class BareServletProxy {
    private BareServletProxy() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String upstream = args[1].endsWith("/") ? args[1].substring(0, args[1].length() - 1) : args[1];
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder proxy = new ServletHolder("proxy", Http11Proxy.class);
        proxy.setAsyncSupported(true);
        proxy.setInitParameter("proxyTo", upstream);
        proxy.setInitParameter("prefix", "/");
        proxy.setInitParameter("maxThreads", "-");
        proxy.setInitParameter("maxConnections", "256");
        proxy.setInitParameter("timeout", "0");
        proxy.setInitOrder(1);
        context.addServlet(proxy, "/*");
        server.setHandler(context);
        server.start();
        System.out.println("event=listening port=" + port + " upstream=" + upstream);
        server.join();
    }

    /** The gateway's client: HTTP/1.1 only, one selector. */
    public static final class Http11Proxy extends ProxyServlet.Transparent {
        private static final long serialVersionUID = 1L;

        @Override
        protected HttpClient newHttpClient() {
            ClientConnector connector = new ClientConnector();
            connector.setSelectors(1);
            return new HttpClient(new HttpClientTransportOverHTTP(connector));
        }
    }
}
