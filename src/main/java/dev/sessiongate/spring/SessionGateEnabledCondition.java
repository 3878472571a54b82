package dev.sessiongate.spring;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the environment configures SessionGate: {@code sessiongate.enabled=true}, or any
 * {@code sessiongate.*} property (or {@code SESSIONGATE_*} environment variable) without
 * {@code sessiongate.enabled=false}. A plain Spring condition, the same in every Boot version.
 */
final class SessionGateEnabledCondition implements Condition {

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return EnvironmentSettings.enabled(context.getEnvironment());
    }
}
