package dev.sessiongate.it.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sessiongate.filter.SessionGate;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.ConfigurableApplicationContext;

/** Start-up and shut-down of the application, each in a context of its own. */
class BootStartupTest {

    private static SpringApplicationBuilder app(String... properties) {
        return new SpringApplicationBuilder(BootApp.class).properties("server.port=0").properties(properties);
    }

    @Test
    void unknownSessionGateKeyStopsStartUpWithTheLoadersMessage() {
        Throwable failure = catchThrowable(() -> app("sessiongate.foo=bar").run().close());

        assertThat(failure).isNotNull();
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertThat(root).hasMessage("unknown configuration key: foo=bar (see README.md for the keys)");
    }

    @Test
    void sessiongateEnabledFalseLeavesAuthenticationToSpringSecurity() throws Exception {
        try (ConfigurableApplicationContext context = app("sessiongate.enabled=false").run()) {
            assertThat(context.getBeansOfType(SessionGate.class)).isEmpty();
            HttpResponse<String> response = Http.get(port(context), "/me", null, null);

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Realm\"");
        }
    }

    @Test
    void applicationsOwnSessionGateBeanReplacesTheConfiguredOneInTheSamePlace() throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(BootApp.class, OwnGate.class)
                .properties("server.port=0").run()) {
            assertThat(context.getBeansOfType(SessionGate.class)).containsOnlyKeys("partnersGate");
            HttpResponse<String> challenge = Http.get(port(context), "/me", null, null);
            HttpResponse<String> alice = Http.get(port(context), "/partners/me", "alice", "alice-secret");

            assertThat(challenge.headers().allValues("WWW-Authenticate"))
                    .containsExactly("Basic realm=\"Own gate\", charset=\"UTF-8\"");
            assertThat(alice.statusCode()).isEqualTo(200);
            assertThat(Http.fields(alice)).containsEntry("authentication", "alice");
        }
    }

    /** An application's own filter (not a @Configuration, so that component scanning leaves it to this test). */
    static class OwnGate {
        @Bean
        SessionGate partnersGate() {
            return SessionGate.builder().set("users.file", "src/test/resources/users.htpasswd")
                    .set("groups.file", "src/test/resources/users.htgroup").set("realm", "Own gate").build();
        }
    }

    @Test
    void closingTheContextStopsTheFilterAndItsThreads() throws Exception {
        Set<Thread> before = gateThreads();
        ConfigurableApplicationContext context = app().run();
        try {
            assertThat(Http.get(port(context), "/me", "alice", "alice-secret").statusCode()).isEqualTo(200);
            assertThat(gateThreads()).isNotEqualTo(before);
        } finally {
            context.close();
        }
        // The container destroys the filter as the web server stops; its threads end with it.
        long deadline = System.nanoTime() + 10_000_000_000L;
        Set<Thread> left = newThreads(before);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = newThreads(before);
        }
        assertThat(left).isEmpty();
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    private static Set<Thread> newThreads(Set<Thread> before) {
        Set<Thread> now = gateThreads();
        now.removeAll(before);
        return now;
    }

    private static Set<Thread> gateThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith("sessiongate-"))
                .collect(Collectors.toSet());
    }
}
