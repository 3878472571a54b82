package dev.sessiongate.testing;

import dev.sessiongate.filter.SessionGate;
import io.restassured.specification.RequestSpecification;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one {@link GateServer} for a test class and stops it after:
 * {@code @RegisterExtension static GateExtension jetty = new GateExtension(() -> gate);}.
 */
public final class GateExtension implements BeforeAllCallback, AfterAllCallback {
    private final Supplier<SessionGate> gate;
    private final Consumer<ServletContextHandler> extra;
    private GateServer server;

    public GateExtension(Supplier<SessionGate> gate) {
        this(gate, context -> { });
    }

    public GateExtension(Supplier<SessionGate> gate, Consumer<ServletContextHandler> extra) {
        this.gate = gate;
        this.extra = extra;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = GateServer.start(gate.get(), extra);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    public RequestSpecification request() {
        return server.request();
    }

    public int port() {
        return server.port();
    }
}
