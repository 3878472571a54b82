package dev.sessiongate.spring;

import dev.sessiongate.filter.SessionGate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Spring Boot auto-configuration: in a servlet web application whose environment has
 * {@code sessiongate.*} properties, a {@link SessionGate} filter configured from them on
 * {@code /*}, just before Spring Security's filter chain, and, with Spring Security on the class
 * path, a {@link SecurityContextBridge} between the two.
 *
 * <p>Only classes that Spring Boot 3.5 and 4.0 both have in the same place are used here
 * (Boot 4 moved Spring Security's auto-configuration, so its order constant is repeated below
 * rather than imported).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(FilterRegistrationBean.class)
@Conditional(SessionGateEnabledCondition.class)
public class SessionGateAutoConfiguration {
    /**
     * Spring Boot's {@code SecurityProperties.DEFAULT_FILTER_ORDER}: where Spring Security's
     * filter chain runs unless {@code spring.security.filter.order} moves it.
     */
    public static final int SPRING_SECURITY_ORDER = -100;
    /**
     * SessionGate's filter: before Spring Security, which must see the authenticated request, and
     * after Boot's character-encoding, observation, form-content and request-context filters
     * (-105), which do not need a user. At most 0, as a filter that wraps the request must be.
     */
    public static final int FILTER_ORDER = SPRING_SECURITY_ORDER - 2;
    /** The {@link SecurityContextBridge}: after SessionGate, before Spring Security. */
    public static final int BRIDGE_ORDER = SPRING_SECURITY_ORDER - 1;
    /** Whether {@link #sessionGate} made the filter (else the application's own bean is registered). */
    private boolean configured;

    /**
     * The filter, configured from the environment's {@code sessiongate.*} properties; an
     * application that defines its own {@code SessionGate} bean gets that registered instead.
     *
     * @throws dev.sessiongate.config.ConfigException when the configuration is invalid, with the
     *         loader's one-line message (an unknown key, a bad value)
     */
    @Bean
    @ConditionalOnMissingBean
    public SessionGate sessionGate(Environment environment) {
        configured = true;
        EnvironmentSettings settings = EnvironmentSettings.of(environment);
        SessionGate.Builder builder = SessionGate.builder();
        if (settings.configFile() != null) {
            builder.configFile(settings.configFile());
        }
        settings.settings().forEach(builder::set);
        return builder.build();
    }

    /**
     * Registers the filter on {@code /*} at {@link #FILTER_ORDER}. The container calls its
     * {@code destroy} when the application context closes and the web server stops.
     */
    @Bean
    @ConditionalOnMissingBean(name = "sessionGateFilterRegistration")
    public FilterRegistrationBean<SessionGate> sessionGateFilterRegistration(SessionGate sessionGate,
                                                                             Environment environment) {
        if (!configured) {
            // The application's own bean: the sessiongate.* properties do not reach it. Said, since a
            // policy.deny-users that silently does nothing is a door left open.
            java.util.Set<String> ignored = EnvironmentSettings.of(environment).settings().keySet();
            if (!ignored.isEmpty()) {
                org.slf4j.LoggerFactory.getLogger(SessionGateAutoConfiguration.class).warn(
                        "event=spring_properties_ignored keys={} message=\"the application defines its own SessionGate "
                        + "bean, which does not read sessiongate.* properties; set these on its builder or remove "
                        + "them\"", dev.sessiongate.util.Logfmt.value(String.join(",", ignored)));
            }
        }
        FilterRegistrationBean<SessionGate> registration = new FilterRegistrationBean<>(sessionGate);
        registration.setName("sessiongate");
        registration.setAsyncSupported(true);
        registration.addUrlPatterns("/*");
        registration.setOrder(FILTER_ORDER);
        return registration;
    }

    /** Spring Security's {@code SecurityContext} for SessionGate's users, when Spring Security is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.web.context.RequestAttributeSecurityContextRepository")
    static class SpringSecurityBridgeConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "sessionGateSecurityContextBridge")
        FilterRegistrationBean<SecurityContextBridge> sessionGateSecurityContextBridge(
                ObjectProvider<org.springframework.security.core.context.SecurityContextHolderStrategy> strategy) {
            FilterRegistrationBean<SecurityContextBridge> registration = new FilterRegistrationBean<>(
                    new SecurityContextBridge(strategy.getIfAvailable(
                            org.springframework.security.core.context.SecurityContextHolder::getContextHolderStrategy)));
            registration.setName("sessiongate-security-context");
            registration.setAsyncSupported(true);
            registration.addUrlPatterns("/*");
            registration.setOrder(BRIDGE_ORDER);
            return registration;
        }
    }
}
