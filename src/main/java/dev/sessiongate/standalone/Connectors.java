package dev.sessiongate.standalone;

import dev.sessiongate.config.GateConfig;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The standalone's listeners: plain HTTP/1.1 with h2c (HTTP/2 by upgrade or prior knowledge), or
 * HTTPS with HTTP/2 and HTTP/1.1 chosen by ALPN, and the plain port that redirects to it.
 */
final class Connectors {
    /** TLS 1.2 and 1.3 only. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * Mozilla's "intermediate" list without the finite-field DHE suites: forward secrecy and AEAD
     * only (no CBC, no static RSA key exchange), which are also the suites HTTP/2 accepts.
     */
    static final String[] CIPHER_SUITES = {
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    };

    static final String HTTPS = "https";
    static final String HTTP = "http";
    static final String REDIRECT = "redirect";

    private Connectors() {
    }

    /**
     * {@code port} in plain HTTP/1.1, and HTTP/2 cleartext by prior knowledge or by {@code Upgrade:
     * h2c} on a request without a body.
     */
    static ServerConnector plain(Server server, HttpConfiguration config, int port) {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config),
                new BodilessUpgrade(config));
        connector.setName(HTTP);
        connector.setPort(port);
        return connector;
    }

    /** {@code port} in TLS, then HTTP/2 or HTTP/1.1 as the client's ALPN asks (HTTP/1.1 without ALPN). */
    static ServerConnector https(Server server, HttpConfiguration config, SslContextFactory.Server ssl, int port) {
        HttpConfiguration secure = new HttpConfiguration(config);
        // Jetty's HTTPS customizer, for its SNI host check (sniHostCheck) against the certificate served.
        // (The client certificate reaches jakarta.servlet.request.X509Certificate from the connection itself.)
        secure.addCustomizer(new SecureRequestCustomizer());
        HttpConnectionFactory http11 = new HttpConnectionFactory(secure);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(secure);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http11.getProtocol());
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()),
                alpn, h2, http11);
        connector.setName(HTTPS);
        connector.setPort(port);
        return connector;
    }

    /**
     * {@code port} in plain HTTP/1.1 for {@code SecuredRedirectHandler}: its redirects name the
     * port {@code https} listens on, known once that one is open (with {@code port=0}, at start).
     */
    static ServerConnector redirect(Server server, HttpConfiguration config, ServerConnector https, int port) {
        HttpConfiguration plain = new HttpConfiguration(config);
        plain.setSecureScheme("https");
        plain.setSecurePort(https.getPort());
        https.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle event) {
                plain.setSecurePort(https.getLocalPort());
            }
        });
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(plain));
        connector.setName(REDIRECT);
        connector.setPort(port);
        return connector;
    }

    /** Jetty's TLS set-up with {@code material}: TLS 1.2+, {@link #CIPHER_SUITES}, no renegotiation. */
    static SslContextFactory.Server sslContextFactory(TlsMaterial material, GateConfig.ClientAuth clientAuth) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        use(ssl, material);
        ssl.setIncludeProtocols(PROTOCOLS);
        ssl.setIncludeCipherSuites(CIPHER_SUITES);
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        ssl.setRenegotiationAllowed(false);
        ssl.setNeedClientAuth(clientAuth == GateConfig.ClientAuth.NEED);
        ssl.setWantClientAuth(clientAuth == GateConfig.ClientAuth.WANT);
        return ssl;
    }

    /** Puts {@code material}'s key, chain and client CAs into {@code ssl} (at start, and in a reload). */
    static void use(SslContextFactory ssl, TlsMaterial material) {
        ssl.setKeyStore(material.keyStore());
        ssl.setKeyStorePassword(material.keyPassword());
        ssl.setKeyManagerPassword(material.keyPassword());
        if (material.trustStore() != null) {
            ssl.setTrustStore(material.trustStore());
        }
    }

    /**
     * h2c by {@code Upgrade} only for a request without a body, which stays HTTP/1.1 otherwise.
     * Java's {@code HttpClient} asks to upgrade by default, also for a chunked upload, and Jetty
     * answers that with a {@code 101} it cannot follow (jetty/jetty.project#11588): the client
     * sees a broken connection and the application a 500. RFC 9113 deprecates the upgrade anyway.
     */
    static final class BodilessUpgrade extends HTTP2CServerConnectionFactory {
        BodilessUpgrade(HttpConfiguration config) {
            super(config);
        }

        @Override
        public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
                                            HttpFields.Mutable response) {
            if (request.getContentLength() > 0 || request.getHttpFields().contains(HttpHeader.TRANSFER_ENCODING)) {
                return null;
            }
            return super.upgradeConnection(connector, endPoint, request, response);
        }
    }
}
