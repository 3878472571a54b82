package dev.sessiongate.cluster;

import static dev.sessiongate.cluster.SharedAttributesTest.await;
import static dev.sessiongate.cluster.SharedAttributesTest.call;
import static dev.sessiongate.cluster.SharedAttributesTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import dev.sessiongate.testing.RedisExtension;
import dev.sessiongate.testing.RedisProcess;
import dev.sessiongate.testing.SubscriberCutProxy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A node's pub/sub connection lost while its command connection stays (found by an attack review). */
class PubSubLossTest {
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private RedisProcess redis;

    @BeforeEach
    void redis() {
        redis = REDIS.redis();
    }

    private static String health(GateServer node) {
        return node.request().get("/health").then().statusCode(200).extract().jsonPath().getString("status");
    }

    /**
     * The pub/sub connection is lost and stays away longer than a probe's second, the command
     * connection fine: A's removal, published meanwhile, must still reach B once it is back (when
     * a loss marked Redis down, the probe marked it up again while B was not subscribed yet).
     */
    @Test
    void aRemovalPublishedWhilePubSubIsAwayIsReadOnceItIsBack() throws Exception {
        try (SubscriberCutProxy proxy = new SubscriberCutProxy(redis.port());
             GateServer a = node(redis.uri(), "node-a", "store.timeout", "300ms");
             GateServer b = node("redis://127.0.0.1:" + proxy.port(), "node-b", "store.timeout", "300ms")) {
            call(a, "op=set&name=elevated&value=yes");
            await(b, "op=get&name=elevated", "yes");

            assertThat(proxy.cutSubscribers()).as("B's pub/sub connection cut").isEqualTo(1);
            Thread.sleep(3000);
            assertThat(health(b)).as("no outage: the command connection is fine").isEqualTo("up");
            assertThat(call(b, "op=get&name=elevated")).isEqualTo("yes"); // a request of the partner: the Stale is read

            call(a, "op=remove&name=elevated"); // published while B is not subscribed
            proxy.heal();
            Thread.sleep(3000); // B's pub/sub back, subscribed again, and the probe's resync

            assertThat(call(b, "op=get&name=elevated")).as("the flag A removed").isEqualTo("null");
        }
    }

    /**
     * A revocation on A while B's pub/sub is away for a moment: B missed the sg:revoke message. B
     * must not write the session back as after an outage (A served it again when it did).
     */
    @Test
    void aRevocationMissedDuringAPubSubBlipIsNotUndone() throws Exception {
        try (SubscriberCutProxy proxy = new SubscriberCutProxy(redis.port());
             GateServer a = node(redis.uri(), "node-a", "store.timeout", "300ms");
             GateServer b = node("redis://127.0.0.1:" + proxy.port(), "node-b", "store.timeout", "300ms")) {
            String id = call(a, "op=session");
            assertThat(call(b, "op=session")).isEqualTo(id);

            assertThat(proxy.cutSubscribers()).isEqualTo(1);
            a.request().header("Authorization", "Bearer " + ClusterTest.ADMIN).delete("/admin/sessions/" + id)
                    .then().statusCode(204);
            proxy.heal();
            Thread.sleep(3000); // B reconnects; its probe's resync

            assertThat(call(a, "op=session")).as("A after the revocation: a new session").isNotEqualTo(id);
        }
    }

    /** As the first, with the pub/sub reconnection refused at TCP level (no flapping) for 4.5 s. */
    @Test
    void aRemovalPublishedWhilePubSubIsRefusedIsReadOnceItIsBack() throws Exception {
        try (SubscriberCutProxy proxy = new SubscriberCutProxy(redis.port());
             GateServer a = node(redis.uri(), "node-a", "store.timeout", "300ms");
             GateServer b = node("redis://127.0.0.1:" + proxy.port(), "node-b", "store.timeout", "300ms")) {
            call(a, "op=set&name=elevated&value=yes");
            await(b, "op=get&name=elevated", "yes");

            assertThat(proxy.cutSubscribersRefusing()).isEqualTo(1);
            Thread.sleep(2500);
            assertThat(health(b)).as("B up while not subscribed").isEqualTo("up");
            Thread.sleep(2000);
            assertThat(health(b)).as("still up").isEqualTo("up");
            call(b, "op=get&name=elevated");
            call(a, "op=remove&name=elevated");
            proxy.rebind();
            Thread.sleep(3000);
            assertThat(call(b, "op=get&name=elevated")).as("the flag A removed").isEqualTo("null");
        }
    }

    /**
     * Pub/sub reconnections that connect and are closed at once for 10 s (Redis at maxclients, say):
     * no outage, no write-back, and a resync only once the connection is really back.
     */
    @Test
    void aFlappingPubSubConnectionIsNoOutageAndNoWriteBack() throws Exception {
        try (LogCapture log = new LogCapture();
             SubscriberCutProxy proxy = new SubscriberCutProxy(redis.port());
             GateServer a = node(redis.uri(), "node-a", "store.timeout", "300ms");
             GateServer b = node("redis://127.0.0.1:" + proxy.port(), "node-b", "store.timeout", "300ms")) {
            for (int i = 0; i < 50; i++) {
                a.request().header("Authorization", dev.sessiongate.testing.Fixtures.basic("user" + i, "ok")).get("/api/attr?op=session");
                b.request().header("Authorization", dev.sessiongate.testing.Fixtures.basic("user" + i, "ok")).get("/api/attr?op=session");
            }
            proxy.cutSubscribers();
            Thread.sleep(10_000);
            proxy.heal();
            log.await("event=redis_resync ");
            long unavailable = log.lines().stream().filter(l -> l.contains("event=redis_unavailable")).count();
            long writtenBack = log.lines().stream().filter(l -> l.contains("event=sessions_written_back")).count();
            long resyncs = log.lines().stream().filter(l -> l.contains("event=redis_resync ")).count();
            assertThat(unavailable).as("outages declared during 10 s of pub/sub flapping").isZero();
            assertThat(writtenBack).as("write-backs").isZero();
            assertThat(resyncs).as("resyncs").isBetween(1L, 3L);
        }
    }

    /**
     * Every node's pub/sub blips at once (CLIENT KILL TYPE pubsub): each marks its shared attributes
     * to be read again. Redis then loses its data: the write-back must take the last values known
     * (it skipped those marked, and an attribute nobody had read since was gone).
     */
    @Test
    void attributesMarkedToBeReadAgainAreWrittenBackWhenRedisLosesItsData() throws Exception {
        try (GateServer a = node(redis.uri(), "node-a", "store.timeout", "300ms");
             GateServer b = node(redis.uri(), "node-b", "store.timeout", "300ms")) {
            call(a, "op=set&name=cart&value=apples");
            await(b, "op=get&name=cart", "apples");
            redis.command("CLIENT KILL TYPE pubsub");
            Thread.sleep(2500); // both: resync, attributes_refreshed
            redis.command("FLUSHALL");
            Thread.sleep(2500); // both: Redis lost its data, write-back
            assertThat(health(a)).isEqualTo("up");
            assertThat(call(b, "op=get&name=cart")).as("B after the write-back").isEqualTo("apples");
            assertThat(call(a, "op=get&name=cart")).as("A after the write-back").isEqualTo("apples");
        }
    }
}
