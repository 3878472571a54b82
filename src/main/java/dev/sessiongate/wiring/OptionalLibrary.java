package dev.sessiongate.wiring;

import dev.sessiongate.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * A library that only one feature needs, an optional dependency of the library jar: the webapp
 * that embeds the filter adds it when it uses the feature. Its presence is told by one of its
 * classes, looked up without initialising it, before any class of SessionGate that links against
 * it is loaded; a feature configured without it stops start-up with one line that names the
 * artifact to add.
 */
public enum OptionalLibrary {
    /** {@code ldap.url}: the UnboundID LDAP SDK. */
    LDAP("ldap", "ldap.url", "com.unboundid.ldap.sdk.LDAPConnection"),
    /** {@code store.redis-uri}: Lettuce (with Netty and Reactor). */
    REDIS("redis", "store.redis-uri", "io.lettuce.core.RedisClient"),
    /** {@code auth.delegate-url}: Jetty's HTTP client. */
    DELEGATE("delegate", "auth.delegate-url", "org.eclipse.jetty.client.HttpClient"),
    /** {@code upstream.url}: Jetty's proxy servlet (with its HTTP client), for the gateway servlet. */
    GATEWAY("gateway", "upstream.url", "org.eclipse.jetty.ee10.proxy.ProxyServlet"),
    /** {@code /admin/metrics}: Micrometer's Prometheus registry. */
    METRICS("metrics", "/admin/metrics", "io.micrometer.prometheusmetrics.PrometheusMeterRegistry");

    private static final Properties COORDINATES = coordinates();

    private final String id;
    private final String feature;
    private final String probe;

    OptionalLibrary(String id, String feature, String probe) {
        this.id = id;
        this.feature = feature;
        this.probe = probe;
    }

    /** The Maven coordinates to add, {@code group:artifact:version}. */
    public String artifact() {
        return COORDINATES.getProperty(id);
    }

    /** Whether the library is on SessionGate's class path. */
    public boolean present() {
        try {
            Class.forName(probe, false, OptionalLibrary.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The one line that says what to add: {@code ldap.url needs com.unboundid:unboundid-ldapsdk:7.0.3 on the class path}. */
    public String missingMessage() {
        return feature + " needs " + artifact() + " on the class path";
    }

    /**
     * Nothing when the library is present.
     *
     * @throws ConfigException naming the artifact to add, when it is not
     */
    public void require() {
        if (!present()) {
            throw new ConfigException(missingMessage());
        }
    }

    private static Properties coordinates() {
        Properties properties = new Properties();
        try (InputStream in = OptionalLibrary.class.getResourceAsStream("libraries.properties")) {
            if (in == null) {
                throw new IllegalStateException("dev/sessiongate/wiring/libraries.properties is missing from the jar");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
