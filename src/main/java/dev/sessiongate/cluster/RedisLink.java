package dev.sessiongate.cluster;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.util.DaemonThreads;
import dev.sessiongate.util.Logfmt;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.ThreadFactoryProvider;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Redis connection of a node (Lettuce, thread-safe, pipelined) and what keeps it honest:
 * every call is bounded by {@code store.timeout}; a failed call or probe marks Redis down, after
 * which calls fail at once instead of each waiting out the time-out; a probe every second brings
 * it back up. Coming back, and whenever Redis turns out to have lost its data (restarted empty),
 * the recovery actions run first, so that the node writes back what it holds. When only the
 * pub/sub connection was lost, so were the other nodes' messages of that time: once it is back,
 * the probe runs the resync actions instead (no outage, no write-back).
 *
 * <p>The probe checks that the cluster's secret is still there: a Redis that restarted without
 * its data lost it, and everything else with it.
 *
 * <p>The Redis is one server, a Sentinel set ({@code redis-sentinel://…#primary}: Lettuce asks the
 * sentinels for the primary at each connection and reconnection, so both connections follow a
 * failover) or a Redis Cluster ({@code store.redis-cluster=true}: the seed nodes, a topology that
 * is refreshed every 30 s and whenever a reply says it moved; pub/sub on one node, as Redis
 * broadcasts classic PUBLISH to every node). Callers see the commands common to all three.
 * With replicas (Sentinel, Cluster), {@link #callReplicated} writes on a connection of its own and
 * then waits ({@code WAIT 1}) until a replica has the write, so that a failover right after does
 * not lose it; the shared connection never blocks on a {@code WAIT}.
 *
 * <p>Nothing of it outlives {@link #close}: Lettuce's and Netty's threads are made by SessionGate
 * and waited for, and the per-thread state that Netty leaves on every thread that writes to a
 * connection (its {@code InternalThreadLocalMap}) is removed from the container's threads after
 * each call, since a container reuses its threads for other webapps after this one is gone.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
    /** The cluster's {@code key.secret}, Base64. */
    static final String SECRET_KEY = "sg:secret";
    private static final long PROBE_MILLIS = 1000;

    /** After a {@code WAIT} that no replica answered, the writes that follow skip it for this long. */
    private static final long NO_REPLICA_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String where;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> sync;
    private final RedisClusterAsyncCommands<String, String> async;
    private final StatefulRedisPubSubConnection<String, String> pubSub;
    /** The connection of writes that wait for a replica, or {@code null} without replicas. */
    private final StatefulConnection<String, String> replicated;
    private final Duration timeout;
    /** Held by the one {@link #callReplicated} write (and its {@code WAIT}) in flight on {@link #replicated}. */
    private final java.util.concurrent.Semaphore replicating = new java.util.concurrent.Semaphore(1);
    /** Until when ({@link System#nanoTime}) {@link #callReplicated} skips its {@code WAIT}; 0 when it does not. */
    private volatile long noReplicaUntil;
    private final Map<String, Consumer<String>> channels = new ConcurrentHashMap<>();
    private final List<Runnable> recoveries = new CopyOnWriteArrayList<>();
    private final NettyThreads nettyThreads;
    private final DaemonThreads backgroundThreads = DaemonThreads.named("sessiongate-redis");
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(backgroundThreads);
    private final LongAdder calls = new LongAdder();
    /** Why Redis is not used right now, or {@code null} when it is. */
    private volatile String downReason;
    /** The thread running the recovery actions, which may call Redis while it is still marked down. */
    private volatile Thread recovering;
    /** Set by {@link #close}: the pub/sub connection closing then is no loss. */
    private volatile boolean closing;
    /** Set when the pub/sub connection was lost, until the {@link #onMessagesMissed} actions ran. */
    private volatile boolean messagesMissed;
    /** This link's own channel, on which {@link #resync} checks that published messages reach it again. */
    private final String echoChannel = "sg:echo:" + HexFormat.of().toHexDigits(new SecureRandom().nextLong());
    /** The nonce {@link #resync} waits for on {@link #echoChannel}, or {@code null}. */
    private volatile String echoNonce;
    private volatile CompletableFuture<String> echo;
    private final List<Runnable> resyncs = new CopyOnWriteArrayList<>();

    private RedisLink(GateConfig.Cluster cluster, AbstractRedisClient client, NettyThreads nettyThreads,
                      Connections connections) {
        this.where = cluster.where();
        this.timeout = cluster.timeout();
        this.client = client;
        this.nettyThreads = nettyThreads;
        this.connection = connections.connection;
        this.sync = connections.sync;
        this.async = connections.async;
        this.pubSub = connections.pubSub;
        this.replicated = connections.replicated;
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                Consumer<String> handler = channels.get(channel);
                if (handler != null) {
                    handler.accept(message);
                }
            }
        });
        // What other nodes publish while the pub/sub connection is away is lost for good, even when
        // Lettuce reconnects before any call fails: the probe then has the node read again what
        // those messages would have told it (see onMessagesMissed). Not an outage: Redis kept its
        // data, and a write-back would revive sessions revoked elsewhere meanwhile.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> disconnected) {
                if (disconnected == pubSub && !closing) {
                    messagesMissed = true;
                }
            }
        });
    }

    /** The least time a connection's handshake may take, at start-up and on reconnection. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Connects to the cluster's Redis.
     *
     * @throws ConfigException when Redis cannot be reached: a node must not start out of its cluster
     */
    public static RedisLink connect(GateConfig.Cluster cluster) {
        Duration timeout = cluster.timeout();
        List<RedisURI> uris = uris(cluster);
        for (RedisURI uri : uris) {
            // The URI's timeout bounds the connection handshake; commands have their own (timeoutOptions).
            // A node starting on a busy machine should not give up on Redis after store.timeout's 500 ms.
            uri.setTimeout(timeout.compareTo(STARTUP_TIMEOUT) > 0 ? timeout : STARTUP_TIMEOUT);
        }
        NettyThreads threads = new NettyThreads();
        ClientResources resources = ClientResources.builder()
                .threadFactoryProvider(threads)
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        TimeoutOptions timeouts = TimeoutOptions.builder().timeoutSource(new WaitOutlasts(timeout)).build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout.multipliedBy(4)).build();
        AbstractRedisClient client;
        if (cluster.redisCluster()) {
            RedisClusterClient clusterClient = RedisClusterClient.create(resources, uris);
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    // The connection to a node opens at its first command; rejecting commands until it is
                    // connected would fail that one. They wait instead, bounded by store.timeout as all are.
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.values())
                            .build())
                    .build());
            client = clusterClient;
        } else {
            RedisClient redisClient = RedisClient.create(resources, uris.get(0));
            redisClient.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .build());
            client = redisClient;
        }
        try {
            RedisLink link = new RedisLink(cluster, client, threads, Connections.open(client, cluster.replicated()));
            link.subscribe(link.echoChannel, message -> {
                CompletableFuture<String> waiting = link.echo;
                if (waiting != null && message.equals(link.echoNonce)) { // not a late one of an earlier try
                    waiting.complete(message);
                }
            });
            link.background.scheduleWithFixedDelay(link::probe, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
            LOG.info("event=redis_connected redis={} mode={}", cluster.where(),
                    cluster.redisCluster() ? "cluster" : cluster.sentinel() ? "sentinel" : "standalone");
            return link;
        } catch (RedisException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            shutdown(resources, threads);
            throw new ConfigException("store.redis-uri: cannot reach Redis at " + cluster.where() + " ("
                    + rootMessage(e) + "); a cluster node does not start without its store");
        } finally {
            forgetThreadState();
        }
    }

    /**
     * {@code store.redis-uri} as Lettuce's URIs: one, or with {@code store.redis-cluster} one per
     * seed node ({@code redis://[:password@]h1:p1,h2:p2[/...]}, the rest of the URI applying to all).
     */
    private static List<RedisURI> uris(GateConfig.Cluster cluster) {
        String text = cluster.redisUri();
        List<String> each = new ArrayList<>();
        int hostsFrom = text.indexOf("://") + 3;
        int at = text.lastIndexOf('@');
        hostsFrom = Math.max(hostsFrom, at + 1);
        int hostsTo = hostsFrom;
        while (hostsTo < text.length() && "/?#".indexOf(text.charAt(hostsTo)) < 0) {
            hostsTo++;
        }
        if (cluster.redisCluster()) {
            for (String host : text.substring(hostsFrom, hostsTo).split(",")) {
                each.add(text.substring(0, hostsFrom) + host + text.substring(hostsTo));
            }
        } else {
            each.add(text);
        }
        List<RedisURI> uris = new ArrayList<>(each.size());
        try {
            for (String uri : each) {
                uris.add(RedisURI.create(uri));
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid configuration: store.redis-uri=<redacted>: not a Redis URI");
        }
        return uris;
    }

    /** The connections of a link, on one server or a Sentinel set ({@link RedisClient}) or on a Redis Cluster. */
    private record Connections(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> sync,
                               RedisClusterAsyncCommands<String, String> async,
                               StatefulRedisPubSubConnection<String, String> pubSub,
                               StatefulConnection<String, String> replicated) {
        static Connections open(AbstractRedisClient client, boolean withReplicas) {
            List<StatefulConnection<String, String>> opened = new ArrayList<>();
            try {
                if (client instanceof RedisClusterClient cluster) {
                    StatefulRedisClusterConnection<String, String> connection = opened(opened, cluster.connect());
                    return new Connections(connection, connection.sync(), connection.async(),
                            opened(opened, cluster.connectPubSub()), withReplicas ? opened(opened, cluster.connect()) : null);
                }
                RedisClient redis = (RedisClient) client;
                StatefulRedisConnection<String, String> connection = opened(opened, redis.connect());
                return new Connections(connection, connection.sync(), connection.async(),
                        opened(opened, redis.connectPubSub()), withReplicas ? opened(opened, redis.connect()) : null);
            } catch (RedisException e) {
                for (StatefulConnection<String, String> connection : opened) {
                    connection.close();
                }
                throw e;
            }
        }

        private static <C extends StatefulConnection<String, String>> C opened(List<StatefulConnection<String, String>> all, C c) {
            all.add(c);
            return c;
        }
    }

    /** {@code store.timeout} for every command but {@code WAIT}, whose own time-out is that long: it gets twice. */
    private static final class WaitOutlasts extends TimeoutOptions.TimeoutSource {
        private final long millis;

        WaitOutlasts(Duration timeout) {
            this.millis = timeout.toMillis();
        }

        @Override
        public long getTimeout(RedisCommand<?, ?, ?> command) {
            return command.getType() == CommandType.WAIT ? 2 * millis : millis;
        }

        @Override
        public TimeUnit getTimeUnit() {
            return TimeUnit.MILLISECONDS;
        }
    }

    /**
     * Runs {@code command} on Redis, bounded by the time-out.
     *
     * @throws Unavailable when Redis is down or the call fails; Redis is then marked down
     */
    <T> T call(Function<RedisClusterCommands<String, String>, T> command) {
        if (downReason != null && Thread.currentThread() != recovering) {
            throw Unavailable.INSTANCE;
        }
        calls.increment();
        return callEvenIfDown(command);
    }

    /** As {@link #call}, also while Redis is marked down, and not counted: for the probe. */
    private <T> T callEvenIfDown(Function<RedisClusterCommands<String, String>, T> command) {
        try {
            return command.apply(sync);
        } catch (RedisException e) {
            markDown(rootMessage(e));
            throw Unavailable.INSTANCE;
        } finally {
            forgetThreadState();
        }
    }

    /**
     * Removes what Netty keeps on the calling thread after it wrote to a connection (its
     * {@code InternalThreadLocalMap}: recyclers, buffer caches), unless it is one of Netty's own
     * threads. On a container's request thread that state would hold this webapp's classes for as
     * long as the thread lives, which is past an undeploy. Call it after each use of
     * {@link #async()} from a thread that is not Netty's.
     */
    static void forgetThreadState() {
        if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
            FastThreadLocal.removeAll();
        }
    }

    /**
     * Runs {@code write}, which writes {@code key} only, as {@link #call}; with replicas (Sentinel,
     * Cluster) on the connection of such writes, and then waits up to half of {@code store.timeout}
     * until one replica has it ({@code WAIT 1}). No replica answering is logged, not failed: the write
     * is made, only not yet safe from a failover; the writes of the next ten seconds then skip the
     * wait, so that a primary without replicas does not slow every one of them.
     */
    <T> T callReplicated(String key, Function<RedisClusterCommands<String, String>, T> write) {
        if (replicated == null) {
            return call(write);
        }
        if (downReason != null && Thread.currentThread() != recovering) {
            throw Unavailable.INSTANCE;
        }
        // One write and its WAIT at a time on the replicated connection: a write sent behind a WAIT
        // that no replica answers would wait for it, and a burst of them would exceed store.timeout
        // and mark Redis down. A write that cannot have the connection within half of store.timeout
        // goes on the shared one, unwaited (a replica that slow is a replica the WAIT would miss).
        boolean held;
        try {
            held = replicating.tryAcquire(Math.max(1, timeout.toMillis() / 2), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Unavailable.INSTANCE;
        }
        if (!held) {
            return call(write);
        }
        try {
            return writeAndWait(key, write);
        } finally {
            replicating.release();
        }
    }

    private <T> T writeAndWait(String key, Function<RedisClusterCommands<String, String>, T> write) {
        calls.increment();
        RedisClusterCommands<String, String> commands;
        try {
            commands = replicatedCommands(key);
        } catch (RedisException e) {
            return call(write); // no connection to the key's primary now: as any other write
        } finally {
            forgetThreadState();
        }
        T result;
        try {
            result = write.apply(commands);
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() != null && (e.getMessage().startsWith("MOVED") || e.getMessage().startsWith("ASK"))) {
                return call(write); // the slot is moving: the cluster connection follows it
            }
            markDown(rootMessage(e));
            throw Unavailable.INSTANCE;
        } catch (RedisException e) {
            markDown(rootMessage(e));
            throw Unavailable.INSTANCE;
        } finally {
            forgetThreadState();
        }
        awaitReplica(commands);
        return result;
    }

    /** The commands of the replicated connection; on a Redis Cluster, its connection to the primary of {@code key}'s slot. */
    private RedisClusterCommands<String, String> replicatedCommands(String key) {
        if (replicated instanceof StatefulRedisClusterConnection<String, String> cluster) {
            RedisClusterNode primary = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            if (primary == null) {
                throw new RedisException("no primary for the slot of the key");
            }
            return cluster.getConnection(primary.getUri().getHost(), primary.getUri().getPort()).sync();
        }
        return ((StatefulRedisConnection<String, String>) replicated).sync();
    }

    private void awaitReplica(RedisClusterCommands<String, String> commands) {
        long until = noReplicaUntil;
        if (until != 0 && System.nanoTime() - until < 0) {
            return;
        }
        long acknowledged;
        try {
            // Half of store.timeout: a write queued behind this WAIT on the same connection still gets
            // its answer within store.timeout, so a primary without replicas never makes it look down.
            acknowledged = commands.waitForReplication(1, Math.max(1, timeout.toMillis() / 2));
        } catch (RedisException e) {
            acknowledged = -1;
        } finally {
            forgetThreadState();
        }
        if (acknowledged > 0) {
            if (until != 0) {
                noReplicaUntil = 0;
                LOG.info("event=redis_replica_acknowledges redis={}", where);
            }
            return;
        }
        noReplicaUntil = System.nanoTime() + NO_REPLICA_BACKOFF_NANOS;
        if (until == 0) {
            LOG.warn("event=redis_no_replica redis={} message=\"no replica acknowledged a new session within "
                    + "store.timeout; it is stored, but a failover now could lose it. Waiting is skipped for 10 s "
                    + "at a time until a replica answers\"", where);
        }
    }

    /** Runs a Lua script; see {@link #call}. */
    <T> T script(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        return call(redis -> script.eval(redis, type, keys, args));
    }

    /** The asynchronous commands, for pipelined batches; the caller counts them with {@link #counted}. */
    RedisClusterAsyncCommands<String, String> async() {
        return async;
    }

    /**
     * For each of {@code items}, by batches of 1,000: one pipelined command, then {@code each} with
     * its reply, in order. False when the thread was interrupted (the rest left undone).
     *
     * @throws IllegalStateException when a reply does not come within {@code wait}: the recovery or
     *         resync that asked fails, and the next probe retries it
     */
    <E, T> boolean pipelined(List<E> items, String what, Duration wait,
                             BiFunction<RedisClusterAsyncCommands<String, String>, E, ? extends Future<T>> command,
                             BiConsumer<E, T> each) {
        for (int from = 0; from < items.size(); from += 1000) {
            List<E> batch = items.subList(from, Math.min(items.size(), from + 1000));
            List<Future<T>> replies = new ArrayList<>(batch.size());
            try {
                for (E item : batch) {
                    replies.add(command.apply(async, item));
                }
                counted(batch.size());
            } finally {
                forgetThreadState();
            }
            for (int i = 0; i < batch.size(); i++) {
                T reply;
                try {
                    reply = replies.get(i).get(wait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException(what + ": Redis did not answer", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                each.accept(batch.get(i), reply);
            }
        }
        return true;
    }

    /** Counts {@code n} calls made through {@link #async}. */
    void counted(int n) {
        calls.add(n);
    }

    /** Whether calls are made at all right now. */
    boolean isUp() {
        return downReason == null;
    }

    /** Why the node works without Redis right now, or {@code null}. */
    public String downReason() {
        return downReason;
    }

    /** Redis calls made so far by this node, for requests, flushes, recovery and admin; not the probe's. */
    public long calls() {
        return calls.sum();
    }

    /** Delivers messages of {@code channel} to {@code handler}, on Lettuce's I/O thread: be quick. */
    void subscribe(String channel, Consumer<String> handler) {
        channels.put(channel, handler);
        try {
            pubSub.sync().subscribe(channel);
        } finally {
            forgetThreadState();
        }
    }

    /** Runs {@code action} each time Redis comes back or turns out to have lost its data. */
    void onRecovery(Runnable action) {
        recoveries.add(action);
    }

    /**
     * Runs {@code action} when the pub/sub connection is back after it was lost (and Redis is up):
     * the messages of other nodes sent meanwhile are lost, so what they would have said is read
     * again from Redis. A failing action is retried at the next probe.
     */
    void onMessagesMissed(Runnable action) {
        resyncs.add(action);
    }

    /** Runs {@code task} on the link's background thread. */
    void execute(Runnable task) {
        background.execute(task);
    }

    /** Runs {@code task} every {@code period}, on the link's background thread. */
    void every(Duration period, Runnable task) {
        background.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("event=redis_task_failed", e);
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    void markDown(String reason) {
        if (downReason == null) {
            downReason = reason;
            LOG.warn("event=redis_unavailable redis={} reason={} message=\"serving from this node's near cache and "
                    + "authenticating new keys locally; sessions made now are written to Redis when it returns\"",
                    where, Logfmt.value(reason));
        }
    }

    /** Once a second: is Redis there, and does it still hold the cluster's data? */
    private void probe() {
        boolean intact;
        try {
            intact = callEvenIfDown(redis -> redis.exists(SECRET_KEY)) > 0;
        } catch (Unavailable e) {
            return;
        } catch (RuntimeException e) {
            markDown(rootMessage(e));
            return;
        }
        if (intact && downReason == null) {
            if (messagesMissed && pubSub.isOpen()) {
                resync();
            }
            return;
        }
        String reason = downReason;
        LOG.warn("event=redis_recovering redis={} reason={}", where,
                Logfmt.value(intact ? "reachable again after: " + reason : "Redis lost its data (restarted empty?)"));
        recovering = Thread.currentThread();
        try {
            for (Runnable recovery : recoveries) {
                recovery.run();
            }
        } catch (RuntimeException e) {
            markDown("recovery failed: " + rootMessage(e));
            return;
        } finally {
            recovering = null;
        }
        downReason = null;
        LOG.info("event=redis_recovered redis={}", where);
    }

    /**
     * The pub/sub connection is back: what its lost messages would have said, read from Redis; once
     * a message published now reaches it (it is open before it has subscribed again, and a
     * connection that Redis keeps closing is no connection back).
     */
    private void resync() {
        messagesMissed = false; // lost again while this runs: set again, and run again at the next probe
        if (!echoed()) {
            messagesMissed = true;
            return;
        }
        LOG.info("event=redis_resync redis={} message=\"the pub/sub connection was lost and is back: reading "
                + "again what the other nodes' messages would have said\"", where);
        try {
            for (Runnable action : resyncs) {
                action.run();
            }
        } catch (RuntimeException e) {
            messagesMissed = true;
            LOG.warn("event=redis_resync_failed redis={} reason={}", where, Logfmt.value(rootMessage(e)));
        }
    }

    /** Whether a message published on {@link #echoChannel} now comes back within the call time-out. */
    private boolean echoed() {
        String nonce = HexFormat.of().toHexDigits(new SecureRandom().nextLong());
        CompletableFuture<String> answer = new CompletableFuture<>();
        echoNonce = nonce;
        echo = answer;
        try {
            callEvenIfDown(redis -> redis.publish(echoChannel, nonce));
            return nonce.equals(answer.get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS));
        } catch (Unavailable | ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            echo = null;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** Closes the connections and waits until every thread of the link, Lettuce's and Netty's too, has ended. */
    @Override
    public void close() {
        closing = true;
        backgroundThreads.stop(background);
        try {
            pubSub.close();
            connection.close();
            if (replicated != null) {
                replicated.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            forgetThreadState();
            shutdown(client.getResources(), nettyThreads);
        }
    }

    /**
     * Shuts {@code resources} down and waits for their threads, and for the thread of Netty's
     * {@link GlobalEventExecutor}, which closing a connection starts and which ends by itself a
     * second after its last task.
     */
    private static void shutdown(ClientResources resources, NettyThreads threads) {
        try {
            resources.shutdown(0, DaemonThreads.STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(DaemonThreads.STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!GlobalEventExecutor.INSTANCE.awaitInactivity(DaemonThreads.STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("event=redis_shutdown_incomplete message=\"Netty's global event executor is still busy\"");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("event=redis_shutdown_incomplete message={}", Logfmt.value(rootMessage(e)));
        }
        threads.join();
    }

    /**
     * Lettuce's event loops and timer on threads of SessionGate's making (Netty's own thread class,
     * for its fast thread locals), so that {@link #close} can wait for every one of them.
     */
    private static final class NettyThreads implements ThreadFactoryProvider {
        private final List<DaemonThreads> factories = new CopyOnWriteArrayList<>();

        @Override
        public ThreadFactory getThreadFactory(String poolName) {
            DaemonThreads threads = DaemonThreads.named(poolName, FastThreadLocalThread::new);
            factories.add(threads);
            return threads;
        }

        void join() {
            for (DaemonThreads threads : factories) {
                threads.join();
            }
        }
    }

    /** Redis cannot be used right now; the caller carries on without it. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Unavailable INSTANCE = new Unavailable();

        private Unavailable() {
            super("Redis unavailable", null, false, false);
        }
    }
}
