package dev.sessiongate.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A program the tests need from the machine (redis-server, Chromium, ChromeDriver). Where it is
 * missing the test is skipped on a developer's machine, but fails when the environment variable
 * {@code CI=true} is set, as {@code .ci/run} sets it: on CI a skipped suite would pass without
 * having tested anything.
 */
public final class Required {
    private Required() {
    }

    /** Skips the calling test, or fails it under {@code CI=true}, unless {@code present}. */
    public static void program(boolean present, String what) {
        program(present, what, System.getenv("CI"));
    }

    static void program(boolean present, String what, String ci) {
        if (present) {
            return;
        }
        if ("true".equalsIgnoreCase(ci)) {
            fail(what + " is missing and CI=true: on CI every test must run (.ci/run installs it)");
        }
        assumeTrue(false, what + " is missing: test skipped (with CI=true it fails instead)");
    }

    /** The path in system property {@code property}, else {@code fallback}: lets a run point at another build. */
    public static String path(String property, String fallback) {
        String configured = System.getProperty(property);
        return configured == null || configured.isEmpty() ? fallback : configured;
    }
}
