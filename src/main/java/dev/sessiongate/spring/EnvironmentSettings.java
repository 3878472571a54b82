package dev.sessiongate.spring;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.ConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

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
                    keys.add(fromVariable(name.substring(ENV_PREFIX.length())));
                }
            }
        }
        return keys;
    }

    /**
     * The key whose environment-variable spelling (upper case, {@code .} and {@code -} as
     * {@code _}) is {@code variable}; an unknown one in lower case with dots, so that the loader
     * names it when it refuses it.
     */
    private static String fromVariable(String variable) {
        for (String key : knownKeys()) {
            if (asVariable(key).equals(variable)) {
                return key;
            }
        }
        return variable.toLowerCase(Locale.ROOT).replace('_', '.');
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

    /** The value Spring resolves for {@code sessiongate.KEY}, or its list items joined with commas. */
    private static String value(Environment environment, String key) {
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
