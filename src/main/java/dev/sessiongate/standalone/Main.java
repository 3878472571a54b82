package dev.sessiongate.standalone;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.config.GateConfig;
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
            bind(server, config.port());
        } catch (ConfigException e) {
            log.error("event=config_error message=\"{}\"", e.getMessage());
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
                log.warn("event=warmup_failed reason=\"{}\"", e.toString());
            }
        }
        server.start();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        log.info("event=listening port={} demo=http://localhost:{}/api/ health=http://localhost:{}/health",
                port, port, port);
        server.join();
    }

    /**
     * Takes the port before anything starts, so that a port in use is one line and status 2 like
     * any other bad setting, not a stack trace from the middle of Jetty's start.
     */
    private static void bind(Server server, int port) {
        try {
            ((ServerConnector) server.getConnectors()[0]).open();
        } catch (IOException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String why = cause instanceof BindException && "Address already in use".equals(cause.getMessage())
                    ? "is already in use by another process" : "cannot be listened on (" + cause.getMessage() + ")";
            throw new ConfigException("port " + port + " " + why + "; choose another with --port=N");
        }
    }
}
