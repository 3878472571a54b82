package dev.sessiongate.bench;

import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The yardstick of gateway mode: Jetty 12's own reverse proxy ({@code ProxyHandler.Reverse}, no
 * servlet layer, no authentication) on the same Jetty and HTTP client, forwarding everything to
 * one upstream. What it serves bounds what any gateway on this stack can.
 *
 * <p>{@code java -cp ... dev.sessiongate.bench.BareJettyProxy PORT UPSTREAM_BASE_URL}
 */
public final class BareJettyProxy {
    private BareJettyProxy() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String upstream = args[1].endsWith("/") ? args[1].substring(0, args[1].length() - 1) : args[1];
        Server server = new Server(new QueuedThreadPool(200));
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new ProxyHandler.Reverse(clientToProxy -> HttpURI.from(upstream + Request.getPathInContext(clientToProxy))));
        server.start();
        System.out.println("event=listening port=" + port + " upstream=" + upstream);
        server.join();
    }
}
