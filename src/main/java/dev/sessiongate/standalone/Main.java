package dev.sessiongate.standalone;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.Logfmt;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sessiongate-standalone.jar [--config FILE] [--KEY=VALUE ...]}: runs SessionGate
 * in an embedded Jetty with the configuration in {@code etc/sessiongate.properties} by default.
 */
public final class Main {
    static final Path DEFAULT_CONFIG = Path.of("etc", "sessiongate.properties");

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "sessiongate-logback.xml");
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        GateConfig config;
        Server server;
        try {
            config = ConfigLoader.forArguments(args, DEFAULT_CONFIG);
            server = StandaloneServer.create(config);
            bind(server);
        } catch (ConfigException e) {
            // Logfmt: a file name or a certificate's subject in the message may hold a quote.
            log.error("event=config_error message={}", Logfmt.value(e.getMessage()));
            System.err.println("sessiongate: " + e.getMessage());
            System.exit(2);
            return;
        }
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopped(LifeCycle event) {
                log.info("event=stopped");
            }
        });
        if (!config.warmup().isZero()) {
            try {
                Warmup.run(config, config.warmup());
            } catch (Exception e) { // a cold start is slower, not wrong
                log.warn("event=warmup_failed reason={}", Logfmt.value(e.toString()));
            }
        }
        server.start();
        log.info("event=listening {}", listening(server));
        server.join();
    }

    /** {@code port=N scheme=…} and where the demo and health are, for the listening line. */
    static String listening(Server server) {
        ServerConnector main = (ServerConnector) server.getConnectors()[0];
        int port = main.getLocalPort();
        boolean https = Connectors.HTTPS.equals(main.getName());
        String base = (https ? "https" : "http") + "://localhost:" + port;
        StringBuilder line = new StringBuilder("port=").append(port).append(" scheme=").append(https ? "https" : "http")
                .append(" protocols=").append(https ? "h2,http/1.1" : "http/1.1,h2c");
        for (org.eclipse.jetty.server.Connector connector : server.getConnectors()) {
            if (Connectors.REDIRECT.equals(connector.getName())) {
                line.append(" redirectPort=").append(((ServerConnector) connector).getLocalPort());
            }
        }
        return line.append(" demo=").append(base).append("/api/ health=").append(base).append("/health").toString();
    }

    /**
     * Takes the ports before anything starts, so that a port in use is one line and status 2 like
     * any other bad setting, not a stack trace from the middle of Jetty's start.
     */
    private static void bind(Server server) {
        for (org.eclipse.jetty.server.Connector each : server.getConnectors()) {
            ServerConnector connector = (ServerConnector) each;
            String key = Connectors.REDIRECT.equals(connector.getName()) ? "tls.redirect-port" : "port";
            try {
                connector.open();
            } catch (IOException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                String why = cause instanceof BindException && "Address already in use".equals(cause.getMessage())
                        ? "is already in use by another process" : "cannot be listened on (" + cause.getMessage() + ")";
                throw new ConfigException(key + " " + connector.getPort() + " " + why + "; choose another with --" + key + "=N");
            }
        }
    }
}
