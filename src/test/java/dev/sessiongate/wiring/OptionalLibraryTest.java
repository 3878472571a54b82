package dev.sessiongate.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The optional libraries' coordinates come from the build; the filter's tests have them all. */
class OptionalLibraryTest {
    @Test
    void everyLibraryIsNamedByItsMavenCoordinatesFromThePom() {
        for (OptionalLibrary library : OptionalLibrary.values()) {
            assertThat(library.artifact()).as(library.name()).matches("[\\w.\\-]+:[\\w.\\-]+:\\d[\\w.\\-]*");
        }
        assertThat(OptionalLibrary.LDAP.missingMessage())
                .matches("ldap\\.url needs com\\.unboundid:unboundid-ldapsdk:\\d[\\w.]* on the class path");
        assertThat(OptionalLibrary.REDIS.missingMessage()).startsWith("store.redis-uri needs io.lettuce:lettuce-core:");
    }

    @Test
    void librariesOnTheClassPathArePresent() {
        for (OptionalLibrary library : OptionalLibrary.values()) {
            assertThat(library.present()).as(library.name()).isTrue();
        }
    }

    @Test
    void aConfiguredFeatureIsCheckedBeforeAnythingIsBuilt() {
        // Present here, so the check passes and the configuration's own problem is what is reported.
        GateConfig ldap = GateConfig.builder()
                .ldap(new GateConfig.Ldap(URI.create("ldap://127.0.0.1:9"), "uid={0},dc=example", null, null, null,
                        null, null, null, false, null, null, java.time.Duration.ofMillis(200)))
                .build();
        GateAssembly.requireLibraries(ldap, false);
        assertThatThrownBy(() -> GateAssembly.assemble(ldap, new GateAssembly.Plugins(null, null, null,
                com.github.benmanes.caffeine.cache.Ticker.systemTicker(), java.time.Clock.systemUTC())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("invalid configuration: ldap.url=");
    }
}
