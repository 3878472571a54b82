package dev.sessiongate.config;

/**
 * A configuration that SessionGate cannot start with. The message names the key and the value,
 * except for secret keys, whose value is never repeated.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    /** "invalid configuration: KEY=VALUE: WHY", the value redacted for secret keys. */
    public static ConfigException badValue(String key, String value, String why) {
        return new ConfigException("invalid configuration: " + key + "=" + printable(key, value) + ": " + why);
    }

    static String printable(String key, String value) {
        return ConfigKeys.isSecret(key) ? "<redacted>" : value;
    }
}
