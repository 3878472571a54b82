package dev.sessiongate.confusion;

import java.io.IOException;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The backend behind a gateway: records every request that reaches it and signs its answer.
 *
 * <p>A bare Jetty handler rather than a servlet, on a connector that accepts any URI and any
 * header syntax: a servlet context would itself refuse ambiguous paths (encoded slashes, dot
 * segments) with a 400 before a servlet ran, and an unauthenticated request that the gateway
 * forwarded would then go unrecorded. Here anything the gateway forwards is recorded.
 */
public final class RecordingUpstream implements AutoCloseable {
    private final Server server;
    private final int port;

    private RecordingUpstream(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    public static RecordingUpstream start(Recorder recorder) throws Exception {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setHttpCompliance(HttpCompliance.LEGACY);
        http.setRequestHeaderSize(128 * 1024);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                recorder.record(new RecordedRequest("upstream", request.getMethod(), request.getHttpURI().getPathQuery(),
                        request.getHeaders().get("Authorization"), RecordedRequest.UNKNOWN_USER,
                        request.getHeaders().get(RecordedRequest.MARKER_HEADER)));
                try {
                    Content.Source.consumeAll(request);
                } catch (IOException e) {
                    // A body the gateway could not frame: what matters here is that the request arrived.
                }
                response.getHeaders().put(RecordedRequest.ANSWER_HEADER, "upstream");
                response.getHeaders().put("Content-Type", "text/plain");
                Content.Sink.write(response, true, "PROTECTED ANSWER from the upstream\n", callback);
                return true;
            }
        });
        server.start();
        return new RecordingUpstream(server, connector.getLocalPort());
    }

    /** {@code http://127.0.0.1:PORT} + {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
