package dev.sessiongate.cluster;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.CountingAuthenticator;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.RedisProcess;
import dev.sessiongate.testing.Required;
import dev.sessiongate.testing.RunningProcess;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SPEC §7 Redis high availability, Cluster form: two nodes on the seed nodes of a real Redis
 * Cluster (three primaries, a replica each) share sessions, limits, the admin's listing,
 * revocations and API tokens, and no call crosses slots.
 */
class RedisClusterTest {
    private static final String ADMIN = ClusterTest.ADMIN;

    @Test
    void twoNodesOnARedisClusterBehaveAsOneWithNoCrossSlotCall() throws Exception {
        Required.program(RedisProcess.cli() != null, "redis-cli");
        List<RedisProcess> redis = new ArrayList<>();
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 6; i++) {
                redis.add(RedisProcess.clusterNode());
            }
            createCluster(redis);
            List<RedisProcess> primaries = new ArrayList<>();
            for (RedisProcess node : redis) {
                if ("master".equals(node.infoText("replication", "role"))) {
                    primaries.add(node);
                }
            }
            assertThat(primaries).hasSize(3);
            String seeds = "redis://127.0.0.1:" + redis.get(0).port() + ",127.0.0.1:" + redis.get(4).port();
            CountingAuthenticator usersB = new CountingAuthenticator(new AcceptingAuthenticator());
            String[] settings = {"store.redis-cluster", "true", "store.timeout", "2s", "sessions.max-per-user", "2",
                "sessions.on-limit", "reject"};
            try (GateServer a = ClusterTest.node(seeds, "node-a", new AcceptingAuthenticator(), settings);
                 GateServer b = ClusterTest.node(seeds, "node-b", usersB, settings)) {
                behaveAsOne(a, b, usersB, primaries);
            }
            String text = log.text();
            assertThat(text).contains("mode=cluster");
            assertThat(text).doesNotContain("CROSSSLOT").doesNotContain("event=redis_unavailable")
                    .doesNotContain("event=redis_no_replica").doesNotContain("ERROR");
        } finally {
            for (RedisProcess node : redis) {
                node.close();
            }
        }
    }

    private static void behaveAsOne(GateServer a, GateServer b, CountingAuthenticator usersB,
                                     List<RedisProcess> primaries) throws Exception {
        // Sessions made on A are B's, with no password check on B.
        Map<String, String> sessions = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            sessions.put("user" + i, ClusterTest.call(a, "user" + i, "ok-" + i).getString("sessionId"));
        }
        for (int i = 0; i < 30; i++) {
            assertThat(ClusterTest.call(b, "user" + i, "ok-" + i).getString("sessionId")).isEqualTo(sessions.get("user" + i));
        }
        assertThat(usersB.checks()).isZero();

        // Spread over the shards by user key, not all under one hash tag.
        int shardsWithSessions = 0;
        for (RedisProcess primary : primaries) {
            String count = primary.command("EVAL \"return #redis.call('KEYS', 'sg:{*}:s')\" 0");
            if (!":0".equals(count)) {
                shardsWithSessions++;
            }
        }
        assertThat(shardsWithSessions).as("primaries holding sessions").isEqualTo(3);

        // A user's limit counts the sessions of both nodes: two on A, the third refused on B.
        ClusterTest.call(a, "carol", "ok-1");
        ClusterTest.call(a, "carol", "ok-2");
        b.request().header("Authorization", basic("carol", "ok-3")).post("/api/orders").then().statusCode(429);

        // B's admin lists what A made: all, by user, by search.
        JsonPath page = admin(b).get("/admin/sessions?limit=100").then().statusCode(200).extract().jsonPath();
        assertThat(page.getInt("total")).isEqualTo(32);
        assertThat(admin(b).get("/admin/sessions?user=carol").then().statusCode(200).extract().jsonPath()
                .getList("id")).hasSize(2);
        assertThat(admin(b).get("/admin/sessions?q=car&limit=10").then().statusCode(200).extract().jsonPath()
                .getInt("total")).isEqualTo(2);
        assertThat(admin(b).get("/admin/sessions/" + sessions.get("user7")).then().statusCode(200).extract()
                .jsonPath().getString("user")).isEqualTo("user7");

        // A revocation on A ends B's copy: the next request on B authenticates again.
        admin(a).delete("/admin/sessions/" + sessions.get("user3")).then().statusCode(204);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String next;
        do {
            next = ClusterTest.call(b, "user3", "ok-3").getString("sessionId");
        } while (next.equals(sessions.get("user3")) && System.nanoTime() < deadline);
        assertThat(next).isNotEqualTo(sessions.get("user3"));
        admin(a).delete("/admin/sessions?user=user4").then().statusCode(204);
        // B lists its own copy until the revocation message reaches it (milliseconds; CI machines are busy).
        deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> listed;
        do {
            listed = admin(b).get("/admin/sessions?user=user4").then().statusCode(200).extract().jsonPath().getList("id");
        } while (!listed.isEmpty() && System.nanoTime() < deadline);
        assertThat(listed).isEmpty();

        // An API token issued on A works on B.
        String token = admin(a).contentType("application/json").body("{\"user\":\"robot\"}").post("/admin/tokens")
                .then().statusCode(201).extract().jsonPath().getString("token");
        b.request().header("Authorization", "Bearer " + token).post("/api/x").then().statusCode(200);
    }

    private static io.restassured.specification.RequestSpecification admin(GateServer node) {
        return node.request().header("Authorization", "Bearer " + ADMIN);
    }

    /** {@code redis-cli --cluster create}: three primaries and a replica each; waits until every node says ok. */
    private static void createCluster(List<RedisProcess> nodes) throws Exception {
        List<String> command = new ArrayList<>(List.of(RedisProcess.cli(), "--cluster", "create"));
        for (RedisProcess node : nodes) {
            command.add("127.0.0.1:" + node.port());
        }
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        try (RunningProcess create = RunningProcess.start(new ProcessBuilder(command))) {
            assertThat(create.process().waitFor()).as("redis-cli --cluster create:\n%s", create.output()).isZero();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (RedisProcess node : nodes) {
            while (!node.command("CLUSTER INFO").contains("cluster_state:ok")
                    || node.infoText("replication", "role").equals("slave")
                    && !"up".equals(node.infoText("replication", "master_link_status"))) {
                assertThat(System.nanoTime()).as("cluster state of node %d", node.port()).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }
}
