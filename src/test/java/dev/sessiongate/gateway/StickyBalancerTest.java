package dev.sessiongate.gateway;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import io.restassured.path.json.JsonPath;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 point 3: two upstream nodes behind a sticky balancer that assigns
 * {@code APBALANCEID=node-N} on first sight. Cookie-less clients stay on one node and one
 * upstream session through the gateway's per-key cookie jar.
 */
class StickyBalancerTest {

    @Test
    void oneKeyStaysOnOneNodeAndOneUpstreamSessionWhileKeysSpread() {
        try (GateServer node1 = node("node-1"); GateServer node2 = node("node-2");
             GateServer balancer = balancer(node1, node2);
             GateServer gateway = GateServer.gateway(balancer.url("/"))) {
            Set<String> nodes = new HashSet<>();
            Set<String> sessions = new HashSet<>();
            JsonPath last = null;
            for (int i = 0; i < 200; i++) {
                last = gateway.request().header("Authorization", basic("alice", "ok-alice")).post("/app/orders")
                        .then().statusCode(200).extract().jsonPath();
                nodes.add(last.getString("node"));
                sessions.add(last.getString("session"));
            }
            assertThat(nodes).hasSize(1);
            assertThat(sessions).hasSize(1);
            assertThat(last.getInt("count")).isEqualTo(200);

            Set<String> nodesOfKeys = new HashSet<>();
            for (String user : new String[] {"bob", "carol", "dave", "erin"}) {
                for (int i = 0; i < 3; i++) {
                    JsonPath answer = gateway.request().header("Authorization", basic(user, "ok-" + user)).post("/app/orders")
                            .then().statusCode(200).extract().jsonPath();
                    nodesOfKeys.add(answer.getString("node"));
                    assertThat(answer.getInt("count")).isEqualTo(i + 1);
                }
            }
            assertThat(nodesOfKeys).containsExactlyInAnyOrder("node-1", "node-2");
        }
    }

    /** An upstream node with real container sessions (JSESSIONID). */
    static GateServer node(String name) {
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new NodeServlet(name)), "/*");
        return GateServer.start(context);
    }

    static GateServer balancer(GateServer... nodes) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(new Balancer(nodes));
        holder.setInitParameter("maxThreads", "16");
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        return GateServer.start(context);
    }

    /** Counts the requests of each container session. */
    static final class NodeServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final String name;

        NodeServlet(String name) {
            this.name = name;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            HttpSession session = request.getSession();
            AtomicInteger count = (AtomicInteger) session.getAttribute("count");
            if (count == null) {
                count = new AtomicInteger();
                session.setAttribute("count", count);
            }
            response.setContentType("application/json");
            response.getWriter().print("{\"node\":\"" + name + "\",\"session\":\"" + session.getId()
                    + "\",\"count\":" + count.incrementAndGet() + "}");
        }
    }

    /** A sticky balancer as in F5 or HAProxy: APBALANCEID picks the node; a new client gets one in turn. */
    static final class Balancer extends AsyncProxyServlet {
        private static final long serialVersionUID = 1L;
        private static final String CHOSEN = "balancer.node";
        private final transient GateServer[] nodes;
        private final AtomicInteger next = new AtomicInteger();

        Balancer(GateServer[] nodes) {
            this.nodes = nodes;
        }

        @Override
        protected String rewriteTarget(HttpServletRequest request) {
            int node = -1;
            if (request.getCookies() != null) {
                for (Cookie cookie : request.getCookies()) {
                    if (cookie.getName().equals("APBALANCEID")) {
                        node = Integer.parseInt(cookie.getValue().substring("node-".length())) - 1;
                    }
                }
            }
            if (node < 0) {
                node = Math.floorMod(next.getAndIncrement(), nodes.length);
                request.setAttribute(CHOSEN, node);
            }
            return nodes[node].url(request.getRequestURI());
        }

        @Override
        protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                               Response serverResponse) {
            super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
            Object chosen = clientRequest.getAttribute(CHOSEN);
            if (chosen != null) {
                proxyResponse.addHeader("Set-Cookie", "APBALANCEID=node-" + ((Integer) chosen + 1) + "; Path=/");
            }
        }
    }
}
