package dev.sessiongate.spring;

import dev.sessiongate.config.ConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a SessionGate configuration error, wherever Spring wrapped it, into Boot's
 * "APPLICATION FAILED TO START" report with the loader's one line (never a secret: the loader
 * redacts secret values).
 */
final class ConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        return new FailureAnalysis("SessionGate: " + cause.getMessage(),
                "Correct the sessiongate.* properties (the keys of SessionGate's properties file, "
                        + "listed in its README), or set sessiongate.enabled=false.", cause);
    }
}
