package dev.sessiongate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.PartnerPki;
import dev.sessiongate.testing.PartnerPki.Issued;
import dev.sessiongate.testing.TlsGateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import io.restassured.path.json.JsonPath;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same filter behind Tomcat 11's own TLS connector (JSSE, {@code certificateVerification=
 * "optional"}, a trust store shared with another application's CA): Tomcat puts the chain into
 * {@code jakarta.servlet.request.X509Certificate} as Jetty does, and SessionGate still refuses the
 * CA it was not told to trust.
 */
class TomcatClientCertificateTest {
    private static final Issued CA = PartnerPki.ca("CN=Partner CA,O=SessionGate Test");
    private static final Issued OTHER_CA = PartnerPki.ca("CN=Other application's CA");

    @TempDir
    Path dir;

    @Test
    void tomcatHandsTheChainToTheFilter() throws Exception {
        Path map = Files.writeString(dir.resolve("client-certs.map"), "subject:CN=partner-1,O=Acme,C=DE = partner1\n");
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("auth.client-cert", map.toString())
                .set("auth.client-ca", PartnerPki.writePem(dir.resolve("ca.pem"), CA).toString())
                .build();
        KeyStore trusted = PartnerPki.trustStore(CA, OTHER_CA);
        Tomcat tomcat = tomcat(gate, store(PartnerPki.keyStore(PartnerPki.server(CA), CA), "server.p12"),
                store(trusted, "trusted.p12"));
        try {
            int port = tomcat.getConnector().getLocalPort();
            Issued partner = PartnerPki.client(CA, "CN=partner-1,O=Acme,C=DE", Duration.ofDays(30));
            HttpResponse<String> ok = get(TlsGateServer.client(PartnerPki.keyStore(partner, CA), trusted), port);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(JsonPath.from(ok.body()).getString("remoteUser")).isEqualTo("partner1");
            assertThat(JsonPath.from(ok.body()).getString("authType")).isEqualTo("CLIENT_CERT");

            Issued other = PartnerPki.client(OTHER_CA, "CN=partner-1,O=Acme,C=DE", Duration.ofDays(30));
            HttpResponse<String> refused = get(TlsGateServer.client(PartnerPki.keyStore(other, OTHER_CA), trusted), port);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(JsonPath.from(refused.body()).getString("error")).isEqualTo("certificate_rejected");

            HttpResponse<String> none = get(TlsGateServer.client(null, trusted), port);
            assertThat(JsonPath.from(none.body()).getString("error")).isEqualTo("missing_credentials");
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private Tomcat tomcat(SessionGate gate, Path serverKeys, Path trusted) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setSecure(true);
        connector.setScheme("https");
        connector.setProperty("SSLEnabled", "true");
        SSLHostConfig tls = new SSLHostConfig();
        tls.setCertificateVerification("optional");
        tls.setTruststoreFile(trusted.toString());
        tls.setTruststorePassword(new String(PartnerPki.PASSWORD));
        tls.setTruststoreType("PKCS12");
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(tls, SSLHostConfigCertificate.Type.UNDEFINED);
        certificate.setCertificateKeystoreFile(serverKeys.toString());
        certificate.setCertificateKeystorePassword(new String(PartnerPki.PASSWORD));
        certificate.setCertificateKeystoreType("PKCS12");
        tls.addCertificate(certificate);
        connector.addSslHostConfig(tls);
        tomcat.setConnector(connector);

        Context context = tomcat.addContext("", dir.toString());
        FilterDef filter = new FilterDef();
        filter.setFilterName("sessiongate");
        filter.setFilter(gate);
        filter.setAsyncSupported("true");
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("sessiongate");
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
        Tomcat.addServlet(context, "whoami", new WhoAmIServlet());
        context.addServletMappingDecoded("/*", "whoami");
        tomcat.start();
        return tomcat;
    }

    private Path store(KeyStore store, String name) throws Exception {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PartnerPki.PASSWORD);
        }
        return file;
    }

    private static HttpResponse<String> get(HttpClient client, int port) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/whoami")).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
