package dev.sessiongate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessiongate.key.KeyPart;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.util.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §6 and issue 3 point 4: one configuration, and start-up errors that name key and value. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsFollowTheSpec() {
        GateConfig config = ConfigLoader.load(null, Map.of());
        assertThat(config.realm()).isEqualTo("SessionGate");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.keyParts()).extracting(KeyPart::toString).containsExactly("password", "client-ip", "path");
        assertThat(config.stripCookies()).containsExactlyInAnyOrder("jsessionid", "mrhsession", "lastmrh_session",
                "apbalanceid", "amlbcookie", "iplanetdirectorypro");
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(900));
        assertThat(config.maxLifetime()).isEqualTo(Duration.ofSeconds(28800));
        assertThat(config.maxSessions()).isEqualTo(100_000);
        assertThat(config.trustedProxies()).isEmpty();
    }

    @Test
    void generatedSecretIsLoggedAsNotSurvivingARestart() {
        try (LogCapture log = new LogCapture()) {
            GateConfig config = ConfigLoader.load(null, Map.of());
            assertThat(config.keySecretGenerated()).isTrue();
            assertThat(log.text()).contains("event=key_secret_generated").contains("do not survive a restart");
        }
        assertThat(ConfigLoader.load(null, Map.of("key.secret", Fixtures.SECRET)).keySecretGenerated()).isFalse();
    }

    @Test
    void attributeLimitsTakeBytesOrBinaryUnitsAndRefuseBadValuesByName() {
        GateConfig.Cluster defaults = ConfigLoader.load(null, Map.of("store.redis-uri", "redis://127.0.0.1:1")).cluster();
        assertThat(defaults.attributeMaxBytes()).isEqualTo(64 * 1024);
        assertThat(defaults.attributesMaxBytes()).isEqualTo(1024 * 1024);
        GateConfig.Cluster set = ConfigLoader.load(null, Map.of("store.redis-uri", "redis://127.0.0.1:1",
                "session.attribute-max-bytes", "4096", "session.attributes-max-bytes", "2MiB")).cluster();
        assertThat(set.attributeMaxBytes()).isEqualTo(4096);
        assertThat(set.attributesMaxBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(ConfigLoader.load(null, Map.of("store.redis-uri", "redis://127.0.0.1:1",
                "session.attribute-max-bytes", "8k")).cluster().attributeMaxBytes()).isEqualTo(8192);

        for (String bad : new String[] {"lots", "0", "-1", "64KB", "1GiB", "999999999999"}) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("session.attribute-max-bytes", bad)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("invalid configuration: session.attribute-max-bytes=" + bad + ": ");
        }
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("store.redis-uri", "redis://127.0.0.1:1",
                "session.attribute-max-bytes", "2MiB")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("session.attribute-max-bytes=2MiB: must not exceed session.attributes-max-bytes");
    }

    @Test
    void durationsAcceptSecondsUnitsAndIso() {
        assertThat(idle("900")).isEqualTo(Duration.ofMinutes(15));
        assertThat(idle("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(idle("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(idle("8h")).isEqualTo(Duration.ofHours(8));
        assertThat(idle("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(idle("PT15M")).isEqualTo(Duration.ofMinutes(15));
        assertThat(idle("1500ms")).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void propertiesFileWithRelativePathsAndOverrides() throws IOException {
        Files.copy(Fixtures.USERS, dir.resolve("users.htpasswd"));
        Path file = dir.resolve("gate.properties");
        Files.writeString(file, "realm=From file\nusers.file=users.htpasswd\nport=9000\n"
                + "trusted-proxies=10.0.0.0/8, fd00::/8\nkey.parts=password,method,header:X-Tenant,path-prefix:2\n");
        GateConfig config = ConfigLoader.forArguments(new String[] {"--config", file.toString(), "--port=9100"}, Path.of("nope"));
        assertThat(config.realm()).isEqualTo("From file");
        assertThat(config.port()).isEqualTo(9100);
        assertThat(config.usersFile()).isEqualTo(dir.resolve("users.htpasswd"));
        assertThat(config.trustedProxies()).hasSize(2);
        assertThat(config.keyParts()).extracting(KeyPart::toString)
                .containsExactly("password", "method", "header:X-Tenant", "path-prefix:2");
    }

    @Test
    void unknownKeyStopsStartUpNamingIt() {
        assertError(Map.of("sesion.idle-timeout", "10"), "unknown configuration key: sesion.idle-timeout=10");
    }

    @Test
    void badNumberNamesKeyAndValue() {
        assertError(Map.of("sessions.max", "lots"), "sessions.max=lots", "not a whole number");
        assertError(Map.of("port", "70000"), "port=70000", "between 0 and 65535");
        assertError(Map.of("sessions.max", "0"), "sessions.max=0");
    }

    @Test
    void badDurationNamesKeyAndValue() {
        assertError(Map.of("session.idle-timeout", "soon"), "session.idle-timeout=soon", "not a duration");
        assertError(Map.of("session.max-lifetime", "-5"), "session.max-lifetime=-5");
        assertError(Map.of("session.idle-timeout", "0"), "session.idle-timeout=0", "positive");
        assertError(Map.of("session.idle-timeout", "5 weeks"), "session.idle-timeout=5 weeks");
    }

    @Test
    void missingOrUnreadableUsersFileNamesKeyAndValue() throws IOException {
        assertError(Map.of("users.file", "/no/such/users"), "users.file=/no/such/users", "no such file");
        assertError(Map.of("groups.file", dir.toString()), "groups.file=" + dir, "no such file");
        Path locked = Files.writeString(dir.resolve("locked"), "x:y\n");
        if (locked.toFile().setReadable(false) && !Files.isReadable(locked)) {
            assertError(Map.of("users.file", locked.toString()), "users.file=" + locked, "not readable");
        }
    }

    @Test
    void badCidrNamesKeyAndValue() {
        assertError(Map.of("trusted-proxies", "10.0.0.0/8, 300.1.1.1/8"), "trusted-proxies=10.0.0.0/8, 300.1.1.1/8",
                "'300.1.1.1' is not an IPv4 or IPv6 address");
        assertError(Map.of("trusted-proxies", "10.0.0.0/40"), "trusted-proxies=10.0.0.0/40", "prefix length");
        assertError(Map.of("trusted-proxies", "proxy.example.com"), "trusted-proxies=proxy.example.com");
    }

    @Test
    void keyPartsMustIncludeThePasswordAndBeKnown() {
        assertError(Map.of("key.parts", "client-ip,path"), "key.parts=client-ip,path", "must include password");
        assertError(Map.of("key.parts", "password,cookie"), "key.parts=password,cookie", "unknown key part 'cookie'");
        assertError(Map.of("key.parts", "password,path-prefix:x"), "path-prefix");
    }

    @Test
    void shortSecretIsRefusedWithoutRepeatingIt() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("key.secret", "tooshort")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key.secret=<redacted>")
                .hasMessageContaining("too short")
                .hasMessageNotContaining("tooshort");
    }

    @Test
    void theRedisUriIsCheckedButNeverRepeatedSinceItMayHoldAPassword() {
        assertError(Map.of("store.redis-uri", "http://:hunter2@localhost"), "store.redis-uri=<redacted>", "redis://");
        assertError(Map.of("store.redis-uri", "redis://localhost", "tokens.file", "tokens.json"),
                "tokens.file=tokens.json", "API tokens live in Redis");
        GateConfig config = ConfigLoader.load(null, Map.of("store.redis-uri", "redis://:hunter2@cache:6380/0"));
        assertThat(config.cluster().where()).isEqualTo("cache:6380");
        assertThat(config.cluster().toString()).doesNotContain("hunter2");
        assertThat(config.node()).endsWith(":8080");
    }

    @Test
    void sentinelAndRedisClusterUrisAreReadAndLoggedWithoutTheirPassword() {
        GateConfig sentinel = ConfigLoader.load(null,
                Map.of("store.redis-uri", "redis-sentinel://:hunter2@s1:26379,s2,s3:26380/0#sessions"));
        assertThat(sentinel.cluster().where()).isEqualTo("s1:26379,s2:26379,s3:26380#sessions");
        assertThat(sentinel.cluster().sentinel()).isTrue();
        assertThat(sentinel.cluster().replicated()).isTrue();
        assertThat(sentinel.cluster().redisCluster()).isFalse();
        assertThat(sentinel.cluster().toString()).doesNotContain("hunter2");

        GateConfig cluster = ConfigLoader.load(null, Map.of("store.redis-uri", "redis://:hunter2@r1:7000,r2:7001",
                "store.redis-cluster", "true"));
        assertThat(cluster.cluster().where()).isEqualTo("r1:7000,r2:7001");
        assertThat(cluster.cluster().redisCluster()).isTrue();
        assertThat(cluster.cluster().replicated()).isTrue();
        assertThat(cluster.cluster().toString()).doesNotContain("hunter2");

        GateConfig single = ConfigLoader.load(null, Map.of("store.redis-uri", "redis://cache"));
        assertThat(single.cluster().replicated()).isFalse();
        assertThat(single.cluster().where()).isEqualTo("cache:6379");

        for (String uri : List.of("redis://:Sup3r#Secretpw@127.0.0.1:19379", "redis://:Sup3r?Secret@cache",
                "redis-sentinel://:Sup/3r@s1:26379#p")) {
            assertError(Map.of("store.redis-uri", uri), "store.redis-uri=<redacted>", "percent-encoded");
        }
        // A password holding the characters that end a URI's parts is still cut off whole.
        for (String uri : List.of("redis://:hun#ter2@cache:6380", "redis-sentinel://:h/u?n,t#er2@s1:26379#p",
                "redis://u:hunter2#@cache")) {
            GateConfig.Cluster odd = new GateConfig.Cluster(uri, java.time.Duration.ofSeconds(1));
            assertThat(odd.where()).doesNotContain("hun").doesNotContain("er2");
            assertThat(odd.describe()).doesNotContain("hun").doesNotContain("er2").startsWith("redis");
        }
        assertThat(sentinel.cluster().describe()).isEqualTo("redis-sentinel://s1:26379,s2:26379,s3:26380#sessions");
        assertThat(cluster.cluster().describe()).isEqualTo("redis-cluster://r1:7000,r2:7001");

        assertError(Map.of("store.redis-uri", "redis-sentinel://:hunter2@s1:26379"), "store.redis-uri=<redacted>",
                "#primaryName");
        assertError(Map.of("store.redis-uri", "redis://:hunter2@r1:7000,r2:7001"), "store.redis-uri=<redacted>",
                "store.redis-cluster=true");
        assertError(Map.of("store.redis-uri", "redis-sentinel://s1#p", "store.redis-cluster", "true"),
                "store.redis-uri=<redacted>", "seed nodes");
        assertError(Map.of("store.redis-uri", "redis://r1", "store.redis-cluster", "yes"),
                "store.redis-cluster=yes", "true or false");
        assertError(Map.of("store.redis-uri", "redis://:hunter2@"), "store.redis-uri=<redacted>", "no host");
    }

    @Test
    void ldapSettingsAreCheckedAndTheBindPasswordNeverRepeated() {
        assertError(Map.of("ldap.url", "ldap://directory"), "ldap.url=ldap://directory",
                "exactly one of ldap.user-dn-pattern and ldap.search-base");
        assertError(Map.of("ldap.url", "http://directory", "ldap.search-base", "dc=x"), "ldap:// or ldaps://");
        assertError(Map.of("ldap.url", "ldap://d", "ldap.user-dn-pattern", "uid=x,dc=y"), "must contain {0}");
        GateConfig config = ConfigLoader.load(null, Map.of("ldap.url", "ldaps://d", "ldap.search-base", "dc=x",
                "ldap.bind-password", "very-secret-password"));
        assertThat(config.ldap().searchFilter()).isEqualTo("(uid={0})");
        assertThat(config.toString()).doesNotContain("very-secret-password");
    }

    @Test
    void upstreamSettingsAreCheckedAndNamed() {
        GateConfig config = ConfigLoader.load(null, Map.of("upstream.url", "https://backend.example:8443/app",
                "upstream.timeout", "2m", "upstream.pass-cookies", "TRUE"));
        assertThat(config.upstream().url().toString()).isEqualTo("https://backend.example:8443/app");
        assertThat(config.upstream().timeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.upstream().passCookies()).isTrue();
        assertThat(config.upstream().forwardAuthorization()).isTrue();
        assertThat(ConfigLoader.load(null, Map.of()).upstream()).isNull();
        assertError(Map.of("upstream.url", "ftp://backend"), "upstream.url=ftp://backend", "http:// or https://");
        assertError(Map.of("upstream.url", "http://backend/?x=1"), "upstream.url=http://backend/?x=1", "no query");
        assertError(Map.of("upstream.url", "http://bad host"), "upstream.url=http://bad host", "not a URL");
        assertError(Map.of("upstream.url", "http://b", "upstream.pass-cookies", "yes"), "upstream.pass-cookies=yes",
                "true or false");
        assertError(Map.of("upstream.url", "http://b", "upstream.connect-timeout", "0"), "upstream.connect-timeout=0");
    }

    @Test
    void shortAdminTokenIsRefusedWithoutRepeatingIt() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("admin.token", "letmein")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("admin.token=<redacted>")
                .hasMessageNotContaining("letmein");
    }

    @Test
    void unknownCommandLineArgumentIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.forArguments(new String[] {"--verbose"}, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown argument '--verbose'");
    }

    @Test
    void unreadableConfigFileIsNamed() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.properties"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.properties");
    }

    @Test
    void secretIsRedactedInTheRecord() {
        GateConfig config = ConfigLoader.load(null, Map.of("key.secret", Fixtures.SECRET));
        assertThat(config.toString()).doesNotContain(Fixtures.SECRET).contains("Secret[redacted]");
    }

    private static Duration idle(String value) {
        return ConfigLoader.load(null, Map.of("session.idle-timeout", value)).idleTimeout();
    }

    private static void assertError(Map<String, String> settings, String... fragments) {
        assertThatThrownBy(() -> ConfigLoader.load(null, settings))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
    }
}
