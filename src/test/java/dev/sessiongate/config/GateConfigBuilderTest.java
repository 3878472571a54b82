package dev.sessiongate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code GateConfig.builder()}: the keys' defaults, typed settings on top, immutable results. */
class GateConfigBuilderTest {
    @Test
    void builderStartsFromTheDefaultsTheLoaderUses() {
        GateConfig loaded = ConfigLoader.load(null, Map.of());
        GateConfig built = GateConfig.builder().keySecret(loaded.keySecret()).build();
        assertThat(built).isEqualTo(loaded);
        assertThat(built.keySecretGenerated()).isTrue();
        assertThat(built.realm()).isEqualTo("SessionGate");
        assertThat(built.idleTimeout()).isEqualTo(Duration.ofSeconds(900));
    }

    @Test
    void aKeyWithoutThePasswordIsRefusedInCodeAsInTheFile() {
        // Else a cached session would answer any password of a user whose name is known.
        assertThatThrownBy(() -> GateConfig.builder().keyParts(java.util.List.of(
                dev.sessiongate.key.KeyPart.parse("client-ip"))).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("must include password");
    }

    @Test
    void typedSettingsReplaceDefaultsAndToBuilderCopies() {
        GateConfig config = GateConfig.builder()
                .realm("Partners")
                .usersFile(Path.of("users.htpasswd"))
                .requireGroups(Set.of("partners"))
                .idleTimeout(Duration.ofMinutes(10))
                .build();
        assertThat(config.realm()).isEqualTo("Partners");
        assertThat(config.requireGroups()).containsExactly("partners");
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        GateConfig copy = config.toBuilder().realm("Other").build();
        assertThat(copy.realm()).isEqualTo("Other");
        assertThat(copy.toBuilder().realm("Partners").build()).isEqualTo(config);
    }
}
