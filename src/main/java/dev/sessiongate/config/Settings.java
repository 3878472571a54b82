package dev.sessiongate.config;

import dev.sessiongate.key.Cidr;
import dev.sessiongate.key.KeyPart;
import dev.sessiongate.util.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Typed access to the settings; each failure names the key and the value. */
final class Settings {
    private static final int MIN_SECRET_LENGTH = 16;

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

    /** A duration from zero (off) to {@code max}, as the standalone's {@code warmup}. */
    Duration durationUpTo(String key, Duration max) {
        try {
            if (Durations.parse(settings.get(key)).isZero()) {
                return Duration.ZERO;
            }
        } catch (RuntimeException e) {
            // duration(key) says what is wrong with it
        }
        Duration duration = duration(key);
        if (duration.compareTo(max) > 0) {
            throw ConfigException.badValue(key, settings.get(key), "at most " + max.toSeconds() + "s");
        }
        return duration;
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

    GateConfig.ClientAuth clientAuth() {
        String value = settings.get("tls.client-auth");
        switch (value.toLowerCase(Locale.ROOT)) {
            case "none": return GateConfig.ClientAuth.NONE;
            case "want": return GateConfig.ClientAuth.WANT;
            case "need": return GateConfig.ClientAuth.NEED;
            default: throw ConfigException.badValue("tls.client-auth", value, "must be none, want or need");
        }
    }

    GateConfig.EncodedSlash encodedSlash() {
        String value = settings.get("upstream.encoded-slash");
        switch (value.toLowerCase(Locale.ROOT)) {
            case "forward": return GateConfig.EncodedSlash.FORWARD;
            case "reject": return GateConfig.EncodedSlash.REJECT;
            default: throw ConfigException.badValue("upstream.encoded-slash", value, "must be forward or reject");
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

    /**
     * An HTTP header name (an RFC 9110 token); never {@code Authorization} or {@code Cookie},
     * whose values are secrets a careless setting would otherwise put into the client IP.
     */
    String headerName(String key) {
        String value = settings.get(key).trim();
        if (value.isEmpty() || !value.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c)
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
            throw ConfigException.badValue(key, value, "must be a header name such as X-Forwarded-For or Forwarded");
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.equals("authorization") || lower.equals("proxy-authorization") || lower.equals("cookie")) {
            throw ConfigException.badValue(key, value, "must be the header your proxy writes the client address into");
        }
        return value;
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
