package dev.sessiongate.standalone;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.Logfmt;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Scanner;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the certificate and key files (or the key store, and the client CAs) once a second with
 * Jetty's {@link Scanner}, and when they change loads them anew into the running
 * {@link SslContextFactory}: new connections get the new certificate, open ones keep theirs. Files
 * that cannot be used (half written, a key that does not match) leave the previous certificate in
 * use and are tried again at their next change.
 */
final class CertificateReloader extends ContainerLifeCycle implements Scanner.BulkListener {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final GateConfig.Tls tls;
    private final SslContextFactory.Server ssl;
    private final Scanner scanner = new Scanner();

    CertificateReloader(GateConfig.Tls tls, SslContextFactory.Server ssl) {
        this.tls = tls;
        this.ssl = ssl;
        scanner.setScanInterval(1);
        scanner.setReportExistingFilesOnStartup(false);
        scanner.setReportDirs(false);
        for (Path file : tls.watched()) {
            scanner.addFile(file.toAbsolutePath());
        }
        if (tls.clientCa() != null) {
            scanner.addFile(tls.clientCa().toAbsolutePath());
        }
        scanner.addListener(this);
        addBean(scanner);
    }

    @Override
    public void filesChanged(Set<String> files) {
        reload();
    }

    /** Loads the files again; on success new handshakes use them. */
    void reload() {
        try {
            TlsMaterial material = TlsMaterial.load(tls);
            ssl.reload(factory -> Connectors.use(factory, material));
            X509Certificate certificate = material.certificate();
            LOG.info("event=tls_reloaded subject={} serial={} notAfter={}",
                    Logfmt.value(certificate.getSubjectX500Principal().getName()),
                    certificate.getSerialNumber().toString(16), certificate.getNotAfter().toInstant());
        } catch (ConfigException e) {
            LOG.warn("event=tls_reload_failed message={} kept=previous", Logfmt.value(e.getMessage()));
        } catch (Exception e) {
            LOG.warn("event=tls_reload_failed message={} kept=previous", Logfmt.value(e.toString()));
        }
    }

    /**
     * Scans twice now, as Jetty's own {@code KeyStoreScanner} does to see a settled change, and
     * returns when any reload it caused is done; for tests, which must not wait for the clock.
     */
    void scanNow() throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        scanner.scan(Callback.from(() -> scanner.scan(Callback.from(() -> done.complete(null), done::completeExceptionally)),
                done::completeExceptionally));
        done.get(30, TimeUnit.SECONDS);
    }
}
