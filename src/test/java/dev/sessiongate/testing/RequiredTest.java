package dev.sessiongate.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing program skips a test on a developer's machine and fails it on CI. */
class RequiredTest {
    @Test
    void aMissingProgramFailsUnderCiAndIsSkippedElsewhere() {
        assertThatThrownBy(() -> Required.program(false, "redis-server", "true"))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("redis-server is missing and CI=true");
        assertThatThrownBy(() -> Required.program(false, "redis-server", "TRUE")).isInstanceOf(AssertionFailedError.class);
        assertThatThrownBy(() -> Required.program(false, "chromium", null)).isInstanceOf(TestAbortedException.class);
        assertThatThrownBy(() -> Required.program(false, "chromium", "false")).isInstanceOf(TestAbortedException.class);
        assertThatCode(() -> Required.program(true, "chromium", "true")).doesNotThrowAnyException();
    }
}
