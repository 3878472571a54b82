package dev.sessiongate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Spring's precedence between property sources holds for lists too: a YAML list in a higher source
 * (application-prod.yaml, the command line) beats a plain value in a lower one
 * (application.properties), and the other way round. Found by an attack review: an empty
 * {@code policy.require-group=} below {@code [partners]} required no group at all.
 */
class ListPrecedenceTest {
    private static Map<String, String> settings(Map<String, Object> higher, Map<String, Object> lower) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application.properties", lower));
        environment.getPropertySources().addFirst(new MapPropertySource("application-prod.yaml", higher));
        return EnvironmentSettings.of(environment).settings();
    }

    @Test
    void higherListOfRequiredGroupsBeatsLowerEmptyScalar() {
        Map<String, String> settings = settings(Map.of("sessiongate.policy.require-group[0]", "partners"),
                Map.of("sessiongate.policy.require-group", ""));
        assertThat(settings.get("policy.require-group")).isEqualTo("partners");
    }

    @Test
    void higherScalarBeatsLowerList() {
        Map<String, String> settings = settings(Map.of("sessiongate.policy.deny-users", "mallory,eve,trent"),
                Map.of("sessiongate.policy.deny-users[0]", "mallory"));
        assertThat(settings.get("policy.deny-users")).isEqualTo("mallory,eve,trent");
    }

    @Test
    void higherListOfDeniedUsersBeatsLowerScalar() {
        Map<String, String> settings = settings(Map.of("sessiongate.policy.deny-users[0]", "mallory",
                "sessiongate.policy.deny-users[1]", "eve"), Map.of("sessiongate.policy.deny-users", "mallory"));
        assertThat(settings.get("policy.deny-users")).isEqualTo("mallory,eve");
    }
}
