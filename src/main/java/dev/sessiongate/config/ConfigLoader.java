package dev.sessiongate.config;

import dev.sessiongate.key.Cidr;
import dev.sessiongate.key.KeyPart;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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
    private static final int MIN_SECRET_LENGTH = 16;

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
            if (ConfigKeys.NOT_YET_SUPPORTED.contains(key)) {
                if (!value.isEmpty()) {
                    throw ConfigException.badValue(key, value, "not supported by this version of SessionGate yet");
                }
            } else if (!ConfigKeys.SUPPORTED.containsKey(key)) {
                throw new ConfigException("unknown configuration key: " + key + "="
                        + ConfigException.printable(key, value) + " (see README.md for the keys)");
            } else if (!value.isEmpty()) {
                settings.put(key, value);
            }
        }
        Settings r = new Settings(settings, baseDir);
        Duration idle = r.duration("session.idle-timeout");
        Duration lifetime = r.duration("session.max-lifetime");
        List<String> strip = r.list("strip-cookies");
        boolean stripAll = strip.contains("*");
        Set<String> stripNames = new LinkedHashSet<>();
        for (String name : strip) {
            stripNames.add(name.toLowerCase(Locale.ROOT));
        }
        Secret configured = r.secret("key.secret");
        boolean generated = configured == null;
        Secret secret = generated ? Secret.generate(32) : configured;
        if (generated) {
            LOG.warn("event=key_secret_generated message=\"key.secret is not set; a random one was generated, "
                    + "so cached sessions do not survive a restart and nodes do not share them\"");
        }
        return new GateConfig(
                settings.get("realm"),
                r.integer("port", 0, 65535),
                secret,
                generated,
                r.keyParts(),
                r.cidrs("trusted-proxies"),
                stripAll,
                stripNames,
                r.readableFile("users.file"),
                r.readableFile("groups.file"),
                Set.copyOf(r.list("policy.require-group")),
                Set.copyOf(r.list("policy.allow-users")),
                Set.copyOf(r.list("policy.deny-users")),
                idle,
                lifetime,
                r.duration("session.revalidate-after"),
                r.integer("sessions.max", 1, Integer.MAX_VALUE),
                r.integer("sessions.max-per-user", 1, Integer.MAX_VALUE),
                r.integer("sessions.max-per-ip", 1, Integer.MAX_VALUE),
                r.onLimitReject(),
                r.integer("auth.max-failures", 1, 1_000_000),
                r.duration("auth.failure-window"),
                r.integer("auth.threads", 1, 1024),
                r.integer("auth.queue", 1, 1_000_000),
                ldap(r, settings),
                r.bool("auth.container-realm"),
                r.httpUrl("auth.delegate-url"),
                r.duration("auth.delegate-timeout"),
                r.writableFile("tokens.file"),
                r.secret("admin.token"),
                upstream(r, settings));
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
                r.bool("ldap.start-tls"), r.readableFile("ldap.trust-store"), trustStorePassword(settings));
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
                r.bool("upstream.pass-cookies"), r.bool("upstream.forward-authorization"));
    }

    /** Typed access to the settings; each failure names the key and the value. */
    private static final class Settings {
        private final Map<String, String> settings;
        private final Path baseDir;

        Settings(Map<String, String> settings, Path baseDir) {
            this.settings = settings;
            this.baseDir = baseDir;
        }

        int integer(String key, int min, int max) {
            String value = settings.get(key);
            try {
                long n = Long.parseLong(value);
                if (n < min || n > max) {
                    throw ConfigException.badValue(key, value, "must be between " + min + " and " + max);
                }
                return (int) n;
            } catch (NumberFormatException e) {
                throw ConfigException.badValue(key, value, "not a whole number");
            }
        }

        Duration duration(String key) {
            String value = settings.get(key);
            Duration duration;
            try {
                duration = Durations.parse(value);
            } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
                throw ConfigException.badValue(key, value,
                        "not a duration (seconds, or a number with ms, s, m, h or d, or ISO-8601 such as PT15M)");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw ConfigException.badValue(key, value, "must be positive");
            }
            return duration;
        }

        /** A secret of at least 16 characters, or {@code null} when unset. */
        Secret secret(String key) {
            String value = settings.get(key);
            if (value.isEmpty()) {
                return null;
            }
            if (value.length() < MIN_SECRET_LENGTH) {
                throw ConfigException.badValue(key, value, "too short, use at least " + MIN_SECRET_LENGTH + " characters");
            }
            return Secret.of(value);
        }

        /** An http:// or https:// URL with a host and no query, fragment or user info, or {@code null}. */
        URI httpUrl(String key) {
            URI uri = url(key, "http", "https");
            if (uri != null && (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null)) {
                throw ConfigException.badValue(key, settings.get(key), "must have no query, fragment or user info");
            }
            return uri;
        }

        /** A URL with one of {@code schemes} and a host, or {@code null} when unset. */
        URI url(String key, String... schemes) {
            String url = settings.get(key);
            if (url.isEmpty()) {
                return null;
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw ConfigException.badValue(key, url, "not a URL");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!List.of(schemes).contains(scheme) || uri.getHost() == null) {
                throw ConfigException.badValue(key, url, "must be an " + String.join(":// or ", schemes) + ":// URL with a host");
            }
            return uri;
        }

        /** {@code sessions.on-limit}: true for {@code reject}, false for {@code evict-oldest}. */
        boolean onLimitReject() {
            String value = settings.get("sessions.on-limit");
            switch (value.toLowerCase(Locale.ROOT)) {
                case "reject": return true;
                case "evict-oldest": return false;
                default: throw ConfigException.badValue("sessions.on-limit", value, "must be reject or evict-oldest");
            }
        }

        boolean bool(String key) {
            String value = settings.get(key);
            switch (value.toLowerCase(Locale.ROOT)) {
                case "true": return true;
                case "false": return false;
                default: throw ConfigException.badValue(key, value, "must be true or false");
            }
        }

        List<String> list(String key) {
            List<String> items = new ArrayList<>();
            for (String item : settings.get(key).split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
            return items;
        }

        List<KeyPart> keyParts() {
            String value = settings.get("key.parts");
            List<KeyPart> parts = new ArrayList<>();
            for (String item : list("key.parts")) {
                try {
                    KeyPart part = KeyPart.parse(item);
                    if (!parts.contains(part)) {
                        parts.add(part);
                    }
                } catch (IllegalArgumentException e) {
                    throw ConfigException.badValue("key.parts", value, e.getMessage());
                }
            }
            if (!parts.contains(KeyPart.parse("password"))) {
                // Without the password in the key, anyone who knows a user name would ride on
                // that user's cached session without ever being asked for the password.
                throw ConfigException.badValue("key.parts", value, "must include password");
            }
            return parts;
        }

        List<Cidr> cidrs(String key) {
            List<Cidr> cidrs = new ArrayList<>();
            for (String item : list(key)) {
                try {
                    cidrs.add(Cidr.parse(item));
                } catch (IllegalArgumentException e) {
                    throw ConfigException.badValue(key, settings.get(key), e.getMessage());
                }
            }
            return cidrs;
        }

        /** A file SessionGate may create and rewrite: its directory exists; if it exists, it is readable. */
        Path writableFile(String key) {
            String value = settings.get(key);
            if (value.isEmpty()) {
                return null;
            }
            Path path = baseDir.resolve(value).toAbsolutePath().normalize();
            if (path.getParent() == null || !Files.isDirectory(path.getParent()) || !Files.isWritable(path.getParent())) {
                throw ConfigException.badValue(key, value, "its directory does not exist or is not writable");
            }
            if (Files.exists(path) && (!Files.isRegularFile(path) || !Files.isReadable(path))) {
                throw ConfigException.badValue(key, value, "not a readable file (" + path + ")");
            }
            return path;
        }

        Path readableFile(String key) {
            String value = settings.get(key);
            if (value.isEmpty()) {
                return null;
            }
            Path path = baseDir.resolve(value).normalize();
            if (!Files.isRegularFile(path)) {
                throw ConfigException.badValue(key, value, "no such file (" + path.toAbsolutePath() + ")");
            }
            if (!Files.isReadable(path)) {
                throw ConfigException.badValue(key, value, "file is not readable (" + path.toAbsolutePath() + ")");
            }
            return path;
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
