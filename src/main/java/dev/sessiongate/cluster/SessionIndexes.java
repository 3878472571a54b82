package dev.sessiongate.cluster;

import dev.sessiongate.session.Session;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;

/**
 * The index entries of {@link RedisSessionStore}'s sessions, written by commands of their own
 * (each on one key, so each on one shard of a Redis Cluster): a session's user key in
 * {@code sg:u:<user>}, {@code sg:ip:<address>} and {@code sg:all}, its user and address in
 * {@code sg:users} and {@code sg:ips}, all scored by its deadline, and {@code sg:id:<id>} → its
 * user key. A batch costs one call per distinct index set (one for {@code sg:all} however many
 * sessions) and one per session for its id; pipelined, in two round trips: the sets of a user or
 * an address first, so that a set Redis refuses (an error reply) keeps only its own sessions out
 * of the global ones.
 */
final class SessionIndexes {
    static final String ALL = "sg:all";
    /** The users and the client addresses that have live sessions, each scored by its last deadline. */
    static final String USERS = "sg:users";
    static final String IPS = "sg:ips";

    private final RedisLink redis;
    private final Duration timeout;
    private final ToLongFunction<Session> deadline;

    SessionIndexes(RedisLink redis, Duration timeout, ToLongFunction<Session> deadline) {
        this.redis = redis;
        this.timeout = timeout;
        this.deadline = deadline;
    }

    static String idKey(String id) {
        return "sg:id:" + id;
    }

    static String userIndex(String user) {
        return "sg:u:" + user;
    }

    static String ipIndex(String clientIp) {
        return "sg:ip:" + clientIp;
    }

    /**
     * What {@link #add} did: the sessions now fully indexed (all, but those an index of which
     * Redis refused with an error reply), and the first refusal's message, or {@code null}.
     */
    record Added(List<Session> indexed, String firstRefusal) {
    }

    /**
     * Adds {@code sessions} to the indexes (scores never lowered).
     *
     * @throws RedisLink.Unavailable when Redis did not answer; it is marked down
     */
    Added add(List<Session> sessions) {
        String[] firstRefusal = new String[1];
        Map<String, Map<String, Long>> own = new LinkedHashMap<>();
        for (Session session : sessions) {
            long until = deadline.applyAsLong(session);
            score(own, userIndex(session.identity().name()), session.key().hex(), until);
            score(own, ipIndex(session.clientIp()), session.key().hex(), until);
        }
        Set<String> failed = new HashSet<>();
        List<RedisFuture<?>> ids = new ArrayList<>(sessions.size());
        try {
            RedisClusterAsyncCommands<String, String> async = redis.async();
            for (Session session : sessions) {
                ids.add(async.set(idKey(session.id()), session.key().hex(),
                        SetArgs.Builder.pxAt(deadline.applyAsLong(session))));
            }
            redis.counted(ids.size());
            failed.addAll(await(send(own), "indexing " + sessions.size() + " sessions", firstRefusal));
        } finally {
            RedisLink.forgetThreadState();
        }
        List<Session> kept = new ArrayList<>(sessions.size());
        for (int i = 0; i < sessions.size(); i++) {
            Session session = sessions.get(i);
            if (refusal(ids.get(i)) == null && !failed.contains(userIndex(session.identity().name()))
                    && !failed.contains(ipIndex(session.clientIp()))) {
                kept.add(session);
            } else if (firstRefusal[0] == null) {
                firstRefusal[0] = refusal(ids.get(i));
            }
        }
        Map<String, Map<String, Long>> global = new LinkedHashMap<>();
        for (Session session : kept) {
            long until = deadline.applyAsLong(session);
            score(global, ALL, session.key().hex(), until);
            score(global, USERS, session.identity().name(), until);
            score(global, IPS, session.clientIp(), until);
        }
        try {
            if (!await(send(global), "indexing " + kept.size() + " sessions", firstRefusal).isEmpty()) {
                kept.clear();
            }
        } finally {
            RedisLink.forgetThreadState();
        }
        return new Added(kept, firstRefusal[0]);
    }

    private static void score(Map<String, Map<String, Long>> sets, String set, String member, long deadline) {
        sets.computeIfAbsent(set, s -> new LinkedHashMap<>()).merge(member, deadline, Math::max);
    }

    private Map<String, RedisFuture<Long>> send(Map<String, Map<String, Long>> sets) {
        RedisClusterAsyncCommands<String, String> async = redis.async();
        Map<String, RedisFuture<Long>> replies = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Long>> set : sets.entrySet()) {
            String[] args = new String[set.getValue().size() * 2];
            int i = 0;
            for (Map.Entry<String, Long> member : set.getValue().entrySet()) {
                args[i++] = Long.toString(member.getValue());
                args[i++] = member.getKey();
            }
            replies.put(set.getKey(), async.eval(RedisScripts.INDEX, ScriptOutputType.INTEGER, new String[] {set.getKey()}, args));
        }
        redis.counted(replies.size());
        return replies;
    }

    /** The sets Redis refused; throws when it did not answer them all in time. */
    private Set<String> await(Map<String, RedisFuture<Long>> replies, String what, String[] firstRefusal) {
        if (!awaitAll(replies.values())) {
            redis.markDown(what + " took longer than " + timeout.multipliedBy(4));
            throw RedisLink.Unavailable.INSTANCE;
        }
        Set<String> failed = new HashSet<>();
        for (Map.Entry<String, RedisFuture<Long>> reply : replies.entrySet()) {
            String refusal = refusal(reply.getValue());
            if (refusal != null) {
                failed.add(reply.getKey());
                if (firstRefusal[0] == null) {
                    firstRefusal[0] = refusal;
                }
            }
        }
        return failed;
    }

    private boolean awaitAll(java.util.Collection<? extends RedisFuture<?>> replies) {
        try {
            return LettuceFutures.awaitAll(timeout.multipliedBy(4), replies.toArray(new RedisFuture<?>[0]));
        } catch (RedisCommandExecutionException e) {
            return true; // a refusal: each reply is looked at by refusal()
        } catch (RuntimeException e) {
            redis.markDown(e.getMessage());
            throw RedisLink.Unavailable.INSTANCE;
        }
    }

    /** The error reply of a done call, or {@code null} when it succeeded. */
    private String refusal(RedisFuture<?> reply) {
        try {
            reply.get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisCommandExecutionException refusal) {
                return refusal.getMessage();
            }
            redis.markDown(String.valueOf(e.getCause()));
            throw RedisLink.Unavailable.INSTANCE;
        } catch (TimeoutException e) {
            redis.markDown("indexing took longer than " + timeout.multipliedBy(4));
            throw RedisLink.Unavailable.INSTANCE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RedisLink.Unavailable.INSTANCE;
        }
    }
}
