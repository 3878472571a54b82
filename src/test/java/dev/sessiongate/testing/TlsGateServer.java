package dev.sessiongate.testing;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.standalone.StandaloneServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A real Jetty serving HTTPS on a free port of 127.0.0.1 with client authentication
 * ({@code want} or {@code need}), laid out as the standalone (the filter over {@code /api/*}) plus
 * {@link WhoAmIServlet} at {@code /api/whoami}; and
 * Java's {@link HttpClient} with or without a client certificate to call it.
 */
public final class TlsGateServer implements AutoCloseable {
    private final Server server;
    private final int port;

    private TlsGateServer(Server server) {
        this.server = server;
        this.port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /**
     * Starts {@code gate} behind a TLS connector with {@code serverKeys} that asks clients for a
     * certificate and lets the JDK check it against {@code trusted}.
     *
     * @param need {@code needClientAuth} (a client without a certificate is refused) rather than {@code want}
     */
    public static TlsGateServer start(SessionGate gate, KeyStore serverKeys, KeyStore trusted, boolean need) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(serverKeys);
        tls.setKeyStorePassword(new String(PartnerPki.PASSWORD));
        tls.setTrustStore(trusted);
        if (need) {
            tls.setNeedClientAuth(true);
        } else {
            tls.setWantClientAuth(true);
        }
        Server server = new Server();
        HttpConfiguration https = new HttpConfiguration();
        https.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                new HttpConnectionFactory(https));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = StandaloneServer.demoContext(gate);
        context.addServlet(WhoAmIServlet.class, "/api/whoami");
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not start", e);
        }
        return new TlsGateServer(server);
    }

    /** An HTTP/1.1 client that trusts {@code trusted} and presents {@code clientKeys} (none when {@code null}). */
    public static HttpClient client(KeyStore clientKeys, KeyStore trusted) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            if (clientKeys != null) {
                keys.init(clientKeys, PartnerPki.PASSWORD);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(clientKeys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code GET path} with {@code headers} (name, value, name, value...). */
    public HttpResponse<String> get(HttpClient client, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
