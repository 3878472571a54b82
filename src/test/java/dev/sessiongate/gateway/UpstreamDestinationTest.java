package dev.sessiongate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The upstream's destination is resolved once, not per request (a lock every request took), and again once it stopped. */
class UpstreamDestinationTest {
    private Server upstream;
    private CountingClient client;
    private URI base;

    @BeforeEach
    void start() throws Exception {
        upstream = new Server();
        ServerConnector connector = new ServerConnector(upstream);
        connector.setPort(0);
        upstream.addConnector(connector);
        upstream.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        upstream.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
        client = new CountingClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        upstream.stop();
    }

    @Test
    void manyRequestsResolveTheDestinationOnce() throws Exception {
        UpstreamDestination destination = new UpstreamDestination(client);
        for (int i = 0; i < 5; i++) {
            assertThat(send(destination, "/r" + i)).isEqualTo(200);
        }
        assertThat(client.resolved.get()).isEqualTo(1);
    }

    @Test
    void jettysOwnSendResolvesItForEveryRequest() throws Exception {
        for (int i = 0; i < 5; i++) {
            CompletableFuture<Result> done = new CompletableFuture<>();
            client.newRequest(base.resolve("/r" + i)).send(done::complete);
            assertThat(done.get(10, TimeUnit.SECONDS).getResponse().getStatus()).isEqualTo(200);
        }
        assertThat(client.resolved.get()).isEqualTo(5); // what UpstreamDestination saves
    }

    @Test
    void aRemovedDestinationIsResolvedAgain() throws Exception {
        UpstreamDestination destination = new UpstreamDestination(client);
        assertThat(send(destination, "/before")).isEqualTo(200);
        for (Destination known : client.getDestinations()) {
            client.removeDestination(known); // stops it, as a destination idle timeout would
        }
        assertThat(send(destination, "/after")).isEqualTo(200);
        assertThat(client.resolved.get()).isEqualTo(2);
    }

    private int send(UpstreamDestination destination, String path) throws Exception {
        CompletableFuture<Result> done = new CompletableFuture<>();
        Request request = client.newRequest(base.resolve(path));
        assertThat(destination.send(request, done::complete)).isTrue();
        Result result = done.get(10, TimeUnit.SECONDS);
        assertThat(result.getFailure()).isNull();
        return result.getResponse().getStatus();
    }

    /** A real client that counts how often a destination is looked up. */
    private static final class CountingClient extends HttpClient {
        final AtomicInteger resolved = new AtomicInteger();

        @Override
        public Destination resolveDestination(Origin origin) {
            resolved.incrementAndGet();
            return super.resolveDestination(origin);
        }
    }
}
