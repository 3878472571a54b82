package dev.sessiongate.cluster;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.config.GateConfig;
import dev.sessiongate.key.UserKey;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.ClusterStore;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionPage;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.util.Logfmt;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's {@link SessionStore}: Redis is authoritative, and a {@link CaffeineSessionStore}
 * on every node is its near cache. A hit never leaves the node; a miss asks Redis before anyone
 * checks a password, so a key authenticated on one node is served by all.
 *
 * <p>In Redis, per session, a hash {@code sg:{<user key hex>}:s} (id, user, groups, credential
 * tag, client IP, created, last access, creating node, requests) and {@code sg:id:<id>} → user
 * key, both expiring with the session, and three sorted sets of user keys scored by their
 * deadline: {@code sg:u:<user>}, {@code sg:ip:<address>} and {@code sg:all}, for limits and the
 * admin API ({@code sg:users} and {@code sg:ips} list the names, for the admin's search). Every
 * script touches one key, so that on a Redis Cluster sessions spread over the shards by their
 * user key and no call crosses slots. Creation is a Lua script that stores the session only if
 * the key has none yet (two nodes authenticating the same key at once end up with one session);
 * last access and request counts are written in batches, at most once per session every
 * {@code flushEvery}; a removal deletes the hash and publishes {@code sg:revoke}, on which every
 * node drops its copy.
 *
 * <p>The indexes are written by commands of their own, in the order that leaves nothing that
 * matters dangling if the second step fails: on creation and flush the indexes first, then the
 * session (an index entry whose session is missing is skipped when listed and leaves the set at
 * its deadline; a session missing from its indexes would escape the limits and the admin); on
 * removal the session first, then the indexes. With replicas (Sentinel, Cluster) a creation
 * returns once a replica has the session ({@code WAIT}), so that a failover does not lose it.
 *
 * <p>Without Redis (down, or slower than {@code store.timeout}) the node goes on alone: hits
 * from the near cache, new sessions authenticated and kept locally, and written back — as are
 * all the sessions it holds — when Redis returns or comes back empty.
 */
public final class RedisSessionStore implements SessionStore, ClusterStore {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionStore.class);
    static final String REVOKE_CHANNEL = "sg:revoke";
    static final String SHARE_CHANNEL = "sg:shared";
    /** The hash fields of values given to {@link #share}: this prefix and their name. */
    private static final String SHARED_FIELD = "x:";
    /** The fields of a session's record that {@link #restore} reads, without shared values and attributes. */
    private static final String[] RECORD_FIELDS = {"id", "user", "groups", "tag", "ip", "created", "last", "node", "requests"};
    private static final String ALL = SessionIndexes.ALL;
    private static final String USERS = SessionIndexes.USERS;
    private static final String IPS = SessionIndexes.IPS;
    /** Index sets per search call: a bound on the size of one script call's key list. */
    private static final int UNION_BATCH = 500;
    private static final int BATCH = 1000;
    /** Removals made while Redis was away, replayed when it returns; beyond this many, the oldest are dropped. */
    private static final int MAX_PENDING_REMOVALS = 10_000;


    private final RedisLink redis;
    private final CaffeineSessionStore near;
    private final Ticker ticker;
    private final LongSupplier clock;
    private final String node;
    private final long idleMillis;
    private final long lifetimeMillis;
    private final Duration timeout;
    private final ConcurrentLinkedQueue<Session> pendingRemovals = new ConcurrentLinkedQueue<>();
    private final SharedAttributes attributes;
    private final SessionIndexes indexes;

    /**
     * A store on {@code redis} that keeps up to {@code maxSessions} in this node's near cache.
     *
     * @param node       this node's name, recorded with the sessions it creates
     * @param flushEvery how often last access times and request counts are written to Redis
     */
    public RedisSessionStore(RedisLink redis, CaffeineSessionStore near, Ticker ticker, String node,
                             Duration idleTimeout, Duration maxLifetime, Duration timeout, Duration flushEvery) {
        this(redis, near, ticker, node, idleTimeout, maxLifetime, timeout, flushEvery,
                GateConfig.Cluster.DEFAULT_ATTRIBUTE_MAX_BYTES, GateConfig.Cluster.DEFAULT_ATTRIBUTES_MAX_BYTES);
    }

    /**
     * As above, with the limits of the application attributes it shares: the most serialized bytes
     * of one ({@code session.attribute-max-bytes}) and of all of a session's
     * ({@code session.attributes-max-bytes}).
     */
    public RedisSessionStore(RedisLink redis, CaffeineSessionStore near, Ticker ticker, String node,
                             Duration idleTimeout, Duration maxLifetime, Duration timeout, Duration flushEvery,
                             int attributeMaxBytes, int attributesMaxBytes) {
        this(redis, near, ticker, System::currentTimeMillis, node, idleTimeout, maxLifetime, timeout, flushEvery,
                attributeMaxBytes, attributesMaxBytes);
    }

    /**
     * As above, with the wall clock that deadlines in Redis are computed and checked by (epoch
     * milliseconds): tests move it with {@code ticker} instead of sleeping. Redis's own expiry of
     * keys and its trimming of the index sets follow Redis's clock.
     */
    RedisSessionStore(RedisLink redis, CaffeineSessionStore near, Ticker ticker, LongSupplier clock, String node,
                      Duration idleTimeout, Duration maxLifetime, Duration timeout, Duration flushEvery) {
        this(redis, near, ticker, clock, node, idleTimeout, maxLifetime, timeout, flushEvery,
                GateConfig.Cluster.DEFAULT_ATTRIBUTE_MAX_BYTES, GateConfig.Cluster.DEFAULT_ATTRIBUTES_MAX_BYTES);
    }

    RedisSessionStore(RedisLink redis, CaffeineSessionStore near, Ticker ticker, LongSupplier clock, String node,
                      Duration idleTimeout, Duration maxLifetime, Duration timeout, Duration flushEvery,
                      int attributeMaxBytes, int attributesMaxBytes) {
        this.redis = redis;
        this.clock = clock;
        this.near = near;
        this.ticker = ticker;
        this.node = node;
        this.idleMillis = idleTimeout.toMillis();
        this.lifetimeMillis = maxLifetime.toMillis();
        this.timeout = timeout;
        this.attributes = new SharedAttributes(redis, near, RedisSessionStore::sessionKey, attributeMaxBytes,
                attributesMaxBytes);
        this.indexes = new SessionIndexes(redis, timeout, this::deadline);
        redis.subscribe(REVOKE_CHANNEL, this::revoked);
        redis.subscribe(SHARE_CHANNEL, this::sharedElsewhere);
        redis.subscribe(SharedAttributes.CHANNEL, attributes::changedElsewhere);
        redis.onRecovery(this::replayRemovals);
        redis.onRecovery(this::writeBack);
        redis.onRecovery(attributes::writeBackUnsaved);
        redis.onRecovery(attributes::refreshAfterOutage);
        redis.onMessagesMissed(this::forgetSessionsGoneElsewhere);
        redis.onMessagesMissed(attributes::refreshAfterOutage);
        redis.every(flushEvery, this::flush);
    }

    /**
     * What the store keeps beside each session: its creating node, how many requests Redis has
     * counted, and (once the application stores something) the state of its shared attributes.
     */
    private static final class Shared {
        final String node;
        volatile long flushedRequests;
        volatile SharedAttributes.State attributes;

        Shared(String node, long flushedRequests) {
            this.node = node;
            this.flushedRequests = flushedRequests;
        }
    }

    /** The state of {@code session}'s shared attributes, made on first use; {@code null} if no cluster store has seen it. */
    static SharedAttributes.State attributeState(Session session) {
        if (!(session.storeState() instanceof Shared shared)) {
            return null;
        }
        SharedAttributes.State state = shared.attributes;
        if (state == null) {
            synchronized (shared) {
                state = shared.attributes;
                if (state == null) {
                    state = new SharedAttributes.State();
                    shared.attributes = state;
                }
            }
        }
        return state;
    }

    /** As {@link #attributeState}, without making one. */
    static SharedAttributes.State attributeStateIfPresent(Session session) {
        return session.storeState() instanceof Shared shared ? shared.attributes : null;
    }

    /** Application attributes are shared: see {@link SharedAttributes}. */
    @Override
    public boolean sharesAttributes() {
        return true;
    }

    @Override
    public void saveAttributes(Session session, Set<String> changed) {
        attributes.save(session, changed);
    }

    /** The node that created {@code session}, or {@code null} if no cluster store has seen it. */
    public static String nodeOf(Session session) {
        return session.storeState() instanceof Shared shared ? shared.node : null;
    }

    @Override
    public Session find(UserKey key) {
        Session session = near.find(key);
        if (session != null || !redis.isUp()) {
            return session;
        }
        Map<String, String> fields;
        try {
            fields = redis.call(r -> r.hgetall(sessionKey(key)));
        } catch (RedisLink.Unavailable e) {
            return null;
        }
        Session found = restore(key, fields);
        return found == null ? null : near.save(found);
    }

    @Override
    public Session save(Session session) {
        // Counts the request that is creating it, so that another node never takes it for new.
        long requests = session.requests() + 1;
        session.storeState(new Shared(node, requests));
        Session stored = session;
        try {
            SessionIndexes.Added added = indexes.add(List.of(session));
            if (added.indexed().isEmpty()) {
                redis.markDown("indexing a new session: " + added.firstRefusal());
                throw RedisLink.Unavailable.INSTANCE;
            }
            String[] key = {sessionKey(session.key()), revokedKey(session.key())};
            String[] args = saveArgs(session, requests);
            List<Object> first = redis.callReplicated(key[0],
                    r -> RedisScripts.SAVE.eval(r, ScriptOutputType.MULTI, key, args));
            Session other = first.isEmpty() ? null : restore(session.key(), pairs(first));
            if (!first.isEmpty() && other == null) {
                // Redis still had an expired one (its deadline is a moment away): this one replaces it.
                redis.call(r -> r.del(key[0]));
                redis.callReplicated(key[0], r -> RedisScripts.SAVE.eval(r, ScriptOutputType.MULTI, key, args));
            }
            if (other != null) {
                redis.call(r -> r.del(idKey(session.id()))); // this node's id, indexed above, names no session

                LOG.info("event=session_adopted user={} sessionId={} node={} message=\"another node stored this key's "
                        + "session first\"", Logfmt.value(other.identity().name()), other.id(), Logfmt.value(nodeOf(other)));
                stored = other;
            }
        } catch (RedisLink.Unavailable e) {
            // Kept here alone; written back when Redis returns.
        }
        return near.save(stored);
    }

    @Override
    public void remove(Session session) {
        forgetLocally(session.key(), session.id());
        try {
            removeInRedis(session);
        } catch (RedisLink.Unavailable e) {
            pendingRemovals.add(session);
            if (pendingRemovals.size() > MAX_PENDING_REMOVALS) {
                pendingRemovals.poll();
            }
            LOG.warn("event=session_removed_locally user={} sessionId={} message=\"Redis unreachable: removed on this "
                    + "node now, on the others when Redis returns\"", Logfmt.value(session.identity().name()), session.id());
        }
    }

    /** On recovery, before the write-back: the removals Redis missed, so that no node keeps serving them. */
    private void replayRemovals() {
        int replayed = 0;
        for (Session session; (session = pendingRemovals.peek()) != null; pendingRemovals.poll()) {
            removeInRedis(session);
            replayed++;
        }
        if (replayed > 0) {
            LOG.info("event=removals_replayed sessions={}", replayed);
        }
    }

    /**
     * Deletes {@code session} in Redis if it is still the one stored (with replicas: once a replica
     * has the deletion too, as a creation waits, so that a failover right after cannot undo a
     * revocation), and tells every node to drop it.
     */
    private void removeInRedis(Session session) {
        String[] keys = {sessionKey(session.key()), revokedKey(session.key())};
        String[] args = {session.id(), Long.toString(lifetimeMillis)};
        Long removed = redis.callReplicated(keys[0],
                r -> RedisScripts.REMOVE.eval(r, ScriptOutputType.INTEGER, keys, args));
        String member = session.key().hex();
        List<RedisFuture<?>> replies = new ArrayList<>();
        try {
            RedisClusterAsyncCommands<String, String> async = redis.async();
            replies.add(async.del(idKey(session.id())));
            if (removed == 1) {
                replies.add(async.zrem(userIndex(session.identity().name()), member));
                replies.add(async.zrem(ipIndex(session.clientIp()), member));
                replies.add(async.zrem(ALL, member));
                replies.add(async.publish(REVOKE_CHANNEL, member + " " + session.id()));
            }
            redis.counted(replies.size());
        } finally {
            RedisLink.forgetThreadState();
        }
        awaitAll(replies, "removing a session");
    }

    /**
     * Waits for every reply of {@code replies}; Redis not answering, or answering with an error,
     * marks it down.
     *
     * @throws RedisLink.Unavailable then
     */
    private void awaitAll(List<RedisFuture<?>> replies, String what) {
        try {
            if (!LettuceFutures.awaitAll(timeout.multipliedBy(4), replies.toArray(new Future<?>[0]))) {
                redis.markDown(what + " took longer than " + timeout.multipliedBy(4));
                throw RedisLink.Unavailable.INSTANCE;
            }
        } catch (RuntimeException e) {
            if (e instanceof RedisLink.Unavailable) {
                throw e;
            }
            redis.markDown(what + ": " + e.getMessage());
            throw RedisLink.Unavailable.INSTANCE;
        } finally {
            RedisLink.forgetThreadState();
        }
    }

    @Override
    public void share(Session session, String name, String value) {
        SessionStore.super.share(session, name, value);
        try {
            redis.script(RedisScripts.SHARE, ScriptOutputType.INTEGER, new String[] {sessionKey(session.key())},
                    session.id(),
                    SHARED_FIELD + name, value, session.key().hex() + " " + session.id() + " " + name + " " + node,
                    SHARE_CHANNEL);
        } catch (RedisLink.Unavailable e) {
            // Kept here; written back with the session when Redis returns.
        }
    }

    /**
     * A message on {@code sg:shared}: {@code <user key hex> <session id> <name> <node>}. A node
     * holding that session reads the new value (on the link's thread, not Lettuce's).
     */
    private void sharedElsewhere(String message) {
        String[] parts = message.split(" ", 4); // the node name, last, may hold spaces
        UserKey key = parts.length == 4 ? UserKey.fromHex(parts[0]) : null;
        if (key == null || parts[3].equals(node)) {
            return;
        }
        Session local = near.peek(key);
        if (local == null || !local.id().equals(parts[1])) {
            return;
        }
        redis.execute(() -> {
            try {
                String value = redis.call(r -> r.hget(sessionKey(key), SHARED_FIELD + parts[2]));
                if (value != null) {
                    SessionStore.super.share(local, parts[2], value);
                }
            } catch (RedisLink.Unavailable e) {
                LOG.debug("event=shared_value_not_read key={}", key.tag());
            }
        });
    }

    /** A message on {@code sg:revoke}: {@code <user key hex> <session id>}. */
    private void revoked(String message) {
        int space = message.indexOf(' ');
        UserKey key = space == 64 ? UserKey.fromHex(message.substring(0, space)) : null;
        if (key == null) {
            LOG.warn("event=revoke_message_ignored message=\"not a revocation\"");
            return;
        }
        forgetLocally(key, message.substring(space + 1));
    }

    private void forgetLocally(UserKey key, String id) {
        Session local = near.peek(key);
        if (local != null && local.id().equals(id)) {
            local.invalidate();
            near.remove(local);
        }
    }

    @Override
    public long size() {
        try {
            return redis.call(r -> r.zcount(ALL, live()));
        } catch (RedisLink.Unavailable e) {
            return near.size();
        }
    }

    @Override
    public int countOfUser(String user) {
        return count(userIndex(user), () -> near.countOfUser(user));
    }

    @Override
    public int countOfIp(String clientIp) {
        return count(ipIndex(clientIp), () -> near.countOfIp(clientIp));
    }

    private int count(String index, IntSupplier local) {
        try {
            Long count = redis.script(RedisScripts.COUNT, ScriptOutputType.INTEGER, new String[] {index},
                    Long.toString(clock.getAsLong()));
            return count.intValue();
        } catch (RedisLink.Unavailable e) {
            return local.getAsInt();
        }
    }

    @Override
    public void forEach(Consumer<Session> action) {
        forEachIn(ALL, action, near::forEach);
    }

    @Override
    public void forEachOfUser(String user, Consumer<Session> action) {
        forEachIn(userIndex(user), action, a -> near.forEachOfUser(user, a));
    }

    @Override
    public void forEachOfIp(String clientIp, Consumer<Session> action) {
        forEachIn(ipIndex(clientIp), action, a -> near.forEachOfIp(clientIp, a));
    }

    /**
     * The sessions an index lists, read from Redis in pipelined batches; this node's own copy
     * where it has one (its access time and count are fresher), and the sessions only this node
     * holds (made while Redis was away) after them.
     */
    private void forEachIn(String index, Consumer<Session> action, Consumer<Consumer<Session>> local) {
        List<String> members;
        try {
            members = redis.call(r -> r.zrangebyscore(index, live()));
        } catch (RedisLink.Unavailable e) {
            local.accept(action);
            return;
        }
        Set<UserKey> seen = new HashSet<>();
        read(members, session -> {
            if (seen.add(session.key())) {
                action.accept(session);
            }
        });
        local.accept(session -> {
            if (!seen.contains(session.key())) {
                action.accept(session);
            }
        });
    }

    /**
     * The sessions of {@code members} (user keys in hex), in their order, read from Redis in
     * pipelined batches; this node's own copy where it holds the same session (its access time
     * and count are fresher). Members whose session is gone are skipped.
     */
    private void read(List<String> members, Consumer<Session> action) {
        try {
            readBatches(members, action);
        } finally {
            RedisLink.forgetThreadState(); // an admin request's thread is the container's
        }
    }

    private void readBatches(List<String> members, Consumer<Session> action) {
        RedisClusterAsyncCommands<String, String> async = redis.async();
        for (int from = 0; from < members.size(); from += BATCH) {
            List<String> batch = members.subList(from, Math.min(members.size(), from + BATCH));
            List<RedisFuture<List<KeyValue<String, String>>>> replies = new ArrayList<>(batch.size());
            for (String member : batch) {
                // The record's own fields only: never the shared attributes (up to
                // session.attributes-max-bytes each) nor the cookie jar, which no listing shows.
                replies.add(async.hmget(sessionKey(member), RECORD_FIELDS));
            }
            redis.counted(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                UserKey key = UserKey.fromHex(batch.get(i));
                Map<String, String> fields = key == null ? null : present(await(replies.get(i)));
                Session mine = key == null ? null : near.peek(key);
                Session session = mine != null && mine.isValid() && fields != null && mine.id().equals(fields.get("id"))
                        ? mine : restore(key, fields);
                if (session != null) {
                    action.accept(session);
                }
            }
        }
    }

    /** Deadlines from now on: the live members of an index set. */
    private Range<Double> live() {
        return Range.create((double) clock.getAsLong(), Double.POSITIVE_INFINITY);
    }

    /**
     * One or two calls: {@code sg:id:<id>} names the session's key, whose record is read unless
     * this node holds the same session. A session Redis does not know may be one only this node
     * holds (made while Redis was away), as {@link #forEach} lists them too.
     */
    @Override
    public Session findById(String id) {
        if (id == null || id.length() != 22 || !redis.isUp()) {
            return near.findById(id);
        }
        try {
            String member = redis.call(r -> r.get(idKey(id)));
            UserKey key = member == null ? null : UserKey.fromHex(member);
            if (key == null) {
                return near.findById(id);
            }
            Session mine = near.findById(id);
            if (mine != null && mine.key().equals(key)) {
                return mine;
            }
            Session found = restore(key, redis.call(r -> r.hgetall(sessionKey(key))));
            return found != null && found.id().equals(id) ? found : null;
        } catch (RedisLink.Unavailable e) {
            return near.findById(id);
        }
    }

    /**
     * Without a text: a range of {@code sg:all} by deadline, latest first, and the records of that
     * page only. With one: the users and addresses of {@code sg:users} and {@code sg:ips} that
     * contain it, the live members of their sets (pipelined, {@value #UNION_BATCH} sets at a
     * time), and again the records of the page only. Never a call per session listed.
     */
    @Override
    public SessionPage search(String text, int offset, int limit) {
        if (!redis.isUp()) {
            return near.search(text, offset, limit);
        }
        try {
            return text == null || text.isEmpty() ? pageOfAll(offset, limit) : pageOfMatches(text, offset, limit);
        } catch (RedisLink.Unavailable e) {
            return near.search(text, offset, limit);
        }
    }

    private SessionPage pageOfAll(int offset, int limit) {
        Range<Double> live = live();
        long total = redis.call(r -> r.zcount(ALL, live));
        List<String> members = redis.call(r -> r.zrevrangebyscore(ALL, live, Limit.create(offset, limit)));
        List<Session> page = new ArrayList<>(members.size());
        read(members, page::add);
        return new SessionPage(page, total);
    }

    private SessionPage pageOfMatches(String text, int offset, int limit) {
        Range<Double> live = live();
        List<String> sets = new ArrayList<>();
        for (String user : redis.call(r -> r.zrangebyscore(USERS, live))) {
            if (SessionPage.contains(user, text)) {
                sets.add(userIndex(user));
            }
        }
        for (String ip : redis.call(r -> r.zrangebyscore(IPS, live))) {
            if (SessionPage.contains(ip, text)) {
                sets.add(ipIndex(ip));
            }
        }
        Map<String, Double> deadlines = new HashMap<>();
        for (int from = 0; from < sets.size(); from += UNION_BATCH) {
            List<String> batch = sets.subList(from, Math.min(sets.size(), from + UNION_BATCH));
            List<RedisFuture<?>> replies = new ArrayList<>(batch.size());
            try {
                RedisClusterAsyncCommands<String, String> async = redis.async();
                for (String index : batch) {
                    replies.add(async.zrangebyscoreWithScores(index, live));
                }
                redis.counted(batch.size());
            } finally {
                RedisLink.forgetThreadState();
            }
            awaitAll(replies, "searching the indexes");
            for (RedisFuture<?> reply : replies) {
                @SuppressWarnings("unchecked")
                List<ScoredValue<String>> members = (List<ScoredValue<String>>) await(reply);
                for (ScoredValue<String> member : members == null ? List.<ScoredValue<String>>of() : members) {
                    deadlines.merge(member.getValue(), member.getScore(), Math::max);
                }
            }
        }
        List<Map.Entry<String, Double>> sorted = new ArrayList<>(deadlines.entrySet());
        sorted.sort(Map.Entry.<String, Double>comparingByValue().thenComparing(Map.Entry.comparingByKey()).reversed());
        List<String> members = new ArrayList<>();
        for (int i = offset; i < sorted.size() && i - offset < limit; i++) {
            members.add(sorted.get(i).getKey());
        }
        List<Session> page = new ArrayList<>(members.size());
        read(members, page::add);
        return new SessionPage(page, sorted.size());
    }

    private <T> T await(Future<T> reply) {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            redis.markDown(e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Writes what changed since the last flush: for every session that served requests, its last
     * access (the later of Redis's and ours) and the requests counted here; its deadlines move on.
     */
    void flush() {
        try {
            flushBatches();
        } finally {
            RedisLink.forgetThreadState(); // the last flush runs on the container's thread that stops the webapp
        }
    }

    private void flushBatches() {
        if (!redis.isUp()) {
            return;
        }
        List<Session> sessions = new ArrayList<>();
        near.forEach(session -> {
            if (session.storeState() instanceof Shared shared && session.requests() != shared.flushedRequests) {
                sessions.add(session);
            }
        });
        for (int from = 0; from < sessions.size(); from += BATCH) {
            if (!flushBatch(sessions.subList(from, Math.min(sessions.size(), from + BATCH)))) {
                return;
            }
        }
    }

    /** The indexes of {@code batch} first, then its sessions; whether Redis answered. */
    private boolean flushBatch(List<Session> all) {
        List<Session> batch;
        try {
            batch = indexes.add(all).indexed(); // a session whose index Redis refuses waits for the next flush
        } catch (RedisLink.Unavailable e) {
            return false;
        }
        List<Future<Long>> replies = new ArrayList<>(batch.size());
        long[] requests = new long[batch.size()];
        try {
            RedisClusterAsyncCommands<String, String> async = redis.async();
            for (int i = 0; i < batch.size(); i++) {
                Session session = batch.get(i);
                Shared shared = (Shared) session.storeState();
                requests[i] = session.requests();
                replies.add(RedisScripts.TOUCH.evalAsync(async, ScriptOutputType.INTEGER, new String[] {sessionKey(session.key())},
                        session.id(), Long.toString(session.lastAccessedAt()),
                        Long.toString(requests[i] - shared.flushedRequests),
                        Long.toString(idleMillis), Long.toString(lifetimeMillis)));
            }
            redis.counted(batch.size());
        } finally {
            RedisLink.forgetThreadState();
        }
        if (!LettuceFutures.awaitAll(timeout.multipliedBy(4), replies.toArray(new Future<?>[0]))) {
            redis.markDown("flush of " + batch.size() + " sessions took longer than " + timeout.multipliedBy(4));
            return false;
        }
        List<Session> gone = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Session session = batch.get(i);
            ((Shared) session.storeState()).flushedRequests = requests[i];
            Long touched = await(replies.get(i));
            if (touched != null && touched != 1) {
                gone.add(session);
            }
        }
        if (!gone.isEmpty()) {
            forgetGone(gone);
        }
        return true;
    }

    /**
     * After messages of {@code sg:revoke} may have been missed: every session this node holds that
     * Redis no longer has, or has replaced, is forgotten here (one pipelined {@code HGET} of its id
     * per session, by batches). Redis not answering fails it, and the link retries.
     */
    private void forgetSessionsGoneElsewhere() {
        List<Session> sessions = new ArrayList<>();
        near.forEach(sessions::add);
        List<Session> gone = new ArrayList<>();
        boolean done = redis.pipelined(sessions, "session check", timeout.multipliedBy(4),
                (async, session) -> async.hget(sessionKey(session.key()), "id"), (session, id) -> {
                    if (!session.id().equals(id)) {
                        gone.add(session);
                    }
                });
        if (done && !gone.isEmpty()) {
            forgetGone(gone);
        }
    }

    /**
     * Sessions a flush found gone from Redis: removed or replaced elsewhere while this node missed
     * the message (it was reconnecting), unless Redis lost everything (the cluster's secret is gone
     * too), which the probe notices and answers by writing every session back.
     */
    private void forgetGone(List<Session> gone) {
        try {
            if (redis.call(r -> r.exists(RedisLink.SECRET_KEY)) == 0) {
                return;
            }
        } catch (RedisLink.Unavailable e) {
            return;
        }
        for (Session session : gone) {
            LOG.info("event=session_gone_from_cluster user={} sessionId={}", Logfmt.value(session.identity().name()), session.id());
            forgetLocally(session.key(), session.id());
            try {
                // The flush indexed it a moment ago: out of the indexes again (unless its key has a
                // new session, which owns the index entries), else it would count against the limits.
                removeInRedis(session);
            } catch (RedisLink.Unavailable e) {
                return;
            }
        }
    }

    /**
     * After an outage, or when Redis came back empty: stores every session this node holds, unless
     * Redis has another one for its key (then this node drops its own, and adopts Redis's on the
     * next request). A session Redis refuses (an error reply) is counted and skipped, so that one
     * bad record cannot keep all the others out; Redis not answering, or the connection failing,
     * fails the recovery, which the link retries at its next probe.
     */
    private void writeBack() {
        List<Session> sessions = new ArrayList<>();
        near.forEach(sessions::add);
        int written = 0;
        int failed = 0;
        String firstFailure = null;
        for (int from = 0; from < sessions.size(); from += BATCH) {
            List<Session> batch = sessions.subList(from, Math.min(sessions.size(), from + BATCH));
            SessionIndexes.Added added = indexes.add(batch);
            if (added.indexed().size() < batch.size()) {
                failed += batch.size() - added.indexed().size();
                firstFailure = firstFailure == null ? added.firstRefusal() : firstFailure;
                batch = added.indexed();
            }
            List<Future<List<Object>>> replies = new ArrayList<>(batch.size());
            try {
                RedisClusterAsyncCommands<String, String> async = redis.async();
                for (Session session : batch) {
                    replies.add(RedisScripts.SAVE.<List<Object>>evalAsync(async, ScriptOutputType.MULTI,
                            new String[] {sessionKey(session.key()), revokedKey(session.key())},
                            saveArgs(session, session.requests())));
                }
                redis.counted(batch.size());
            } finally {
                RedisLink.forgetThreadState();
            }
            for (int i = 0; i < batch.size(); i++) {
                List<Object> first;
                try {
                    first = replies.get(i).get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RedisCommandExecutionException refused)) {
                        // Not this session's fault (the connection went, say): the recovery is retried.
                        throw new IllegalStateException("write-back: " + e.getCause(), e);
                    }
                    failed++;
                    if (firstFailure == null) {
                        firstFailure = refused.getMessage();
                    }
                    continue;
                } catch (TimeoutException e) {
                    throw new IllegalStateException("write-back: Redis did not answer within " + timeout.multipliedBy(4), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                Session session = batch.get(i);
                Map<String, String> other = first.isEmpty() ? null : pairs(first);
                if (other == null) {
                    written++;
                    if (session.storeState() instanceof Shared shared) {
                        shared.flushedRequests = session.requests();
                    }
                } else if (!session.id().equals(other.get("id"))) {
                    forgetLocally(session.key(), session.id());
                }
            }
        }
        if (failed > 0) {
            LOG.warn("event=write_back_failed sessions={} first={} message=\"Redis refused these sessions; they "
                    + "stay on this node only\"", failed, Logfmt.value(firstFailure));
        }
        LOG.info("event=sessions_written_back sessions={} of={} failed={}", written, sessions.size(), failed);
    }

    /** Redis calls this node made (see {@link RedisLink#calls()}). */
    public long redisCalls() {
        return redis.calls();
    }

    @Override
    public long remoteCalls() {
        return redisCalls();
    }

    @Override
    public String originNode(Session session) {
        return nodeOf(session);
    }

    @Override
    public String degradedReason() {
        // Public (/health): no addresses or messages; the log line of the outage has those.
        return redis.isUp() ? null : "redis unreachable";
    }

    @Override
    public void close() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.debug("event=final_flush_failed", e);
        }
        redis.close();
    }

    /** A session of another node (or an earlier life of this one) from its Redis hash; {@code null} if none or expired. */
    private Session restore(UserKey key, Map<String, String> fields) {
        if (key == null || fields == null || fields.isEmpty()) {
            return null;
        }
        try {
            long nowMillis = clock.getAsLong();
            long nowNanos = ticker.read();
            long created = Long.parseLong(fields.get("created"));
            long last = Long.parseLong(fields.get("last"));
            if (nowMillis - last >= idleMillis || nowMillis - created >= lifetimeMillis) {
                return null;
            }
            String groups = fields.get("groups");
            Identity identity = new Identity(fields.get("user"),
                    groups.isEmpty() ? Set.of() : Set.of(groups.split("\n")), fields.get("tag")).shared();
            long requests = Long.parseLong(fields.get("requests"));
            Session session = Session.restore(key, fields.get("id"), identity, fields.get("ip"), created,
                    nowNanos - (nowMillis - created) * 1_000_000, nowNanos - (nowMillis - last) * 1_000_000, requests);
            session.storeState(new Shared(fields.get("node"), requests));
            fields.forEach((field, value) -> {
                if (field.startsWith(SHARED_FIELD)) {
                    SessionStore.super.share(session, field.substring(SHARED_FIELD.length()), value);
                }
            });
            attributes.restore(session, fields);
            return session;
        } catch (RuntimeException e) {
            LOG.warn("event=session_unreadable key={} message={}", key.tag(), Logfmt.value(e.toString()));
            return null;
        }
    }

    private String[] saveArgs(Session session, long requests) {
        Identity identity = session.identity();
        long deadline = deadline(session);
        String owner = nodeOf(session);
        List<String> args = new ArrayList<>(List.of(session.id(), identity.name(), String.join("\n", identity.groups()),
                identity.credentialTag(), session.clientIp(), Long.toString(session.createdAt()),
                Long.toString(session.lastAccessedAt()), owner == null ? node : owner, Long.toString(requests),
                Long.toString(deadline), session.key().hex()));
        Map<String, Object> attributes = session.attributesIfPresent();
        if (attributes != null) {
            attributes.forEach((name, value) -> {
                if (name.startsWith(SessionStore.SHARED) && value instanceof String text) {
                    args.add(SHARED_FIELD + name.substring(SessionStore.SHARED.length()));
                    args.add(text);
                }
            });
            this.attributes.appendFields(session, args);
        }
        return args.toArray(new String[0]);
    }

    private long deadline(Session session) {
        return Math.min(session.lastAccessedAt() + idleMillis, session.createdAt() + lifetimeMillis);
    }

    /**
     * The session's hash, {@code sg:{<user key hex>}:s}: the one place that names it. The hash tag
     * puts each session in the slot of its user key, so sessions spread over a Redis Cluster's
     * shards, and keys of the same session (should a script need more than one) share that slot.
     */
    private static String sessionKey(UserKey key) {
        return sessionKey(key.hex());
    }

    private static String sessionKey(String hex) {
        return "sg:{" + hex + "}:s";
    }

    /**
     * The ids of the key's sessions removed within a session's lifetime (a sorted set by deadline),
     * which no write-back revives.
     */
    private static String revokedKey(UserKey key) {
        return "sg:{" + key.hex() + "}:r";
    }

    private static String idKey(String id) {
        return SessionIndexes.idKey(id);
    }

    private static String userIndex(String user) {
        return SessionIndexes.userIndex(user);
    }

    private static String ipIndex(String clientIp) {
        return SessionIndexes.ipIndex(clientIp);
    }

    /** The fields of {@code values} that the hash has; {@code null} for none (no such session). */
    private static Map<String, String> present(List<KeyValue<String, String>> values) {
        if (values == null) {
            return null;
        }
        Map<String, String> fields = new HashMap<>();
        values.forEach(value -> value.ifHasValue(v -> fields.put(value.getKey(), v)));
        return fields.isEmpty() ? null : fields;
    }

    private static Map<String, String> pairs(List<Object> flat) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return map;
    }
}
