package dev.sessiongate.gateway;

import static dev.sessiongate.gateway.StickyBalancerTest.balancer;
import static dev.sessiongate.gateway.StickyBalancerTest.node;
import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.RedisExtension;
import io.restassured.path.json.JsonPath;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway nodes of one cluster, round-robin, in front of a sticky balancer and two upstream
 * nodes: the upstream's cookies follow the key from gateway to gateway, so the key stays on one
 * upstream node and one upstream session whichever gateway serves it.
 */
class ClusteredGatewayTest {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @Test
    void theUpstreamCookieJarFollowsTheKeyAcrossGatewayNodes() {
        String redis = REDIS.redis().uri();
        try (GateServer node1 = node("node-1"); GateServer node2 = node("node-2");
             GateServer balancer = balancer(node1, node2);
             GateServer a = GateServer.gateway(balancer.url("/"), "store.redis-uri", redis, "node.name", "gw-a");
             GateServer b = GateServer.gateway(balancer.url("/"), "store.redis-uri", redis, "node.name", "gw-b")) {
            Set<String> upstreamNodes = new HashSet<>();
            Set<String> upstreamSessions = new HashSet<>();
            JsonPath last = null;
            for (int i = 0; i < 40; i++) {
                GateServer gateway = List.of(a, b).get(i % 2);
                last = gateway.request().header("Authorization", basic("alice", "ok-alice")).post("/app/orders")
                        .then().statusCode(200).extract().jsonPath();
                upstreamNodes.add(last.getString("node"));
                upstreamSessions.add(last.getString("session"));
            }
            assertThat(upstreamNodes).hasSize(1);
            assertThat(upstreamSessions).hasSize(1);
            assertThat(last.getInt("count")).isEqualTo(40);
        }
    }
}
