package dev.sessiongate.cluster;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RedisExtension;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shared attributes whose classes fail with an {@link Error} while they are written or read, as
 * when two versions of an application run side by side in a rolling deploy
 * ({@code NoClassDefFoundError}): the value stays on its node, or is dropped on the node that
 * cannot read it, and the request goes on. Both were 500s (found by an attack review).
 */
class AttributeErrorsTest {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    /** Written fine; reading it fails as a class of another application version would. */
    static final class ReadSkewed implements Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            throw new NoClassDefFoundError("com/example/v2/Helper");
        }
    }

    /** Cannot even be written on this node. */
    static final class WriteSkewed implements Serializable {
        private static final long serialVersionUID = 1L;

        private void writeObject(ObjectOutputStream out) {
            throw new NoClassDefFoundError("com/example/v2/Helper");
        }
    }

    /** {@code ?set=read|write} stores one of the above; every request says whether the session has one. */
    public static final class App extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String set = request.getParameter("set");
            if (set != null) {
                request.getSession().setAttribute("prefs", set.equals("read") ? new ReadSkewed() : new WriteSkewed());
            }
            response.setContentType("text/plain");
            response.getWriter().print(request.getSession().getAttribute("prefs") == null ? "none" : "some");
        }
    }

    private static GateServer node(String name) {
        SessionGate gate = SessionGate.builder().set("store.redis-uri", REDIS.redis().uri()).set("node.name", name)
                .authenticator(new AcceptingAuthenticator()).build();
        return GateServer.start(gate, context -> context.addServlet(new ServletHolder(new App()), "/api/app"));
    }

    private static String get(GateServer node, String query) {
        return node.request().header("Authorization", basic("alice", "ok-1")).get("/api/app" + query)
                .then().statusCode(200).extract().asString();
    }

    @Test
    void aValueThatCannotBeReadIsDroppedOnThatNodeAndTheRequestGoesOn() {
        try (GateServer a = node("node-a"); GateServer b = node("node-b")) {
            assertThat(get(a, "?set=read")).isEqualTo("some");
            for (int i = 0; i < 3; i++) {
                assertThat(get(b, "")).isEqualTo("none");
            }
        }
    }

    @Test
    void aValueThatCannotBeWrittenStaysOnItsNodeAndTheRequestGoesOn() {
        try (GateServer a = node("node-a"); GateServer b = node("node-b")) {
            assertThat(get(a, "?set=write")).isEqualTo("some");
            assertThat(get(a, "")).isEqualTo("some");
            assertThat(get(b, "")).isEqualTo("none");
        }
    }
}
