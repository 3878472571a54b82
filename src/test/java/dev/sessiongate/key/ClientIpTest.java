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
 * SPEC §1.2 and §7: the client IP is the TCP peer unless the peer is a trusted proxy; then the
 * right-most untrusted hop of the one header named by {@code trusted-proxies.header}.
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
    void onlyTheConfiguredHeaderCountsAndForwardedMayCarryIpv6() {
        RequestSpecification both;
        try (GateServer server = start("127.0.0.1/32", "trusted-proxies.header", "Forwarded")) {
            both = server.request()
                    .header("X-Forwarded-For", "203.0.113.1")
                    .header("Forwarded", "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"");
            assertThat(clientIp(both)).isEqualTo("2001:db8:cafe::17");
        }
        try (GateServer server = start("127.0.0.1/32")) {
            both = server.request()
                    .header("X-Forwarded-For", "203.0.113.1")
                    .header("Forwarded", "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"");
            assertThat(clientIp(both)).isEqualTo("203.0.113.1");
        }
        try (GateServer server = start("127.0.0.1/32", "trusted-proxies.header", "X-Real-IP")) {
            both = server.request().header("X-Forwarded-For", "203.0.113.1").header("X-Real-IP", "198.51.100.4");
            assertThat(clientIp(both)).isEqualTo("198.51.100.4");
        }
    }

    /**
     * Issue 12 point 4: behind a proxy that appends only X-Forwarded-For, a client's own
     * Forwarded header chose its IP and so escaped the throttle; now every forged value is ignored.
     */
    @Test
    void aForgedForwardedHeaderDoesNotEscapeTheThrottle() {
        try (GateServer server = GateServer.start(SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", "127.0.0.1/32")
                .set("users.file", Fixtures.USERS.toString())
                .set("auth.max-failures", "5")
                .build())) {
            int throttled = 0;
            for (int i = 0; i < 7; i++) {
                int status = server.request()
                        .header("X-Forwarded-For", "203.0.113.9")
                        .header("Forwarded", "for=10.9.8." + i)
                        .header("X-Real-IP", "10.9.7." + i)
                        .header("Authorization", basic("bcrypt-2y", "wrong-" + i))
                        .post("/api/x").statusCode();
                assertThat(status).isIn(401, 429);
                throttled += status == 429 ? 1 : 0;
            }
            assertThat(throttled).isEqualTo(2);
        }
    }

    /**
     * Found by the attack review: a quote the client leaves open swallowed the element a trusted
     * proxy appended ({@code for=6.6.6.6;x=", for=<real>}), so the forgery was the last hop.
     */
    @Test
    void anOpenQuoteInForwardedIsNoClientAddress() {
        try (GateServer server = start("127.0.0.1/32", "trusted-proxies.header", "Forwarded")) {
            assertThat(clientIp(server.request().header("Forwarded", "for=10.9.1.1;x=\", for=9.9.9.201")))
                    .isEqualTo("127.0.0.1");
            assertThat(clientIp(server.request().header("Forwarded", "for=\"[2001:db8::1]:80\", for=9.9.9.201")))
                    .isEqualTo("9.9.9.201");
        }
    }

    @Test
    void addressesAreCanonical() {
        try (GateServer server = start("127.0.0.1/32")) {
            assertThat(clientIp(server.request().header("X-Forwarded-For", "::ffff:1.2.3.4"))).isEqualTo("1.2.3.4");
            assertThat(clientIp(server.request().header("X-Forwarded-For", "001.002.003.004"))).isEqualTo("1.2.3.4");
            assertThat(clientIp(server.request().header("X-Forwarded-For", "2001:DB8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
            assertThat(clientIp(server.request().header("X-Forwarded-For", "[2001:db8::0:1]:80"))).isEqualTo("2001:db8::1");
            assertThat(clientIp(server.request().header("X-Forwarded-For", "fe80::1%eth0"))).isEqualTo("fe80::1");
        }
        assertThat(IpAddresses.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(IpAddresses.canonical("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpAddresses.canonical("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1");
        assertThat(IpAddresses.canonical("1:2:3:4:5:6:7:0")).isEqualTo("1:2:3:4:5:6:7:0");
        assertThat(IpAddresses.canonical("::")).isEqualTo("::");
        assertThat(IpAddresses.canonical("10.0.0.0")).isEqualTo("10.0.0.0");
        assertThat(IpAddresses.canonical("1.2.3")).isNull();
        assertThat(IpAddresses.canonical("example.com")).isNull();
    }

    @Test
    void theClientIpHeaderMustBeAHeaderName() {
        for (String bad : new String[] {"X Forwarded", "Authorization", "cookie", "X-Fwd:"}) {
            assertThatThrownBy(() -> SessionGate.builder().set("key.secret", Fixtures.SECRET)
                    .set("trusted-proxies.header", bad).authenticator(new AcceptingAuthenticator()).build())
                    .as(bad).hasMessageContaining("trusted-proxies.header");
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

    private static GateServer start(String trustedProxies, String... settings) {
        SessionGate.Builder builder = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("trusted-proxies", trustedProxies)
                .authenticator(new AcceptingAuthenticator());
        for (int i = 0; i < settings.length; i += 2) {
            builder.set(settings[i], settings[i + 1]);
        }
        return GateServer.start(builder.build(), context -> context.addServlet(WhoAmIServlet.class, "/api/whoami"));
    }

    private static String clientIp(RequestSpecification request) {
        return request.header("Authorization", basic("alice", "ok")).get("/api/whoami")
                .then().statusCode(200).extract().jsonPath().getString("remoteAddr");
    }
}
