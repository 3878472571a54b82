package dev.sessiongate.filter;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 3: a spray of wrong passwords from one address writes a line and a count per
 * kind and minute, not a line (or two) per request.
 */
class LogVolumeTest {

    @Test
    void aPasswordSprayFromOneAddressIsCountedNotLoggedLineByLine() {
        List<String> lines;
        try (LogCapture log = new LogCapture()) {
            try (GateServer server = GateServer.start(SessionGate.builder().set("key.secret", Fixtures.SECRET)
                    .set("auth.max-failures", "1000").authenticator(new AcceptingAuthenticator()).build())) {
                for (int i = 0; i < 40; i++) {
                    server.request().header("Authorization", basic("user" + i, "wrong")).post("/api/x")
                            .then().statusCode(401);
                }
                log.await("event=response status=401");
            }
            lines = log.lines(); // the server has stopped: the counts are written
        }
        assertThat(lines.stream().filter(l -> l.contains("event=auth_failed "))).hasSize(1);
        assertThat(lines.stream().filter(l -> l.contains("event=response "))).hasSize(1);
        assertThat(lines).anyMatch(l -> l.contains("event=auth_failed_repeated clientIp=127.0.0.1 count=39"));
        assertThat(lines).anyMatch(l -> l.contains("event=responses_repeated status=401 clientIp=127.0.0.1 count=39"));
        assertThat(lines.size()).isLessThan(12);
    }
}
