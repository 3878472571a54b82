package dev.sessiongate.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.auth.Identity;
import dev.sessiongate.key.UserKey;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The compact fields of a session give back what they were given. */
class SessionTest {
    private static final Identity ALICE = new Identity("alice", Set.of(), "");

    @Test
    void clientIpIsGivenBackAsItWasGiven() {
        for (String ip : new String[] {"192.0.2.10", "10.0.0.1", "255.255.255.255", "1.2.3.4", "0.0.0.0",
                "2001:db8::1", "::1", "010.1.1.1", "1.2.3", "1.2.3.4.5", "unknown", "256.1.1.1"}) {
            assertThat(new Session(new UserKey(1, 2, 3, 4), ALICE, ip, 0, 0).clientIp()).isEqualTo(ip);
        }
    }

    @Test
    void ipv4IsPackedIntoAnInt() {
        assertThat(Session.Ipv4.pack("192.0.2.10")).isEqualTo(0xC000020A);
        assertThat(Session.Ipv4.pack("2001:db8::1")).isZero();
        assertThat(Session.Ipv4.format(0xC000020A)).isEqualTo("192.0.2.10");
    }

    @Test
    void firstTouchIsTheNewOne() {
        Session session = new Session(new UserKey(1, 2, 3, 4), ALICE, "192.0.2.10", 5_000, 7_000_000);
        assertThat(session.touch(10_000_000)).isEqualTo(1);
        assertThat(session.touch(27_000_000)).isEqualTo(2);
        assertThat(session.lastAccessedAt()).as("wall clock, from the ticker's difference").isEqualTo(5_020);
        assertThat(session.requests()).isEqualTo(2);
    }

    @Test
    void aLazyAttributeIsReplacedByItsValueButStaysWhileItsValueCannotBeKnown() {
        Session session = new Session(new UserKey(1, 2, 3, 4), ALICE, "192.0.2.10", 0, 0);
        AtomicInteger loads = new AtomicInteger();
        boolean[] reachable = {false};
        session.attributes().put("flag", (LazyAttribute) () -> {
            loads.incrementAndGet();
            return reachable[0] ? null : new LazyAttribute.Meanwhile("yes");
        });
        assertThat(session.attribute("flag")).as("the last value known, for now").isEqualTo("yes");
        assertThat(session.attribute("flag")).isEqualTo("yes");
        assertThat(loads).as("asked again each time").hasValue(2);
        reachable[0] = true;
        assertThat(session.attribute("flag")).as("gone where it is kept").isNull();
        assertThat(session.attributes()).doesNotContainKey("flag");

        session.attributes().put("greeting", (LazyAttribute) () -> "hello");
        assertThat(session.attribute("greeting")).isEqualTo("hello");
        assertThat(session.attributes().get("greeting")).as("replaced by its value").isEqualTo("hello");
    }
}
