package dev.sessiongate.gateway;

import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The HTTP client's destination of the one upstream, resolved once. Jetty's
 * {@code Request.send(listener)} resolves it again for every request, in
 * {@code ConcurrentHashMap.compute} on the origin: with a single upstream every request of every
 * thread takes the same bin's monitor (and the destination's own lock inside it), and under CPU
 * contention a thread descheduled while holding it stalls all others (JFR: 180 waits of 20 ms or
 * more in 40 s). The client's destinations are never swept (no destination idle timeout), so the
 * one found stays the client's; it is looked up again only if it stopped.
 */
final class UpstreamDestination {
    private final HttpClient client;
    private volatile Destination destination;

    UpstreamDestination(HttpClient client) {
        this.client = client;
    }

    /**
     * Sends {@code request}, which is to the upstream, as {@code request.send(listener)} does, and
     * says so; {@code false}, having sent nothing, when the destination cannot be resolved: the
     * caller then sends it Jetty's way, which reports that failure to the listener.
     */
    boolean send(Request request, Response.CompleteListener listener) {
        Destination current = destination;
        if (current == null || !isRunning(current)) {
            try {
                current = client.resolveDestination(request);
            } catch (RuntimeException e) {
                return false;
            }
            destination = current;
        }
        try {
            current.send(request, listener);
        } catch (Throwable failure) {
            request.abort(failure); // as Jetty's own send: the exchange tells the listener
        }
        return true;
    }

    private static boolean isRunning(Destination destination) {
        return !(destination instanceof LifeCycle lifeCycle) || lifeCycle.isRunning();
    }
}
