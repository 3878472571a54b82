package dev.sessiongate.spring;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import dev.sessiongate.util.Logfmt;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SessionGate's settings as a Spring {@link Environment} holds them: every property named
 * {@code sessiongate.KEY}, in any property source, becomes the configuration key {@code KEY} (the
 * keys of the properties file). Spring decides which source wins. Besides the dotted names it
 * understands environment variables ({@code SESSIONGATE_USERS_FILE}) and YAML lists
 * ({@code KEY[0]}, {@code KEY[1]}, joined with commas). Two names are its own:
 * {@code sessiongate.enabled} and {@code sessiongate.config}, the properties file that the other
 * keys override, as with a filter's init-parameters.
 */
final class EnvironmentSettings {
    static final String PREFIX = "sessiongate.";
    static final String ENABLED = "enabled";
    static final String CONFIG_FILE = "config";
    private static final String ENV_PREFIX = "SESSIONGATE_";
    /** Spring Boot's {@code ConfigurationPropertySources.ATTACHED_PROPERTY_SOURCE_NAME}. */
    private static final String ATTACHED = "configurationProperties";
    private static final Logger LOG = LoggerFactory.getLogger(EnvironmentSettings.class);
    /** The environment variables already logged as ignored. */
    private static final Set<String> ignored = ConcurrentHashMap.newKeySet();

    private final Path configFile;
    private final Map<String, String> settings;

    private EnvironmentSettings(Path configFile, Map<String, String> settings) {
        this.configFile = configFile;
        this.settings = settings;
    }

    /** The {@code sessiongate.*} settings of {@code environment}. */
    static EnvironmentSettings of(Environment environment) {
        Path file = null;
        Map<String, String> settings = new LinkedHashMap<>();
        for (String key : keys(environment)) {
            String value = value(environment, key);
            if (key.equals(CONFIG_FILE)) {
                file = value == null || value.isBlank() ? null : Path.of(value.trim());
            } else if (!key.equals(ENABLED) && value != null) {
                settings.put(key, value);
            }
        }
        return new EnvironmentSettings(file, settings);
    }

    /**
     * Whether SessionGate should run: {@code sessiongate.enabled=true}, or any {@code sessiongate.*}
     * property and no {@code sessiongate.enabled=false}.
     *
     * @throws ConfigException when {@code sessiongate.enabled} is neither {@code true} nor {@code false}
     */
    static boolean enabled(Environment environment) {
        String enabled = environment.getProperty(PREFIX + ENABLED);
        if (enabled != null && !enabled.isBlank()) {
            String flag = enabled.trim().toLowerCase(Locale.ROOT);
            if (!flag.equals("true") && !flag.equals("false")) {
                throw ConfigException.badValue(PREFIX + ENABLED, enabled, "must be true or false");
            }
            return flag.equals("true");
        }
        return !keys(environment).isEmpty();
    }

    /** The properties file named by {@code sessiongate.config}, or {@code null}. */
    Path configFile() {
        return configFile;
    }

    /** Configuration key → value, without {@code enabled} and {@code config}. */
    Map<String, String> settings() {
        return settings;
    }

    /** The configuration keys that some property source names, in the properties file's spelling. */
    private static Set<String> keys(Environment environment) {
        Set<String> keys = new TreeSet<>();
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return keys;
        }
        for (PropertySource<?> source : configurable.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)) {
                continue;
            }
            boolean variables = source instanceof SystemEnvironmentPropertySource;
            for (String name : enumerable.getPropertyNames()) {
                if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
                    keys.add(withoutIndex(name.substring(PREFIX.length())));
                } else if (variables && name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                    String key = fromVariable(name.substring(ENV_PREFIX.length()));
                    if (key != null) {
                        keys.add(key);
                    } else if (ignored.add(name)) {
                        // A container's own SESSIONGATE_VERSION or SESSIONGATE_OPTS is not a typo in a key.
                        LOG.warn("event=environment_variable_ignored name={} message=\"not a SessionGate configuration "
                                + "key; set sessiongate.* properties to have a mistyped key refused\"", Logfmt.value(name));
                    }
                }
            }
        }
        return keys;
    }

    /**
     * The key whose environment-variable spelling (upper case, {@code .} and {@code -} as
     * {@code _}) is {@code variable}, or {@code null}: unlike a {@code sessiongate.*} property, an
     * environment variable that names no key is ignored (with a warning), not refused, since
     * containers set variables of their own with the application's prefix.
     */
    private static String fromVariable(String variable) {
        for (String key : knownKeys()) {
            if (asVariable(key).equals(variable)) {
                return key;
            }
        }
        return null;
    }

    static String asVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>(ConfigLoader.keys());
        keys.add(ENABLED);
        keys.add(CONFIG_FILE);
        return keys;
    }

    /** {@code policy.require-group[0]} → {@code policy.require-group}. */
    private static String withoutIndex(String key) {
        int bracket = key.indexOf('[');
        return bracket > 0 && key.endsWith("]") ? key.substring(0, bracket) : key;
    }

    /**
     * The value of {@code sessiongate.KEY} in the first property source, by Spring's precedence,
     * that names it, as one value or as list items ({@code KEY[0]}, {@code KEY[1]}, joined with
     * commas): a list in {@code application-prod.yaml} beats a plain value in
     * {@code application.properties}, and the other way round. (Asking the environment for the
     * plain name first would let a plain value anywhere beat a list everywhere.)
     */
    private static String value(Environment environment, String key) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return merged(environment, key);
        }
        String name = PREFIX + key;
        for (PropertySource<?> source : configurable.getPropertySources()) {
            if (ATTACHED.equals(source.getName())) {
                continue; // Boot's view of all the sources at once, by their precedence but by name only
            }
            if (source.containsProperty(name)) {
                Object value = source.getProperty(name);
                return value == null ? null : configurable.resolvePlaceholders(String.valueOf(value));
            }
            if (source.containsProperty(name + "[0]")) {
                StringBuilder items = new StringBuilder();
                for (int i = 0; source.containsProperty(name + "[" + i + "]"); i++) {
                    items.append(i == 0 ? "" : ",").append(
                            configurable.resolvePlaceholders(String.valueOf(source.getProperty(name + "[" + i + "]"))));
                }
                return items.toString();
            }
        }
        return null;
    }

    /** For an environment that cannot list its sources: the plain value, else the list items. */
    private static String merged(Environment environment, String key) {
        String value = environment.getProperty(PREFIX + key);
        if (value != null) {
            return value;
        }
        StringBuilder items = new StringBuilder();
        for (int i = 0; ; i++) {
            String item = environment.getProperty(PREFIX + key + "[" + i + "]");
            if (item == null) {
                return i == 0 ? null : items.toString();
            }
            items.append(i == 0 ? "" : ",").append(item);
        }
    }
}
