package dev.sessiongate.key;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.WhoAmIServlet;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * SPEC §1.2: the client IP is the TCP peer unless the peer is a trusted proxy; then the
 * right-most untrusted hop of {@code Forwarded} or {@code X-Forwarded-For}.
 */
class ClientIpTest {

    @Test
    void untrustedPeerCannotSpoofItsAddress() {
        try (GateServer server = start("10.0.0.0/8,fd00::/8")) {
            assertThat(clientIp(server.request().header("X-Forwarded-For", "203.0.113.9"))).isEqualTo("127.0.0.1");
            assertThat(clientIp(server.request().header("Forwarded", "for=203.0.113.9"))).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void trustedPeerPassesOnTheRightMostUntrustedHop() {
        try (GateServer server = start("127.0.0.1/32, 198.51.100.0/24")) {
            RequestSpecification spoofed = server.request().header("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 198.51.100.7");
            assertThat(clientIp(spoofed)).isEqualTo("203.0.113.9");
            assertThat(clientIp(server.request().header("X-Forwarded-For", "203.0.113.9:5555"))).isEqualTo("203.0.113.9");
            assertThat(clientIp(server.request())).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void forwardedIsPreferredAndMayCarryIpv6() {
        try (GateServer server = start("127.0.0.1/32")) {
            RequestSpecification both = server.request()
                    .header("X-Forwarded-For", "203.0.113.1")
                    .header("Forwarded", "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"");
            assertThat(clientIp(both)).isEqualTo("2001:db8:cafe::17");
        }
    }

    @Test
    void garbageHopStopsAtTheLastTrustedProxy() {
        try (GateServer server = start("127.0.0.1/32")) {
            assertThat(clientIp(server.request().header("X-Forwarded-For", "6.6.6.6, not-an-ip"))).isEqualTo("127.0.0.1");
            assertThat(clientIp(server.request().header("Forwarded", "for=unknown"))).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void ipv6PeerIsMatchedAgainstIpv6Networks() throws Exception {
        assumeTrue(ipv6LoopbackWorks(), "no IPv6 loopback on this machine");
        try (GateServer server = start("::1/128")) {
            RequestSpecification viaIpv6 = RestAssured.given().baseUri("http://[::1]").port(server.port())
                    .header("X-Forwarded-For", "2001:db8::42");
            assertThat(clientIp(viaIpv6)).isEqualTo("2001:db8::42");
        }
    }

    @Test
    void cidrParsingAcceptsNetworksAndRejectsGarbage() {
        assertThat(Cidr.parse("10.0.0.0/8").contains("10.200.3.4")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains("11.0.0.1")).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db8:ffff::1")).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains("2001:db9::1")).isFalse();
        assertThat(Cidr.parse("192.0.2.1").contains("192.0.2.1")).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains("::1")).isFalse();
        for (String bad : new String[] {"10.0.0.0/33", "10.0.0/8", "256.1.1.1", "example.com", "10.0.0.0/x", "::1/129", ""}) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static boolean ipv6LoopbackWorks() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static GateServer start(String trustedProxies) {
        return GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", trustedProxies)
                .authenticator(new AcceptingAuthenticator())
                .build(), context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    private static String clientIp(RequestSpecification request) {
        return request.header("Authorization", basic("alice", "ok")).get("/api/whoami")
                .then().statusCode(200).extract().jsonPath().getString("remoteAddr");
    }
}
