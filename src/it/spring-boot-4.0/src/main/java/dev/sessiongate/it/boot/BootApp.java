package dev.sessiongate.it.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A Spring Boot application that only adds the SessionGate jar and {@code sessiongate.*}
 * properties: SessionGate authenticates, Spring Security authorises by SessionGate's groups.
 * {@code httpBasic()} stays on, as many applications have it, with a user store of Spring's own
 * that knows alice under another password, to show that Spring does not check the password a
 * second time.
 */
@SpringBootApplication
public class BootApp {

    public static void main(String[] args) {
        SpringApplication.run(BootApp.class, args);
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers("/partners/**").hasRole("partners")
                        .requestMatchers("/admins/**").hasAuthority("admins")
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                // Cookie-less API clients: no browser session to forge requests with.
                .csrf(csrf -> csrf.disable());
        return http.build();
    }

    @Bean
    UserDetailsService springUsers() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}spring-only-password").roles("spring").build());
    }
}
