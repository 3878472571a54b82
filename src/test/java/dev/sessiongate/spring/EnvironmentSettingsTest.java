package dev.sessiongate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessiongate.config.ConfigException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.AbstractEnvironment;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** How {@code sessiongate.*} properties of a Spring environment become SessionGate's keys. */
class EnvironmentSettingsTest {

    /** An environment with only the given sources, first = highest precedence (no system properties or variables). */
    private static ConfigurableEnvironment environment(MapPropertySource... sources) {
        ConfigurableEnvironment environment = new AbstractEnvironment() { };
        for (MapPropertySource source : sources) {
            environment.getPropertySources().addLast(source);
        }
        return environment;
    }

    private static MapPropertySource properties(String name, Map<String, Object> values) {
        return new MapPropertySource(name, values);
    }

    private static SystemEnvironmentPropertySource variables(Map<String, Object> values) {
        return new SystemEnvironmentPropertySource("systemEnvironment", values);
    }

    @Test
    void prefixedPropertiesBecomeTheKeysOfThePropertiesFile() {
        ConfigurableEnvironment environment = environment(properties("application", Map.of(
                "sessiongate.users.file", "/etc/users", "sessiongate.session.idle-timeout", "10m",
                "server.port", "8080")));

        assertThat(EnvironmentSettings.of(environment).settings())
                .isEqualTo(Map.of("users.file", "/etc/users", "session.idle-timeout", "10m"));
    }

    @Test
    void theSourceSpringRanksFirstWins() {
        ConfigurableEnvironment environment = environment(
                properties("command line", Map.of("sessiongate.realm", "Partners")),
                properties("application", Map.of("sessiongate.realm", "Default", "sessiongate.users.file", "/u")));

        assertThat(EnvironmentSettings.of(environment).settings())
                .containsEntry("realm", "Partners").containsEntry("users.file", "/u");
    }

    @Test
    void environmentVariablesNameTheirKeys() {
        ConfigurableEnvironment environment = environment(variables(Map.of(
                "SESSIONGATE_SESSION_IDLE_TIMEOUT", "5m", "SESSIONGATE_TRUSTED_PROXIES_HEADER", "X-Real-IP",
                "PATH", "/usr/bin")));

        assertThat(EnvironmentSettings.of(environment).settings())
                .isEqualTo(Map.of("session.idle-timeout", "5m", "trusted-proxies.header", "X-Real-IP"));
    }

    @Test
    void anEnvironmentVariableOutranksTheApplicationsProperty() {
        ConfigurableEnvironment environment = environment(variables(Map.of("SESSIONGATE_REALM", "From env")),
                properties("application", Map.of("sessiongate.realm", "From file")));

        assertThat(EnvironmentSettings.of(environment).settings()).isEqualTo(Map.of("realm", "From env"));
    }

    @Test
    void anEnvironmentVariableThatNamesNoKeyIsIgnoredNotRefused() {
        // A container's own SESSIONGATE_VERSION must neither stop start-up nor switch SessionGate on.
        ConfigurableEnvironment environment = environment(variables(Map.of("SESSIONGATE_VERSION", "1.2",
                "SESSIONGATE_REALM", "Partners")));

        assertThat(EnvironmentSettings.of(environment).settings()).isEqualTo(Map.of("realm", "Partners"));
        assertThat(EnvironmentSettings.enabled(environment(variables(Map.of("SESSIONGATE_VERSION", "1.2"))))).isFalse();
    }

    @Test
    void aMistypedPropertyReachesTheLoaderSoItIsRefused() {
        ConfigurableEnvironment environment = environment(properties("application.properties",
                Map.of("sessiongate.no-such", "x")));

        assertThat(EnvironmentSettings.of(environment).settings()).isEqualTo(Map.of("no-such", "x"));
    }

    @Test
    void yamlListsAreJoinedWithCommas() {
        ConfigurableEnvironment environment = environment(properties("application.yaml", Map.of(
                "sessiongate.policy.require-group[0]", "partners", "sessiongate.policy.require-group[1]", "admins")));

        assertThat(EnvironmentSettings.of(environment).settings())
                .isEqualTo(Map.of("policy.require-group", "partners,admins"));
    }

    @Test
    void configNamesThePropertiesFileAndEnabledIsNoKeyOfTheLoader() {
        ConfigurableEnvironment environment = environment(properties("application", Map.of(
                "sessiongate.config", "/etc/sessiongate/sessiongate.properties", "sessiongate.enabled", "true",
                "sessiongate.realm", "R")));

        EnvironmentSettings settings = EnvironmentSettings.of(environment);

        assertThat(settings.configFile()).isEqualTo(Path.of("/etc/sessiongate/sessiongate.properties"));
        assertThat(settings.settings()).isEqualTo(Map.of("realm", "R"));
    }

    @Test
    void enabledByAnySessiongatePropertyUnlessSwitchedOff() {
        assertThat(EnvironmentSettings.enabled(environment())).isFalse();
        assertThat(EnvironmentSettings.enabled(environment(properties("a", Map.of("server.port", "0"))))).isFalse();
        assertThat(EnvironmentSettings.enabled(environment(properties("a", Map.of("sessiongate.realm", "R"))))).isTrue();
        assertThat(EnvironmentSettings.enabled(environment(variables(Map.of("SESSIONGATE_USERS_FILE", "/u"))))).isTrue();
        assertThat(EnvironmentSettings.enabled(environment(properties("a",
                Map.of("sessiongate.realm", "R", "sessiongate.enabled", "false"))))).isFalse();
        assertThat(EnvironmentSettings.enabled(environment(properties("a", Map.of("sessiongate.enabled", "true"))))).isTrue();
    }

    @Test
    void enabledMustBeTrueOrFalse() {
        ConfigurableEnvironment environment = environment(properties("a", Map.of("sessiongate.enabled", "yes")));

        assertThatThrownBy(() -> EnvironmentSettings.enabled(environment)).isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration: sessiongate.enabled=yes: must be true or false");
    }

    @Test
    void everyKeyHasAnEnvironmentVariableOfItsOwn() {
        Set<String> variables = new HashSet<>();
        for (String key : EnvironmentSettings.knownKeys()) {
            assertThat(variables.add(EnvironmentSettings.asVariable(key))).as(key).isTrue();
        }
    }
}
