package dev.sessiongate.config;

import dev.sessiongate.util.Secret;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the one {@link GateConfig} from a properties file, filter init-parameters or
 * {@code --KEY=VALUE} arguments. Nothing else in SessionGate reads properties, system
 * properties or the environment.
 */
public final class ConfigLoader {
    /** The context parameter, init-parameter and system property naming the properties file. */
    public static final String LOCATION_PROPERTY = "sessiongate.config";
    /** The environment variable naming the properties file when nothing else does. */
    public static final String LOCATION_ENV = "SESSIONGATE_CONFIG";

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    private ConfigLoader() {
    }

    /**
     * The configuration of a filter: its init-parameters over the properties file named by the
     * init-parameter or context parameter {@code sessiongate.config}, else the system property of
     * that name, else the environment variable {@code SESSIONGATE_CONFIG}; no file at all is fine.
     */
    public static GateConfig forFilter(Map<String, String> initParams, String contextLocation) {
        Map<String, String> params = new LinkedHashMap<>(initParams);
        String location = params.remove(LOCATION_PROPERTY);
        if (isBlank(location)) {
            location = contextLocation;
        }
        if (isBlank(location)) {
            location = System.getProperty(LOCATION_PROPERTY);
        }
        if (isBlank(location)) {
            location = System.getenv(LOCATION_ENV);
        }
        return load(isBlank(location) ? null : Path.of(location.trim()), params);
    }

    /**
     * The configuration of the standalone server from its command line: {@code --config FILE}
     * (else {@code defaultFile}), then {@code --KEY=VALUE} for any key.
     */
    public static GateConfig forArguments(String[] args, Path defaultFile) {
        Path file = defaultFile;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (arg.startsWith("--config=")) {
                file = Path.of(arg.substring("--config=".length()));
            } else if (arg.startsWith("--") && arg.indexOf('=') > 2) {
                int eq = arg.indexOf('=');
                overrides.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                throw new ConfigException("unknown argument '" + arg
                        + "' (usage: [--config FILE] [--KEY=VALUE ...], e.g. --port=8081)");
            }
        }
        return load(file, overrides);
    }

    /** The properties file {@code file} (or none when {@code null}) with {@code overrides} on top. */
    public static GateConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        Path baseDir = Path.of("");
        if (file != null) {
            settings.putAll(readProperties(file));
            Path parent = file.toAbsolutePath().getParent();
            baseDir = parent == null ? baseDir : parent;
        }
        settings.putAll(overrides);
        return build(settings, baseDir);
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            settings.put(name, properties.getProperty(name));
        }
        return settings;
    }

    private static GateConfig build(Map<String, String> given, Path baseDir) {
        Map<String, String> settings = new LinkedHashMap<>(ConfigKeys.SUPPORTED);
        for (Map.Entry<String, String> entry : given.entrySet()) {
            String key = entry.getKey().trim();
            String value = entry.getValue() == null ? "" : entry.getValue().trim();
            if (!ConfigKeys.SUPPORTED.containsKey(key)) {
                throw new ConfigException("unknown configuration key: " + key + "="
                        + ConfigException.printable(key, value) + " (see README.md for the keys)");
            } else if (!value.isEmpty()) {
                settings.put(key, value);
            }
        }
        GateConfig.Builder config = parse(settings, baseDir);
        if (config.keySecretGenerated() && settings.get("store.redis-uri").isEmpty()) {
            LOG.warn("event=key_secret_generated message=\"key.secret is not set; a random one was generated, "
                    + "so cached sessions do not survive a restart and nodes do not share them\"");
        }
        return config.build();
    }

    /** What {@link GateConfig#builder()} starts from: every key's default, and a generated key secret. */
    static GateConfig.Builder defaults() {
        return parse(new LinkedHashMap<>(ConfigKeys.SUPPORTED), Path.of(""));
    }

    /** {@code settings} (every key, defaults filled in) checked and typed. */
    private static GateConfig.Builder parse(Map<String, String> settings, Path baseDir) {
        Settings r = new Settings(settings, baseDir);
        List<String> strip = r.list("strip-cookies");
        Set<String> stripNames = new LinkedHashSet<>();
        for (String name : strip) {
            stripNames.add(name.toLowerCase(Locale.ROOT));
        }
        Secret configured = r.secret("key.secret");
        boolean generated = configured == null;
        return GateConfig.Builder.empty()
                .realm(settings.get("realm"))
                .port(r.integer("port", 0, 65535))
                .keySecret(generated ? Secret.generate(32) : configured)
                .keySecretGenerated(generated)
                .keyParts(r.keyParts())
                .trustedProxies(r.cidrs("trusted-proxies"))
                .clientIpHeader(r.headerName("trusted-proxies.header"))
                .stripAllCookies(strip.contains("*"))
                .stripCookies(stripNames)
                .redactHeaders(r.list("log.redact-headers"))
                .usersFile(r.readableFile("users.file"))
                .groupsFile(r.readableFile("groups.file"))
                .requireGroups(Set.copyOf(r.list("policy.require-group")))
                .allowUsers(Set.copyOf(r.list("policy.allow-users")))
                .denyUsers(Set.copyOf(r.list("policy.deny-users")))
                .idleTimeout(r.duration("session.idle-timeout"))
                .maxLifetime(r.duration("session.max-lifetime"))
                .revalidateAfter(r.duration("session.revalidate-after"))
                .maxSessions(r.integer("sessions.max", 1, Integer.MAX_VALUE))
                .maxPerUser(r.integer("sessions.max-per-user", 1, Integer.MAX_VALUE))
                .maxPerIp(r.integer("sessions.max-per-ip", 0, Integer.MAX_VALUE))
                .rejectOverLimit(r.onLimitReject())
                .maxFailures(r.integer("auth.max-failures", 1, 1_000_000))
                .failureWindow(r.duration("auth.failure-window"))
                .authThreads(r.integer("auth.threads", 1, 1024))
                .authQueue(r.integer("auth.queue", 1, 1_000_000))
                .authTimeout(r.duration("auth.timeout"))
                .ldap(ldap(r, settings))
                .containerRealm(r.bool("auth.container-realm"))
                .delegateUrl(r.httpUrl("auth.delegate-url"))
                .delegateTimeout(r.duration("auth.delegate-timeout"))
                .clientCert(clientCert(r, settings))
                .tokensFile(r.writableFile("tokens.file"))
                .adminToken(r.secret("admin.token"))
                .upstream(upstream(r, settings))
                .cluster(cluster(r, settings))
                .node(node(settings))
                .warmup(r.durationUpTo("warmup", Duration.ofMinutes(1)))
                .tls(tls(r, settings));
    }

    /**
     * {@code auth.client-cert} with its CA bundle: {@code auth.client-ca}, else the standalone's
     * {@code tls.client-ca}. Never without one: the container
     * may accept certificates it did not check (Tomcat's {@code optional_no_ca}).
     */
    private static GateConfig.ClientCert clientCert(Settings r, Map<String, String> settings) {
        Path map = r.readableFile("auth.client-cert");
        if (map == null) {
            for (String key : List.of("auth.client-ca", "auth.client-crl")) {
                if (!settings.get(key).isEmpty()) {
                    throw ConfigException.badValue(key, settings.get(key), "only used with auth.client-cert; set that too");
                }
            }
            return null;
        }
        String caKey = settings.get("auth.client-ca").isEmpty()
                && !settings.get("tls.client-ca").isEmpty() ? "tls.client-ca" : "auth.client-ca";
        Path ca = r.readableFile(caKey);
        if (ca == null) {
            throw ConfigException.badValue("auth.client-cert", settings.get("auth.client-cert"),
                    "needs auth.client-ca (or, on the standalone, tls.client-ca): the PEM bundle of the CAs that issue partner certificates");
        }
        return new GateConfig.ClientCert(map, ca, r.readableFile("auth.client-crl"));
    }

    /** The most either attribute limit may be: a value Redis, the network and a node's heap take in one piece. */
    private static final int MAX_ATTRIBUTE_BYTES = 256 * 1024 * 1024;

    private static GateConfig.Cluster cluster(Settings r, Map<String, String> settings) {
        String uri = settings.get("store.redis-uri");
        boolean redisCluster = r.bool("store.redis-cluster");
        if (uri.isEmpty()) {
            // Checked all the same, so that a typo stops start-up before the cluster is switched on.
            r.bytes("session.attribute-max-bytes", MAX_ATTRIBUTE_BYTES);
            r.bytes("session.attributes-max-bytes", MAX_ATTRIBUTE_BYTES);
            return null;
        }
        checkRedisUri(uri, redisCluster);
        if (!settings.get("tokens.file").isEmpty()) {
            throw ConfigException.badValue("tokens.file", settings.get("tokens.file"),
                    "with store.redis-uri set, API tokens live in Redis; leave tokens.file unset");
        }
        int attributeMax = r.bytes("session.attribute-max-bytes", MAX_ATTRIBUTE_BYTES);
        int attributesMax = r.bytes("session.attributes-max-bytes", MAX_ATTRIBUTE_BYTES);
        if (attributeMax > attributesMax) {
            throw ConfigException.badValue("session.attribute-max-bytes", settings.get("session.attribute-max-bytes"),
                    "must not exceed session.attributes-max-bytes (" + settings.get("session.attributes-max-bytes") + ")");
        }
        return new GateConfig.Cluster(uri, r.duration("store.timeout"), redisCluster, attributeMax, attributesMax);
    }

    /**
     * {@code redis[s]://[[user:]password@]host[:port][,host[:port]...][/db]} (several hosts only as
     * a Redis Cluster's seeds) or {@code redis[s]-sentinel://...#primary}; Lettuce reads the rest.
     */
    private static void checkRedisUri(String uri, boolean redisCluster) {
        int colon = uri.indexOf("://");
        String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? "" : uri.substring(colon + 3);
        String hosts = rest.substring(rest.lastIndexOf('@', firstOf(rest, "/?#")) + 1, firstOf(rest, "/?#"));
        boolean sentinel = scheme.equals("redis-sentinel") || scheme.equals("rediss-sentinel");
        String why = null;
        int userInfo = rest.lastIndexOf('@');
        if (!sentinel && !scheme.equals("redis") && !scheme.equals("rediss")) {
            why = "must be a redis://, rediss:// or redis-sentinel:// URL";
        } else if (userInfo >= 0 && firstOf(rest, "/?#") < userInfo) {
            // Else a URL parser ends the authority inside the password, and takes part of it for a
            // host name: printed in errors, asked of DNS.
            why = "a '/', '?' or '#' in the user or password must be percent-encoded (%2F, %3F, %23)";
        } else if (hosts.isEmpty() || hosts.startsWith(",") || hosts.endsWith(",") || hosts.contains(",,")) {
            why = "names no host";
        } else if (sentinel && redisCluster) {
            why = "with store.redis-cluster=true it names seed nodes of a Redis Cluster: redis://host:port,host:port";
        } else if (sentinel && (uri.indexOf('#') < 0 || uri.endsWith("#"))) {
            why = "a Sentinel URL ends with #primaryName, the name the sentinels monitor";
        } else if (!sentinel && !redisCluster && hosts.contains(",")) {
            why = "several hosts are a Redis Cluster's seeds (store.redis-cluster=true) or sentinels (redis-sentinel://)";
        }
        if (why != null) {
            throw ConfigException.badValue("store.redis-uri", uri, why);
        }
    }

    private static int firstOf(String text, String chars) {
        for (int i = 0; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    /** {@code node.name}, else this host's name and the port. */
    private static String node(Map<String, String> settings) {
        String name = settings.get("node.name");
        if (!name.isEmpty()) {
            return name;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + ":" + settings.get("port");
    }

    private static GateConfig.Ldap ldap(Settings r, Map<String, String> settings) {
        URI uri = r.url("ldap.url", "ldap", "ldaps");
        if (uri == null) {
            return null;
        }
        String url = settings.get("ldap.url");
        String pattern = settings.get("ldap.user-dn-pattern");
        String searchBase = settings.get("ldap.search-base");
        if (pattern.isEmpty() == searchBase.isEmpty()) {
            throw ConfigException.badValue("ldap.url", url, "set exactly one of ldap.user-dn-pattern and ldap.search-base");
        }
        if (!pattern.isEmpty() && !pattern.contains("{0}")) {
            throw ConfigException.badValue("ldap.user-dn-pattern", pattern, "must contain {0} for the user name");
        }
        String password = settings.get("ldap.bind-password");
        return new GateConfig.Ldap(uri, emptyToNull(pattern), emptyToNull(searchBase), settings.get("ldap.search-filter"),
                emptyToNull(settings.get("ldap.bind-dn")), password.isEmpty() ? null : Secret.of(password),
                emptyToNull(settings.get("ldap.group-search-base")), settings.get("ldap.group-filter"),
                r.bool("ldap.start-tls"), r.readableFile("ldap.trust-store"), trustStorePassword(settings),
                r.duration("ldap.timeout"));
    }

    private static Secret trustStorePassword(Map<String, String> settings) {
        String password = settings.get("ldap.trust-store-password");
        return password.isEmpty() ? null : Secret.of(password);
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }

    private static GateConfig.Upstream upstream(Settings r, Map<String, String> settings) {
        URI uri = r.httpUrl("upstream.url");
        if (uri == null) {
            return null;
        }
        return new GateConfig.Upstream(uri, r.duration("upstream.connect-timeout"), r.duration("upstream.timeout"),
                r.bool("upstream.pass-cookies"), r.bool("upstream.forward-authorization"), r.encodedSlash());
    }

    /**
     * {@code tls.*}, or {@code null} when neither PEM files nor a key store are set; every other
     * {@code tls.} key then stops start-up, so that no one believes a port is HTTPS when it is not.
     */
    private static GateConfig.Tls tls(Settings r, Map<String, String> settings) {
        boolean pem = !settings.get("tls.cert").isEmpty() || !settings.get("tls.key").isEmpty();
        boolean keyStore = !settings.get("tls.keystore").isEmpty();
        GateConfig.ClientAuth clientAuth = r.clientAuth();
        if (!pem && !keyStore) {
            for (String key : List.of("tls.keystore-password", "tls.client-ca", "tls.redirect-port", "tls.client-auth")) {
                if (!settings.get(key).isEmpty() && !(key.equals("tls.client-auth") && clientAuth == GateConfig.ClientAuth.NONE)) {
                    throw ConfigException.badValue(key, settings.get(key), "needs tls.cert and tls.key, or tls.keystore");
                }
            }
            return null;
        }
        if (pem && keyStore) {
            throw ConfigException.badValue("tls.keystore", settings.get("tls.keystore"),
                    "set tls.cert and tls.key, or tls.keystore, not both");
        }
        for (String[] pair : new String[][] {{"tls.cert", "tls.key"}, {"tls.key", "tls.cert"}}) {
            if (pem && settings.get(pair[1]).isEmpty()) {
                throw ConfigException.badValue(pair[0], settings.get(pair[0]), pair[1] + " is missing: set both");
            }
        }
        if (keyStore && settings.get("tls.keystore-password").isEmpty()) {
            throw ConfigException.badValue("tls.keystore", settings.get("tls.keystore"), "tls.keystore-password is missing");
        }
        if (pem && !settings.get("tls.keystore-password").isEmpty()) {
            throw ConfigException.badValue("tls.keystore-password", "", "belongs to tls.keystore; PEM keys must not be encrypted");
        }
        if (clientAuth != GateConfig.ClientAuth.NONE && settings.get("tls.client-ca").isEmpty()) {
            // Without a CA of its own, Java would trust every public CA for client certificates.
            throw ConfigException.badValue("tls.client-auth", settings.get("tls.client-auth"),
                    "needs tls.client-ca, the PEM bundle of the CAs that issue client certificates");
        }
        int redirectPort = -1;
        if (!settings.get("tls.redirect-port").isEmpty()) {
            redirectPort = r.integer("tls.redirect-port", 0, 65535);
            if (redirectPort != 0 && redirectPort == r.integer("port", 0, 65535)) {
                throw ConfigException.badValue("tls.redirect-port", settings.get("tls.redirect-port"),
                        "must differ from port, which serves HTTPS");
            }
        }
        String password = settings.get("tls.keystore-password");
        return new GateConfig.Tls(r.readableFile("tls.cert"), r.readableFile("tls.key"), r.readableFile("tls.keystore"),
                password.isEmpty() ? null : Secret.of(password), clientAuth, r.readableFile("tls.client-ca"), redirectPort);
    }

    /** The names of every configuration key this version knows (for integrations that map their own property names). */
    public static Set<String> keys() {
        return java.util.Collections.unmodifiableSet(ConfigKeys.SUPPORTED.keySet());
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
