package dev.sessiongate.cluster;

/**
 * The Lua scripts of {@link RedisSessionStore}, each one atomic in Redis and each touching one key
 * only, so that on a Redis Cluster every script runs on the shard of that key (no
 * {@code CROSSSLOT}): a session's hash ({@code sg:{<user key hex>}:s}), or one index set. The
 * indexes are global (a user's, an address's, all sessions), so they are written by commands of
 * their own, pipelined beside the session's script, in an order that leaves nothing dangling that
 * matters (see {@link RedisSessionStore}). Keys are always passed in {@code KEYS}, never built
 * inside a script.
 */
final class RedisScripts {
    private RedisScripts() {
    }

    /**
     * KEYS an index set (sorted set); ARGV deadline, member, deadline, member... Adds the members
     * scored by their deadline, never lowering one ({@code GT}: a deadline only moves later), and
     * the set lives as long as its longest-lived member. Members whose deadline passed (by Redis's
     * clock) leave at the same time; else a busy cluster's sets, which never expire as a whole,
     * would grow with every session ever made.
     */
    static final LuaScript INDEX = new LuaScript("""
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%.0f', now))
            local latest = 0
            for i = 1, #ARGV, 2 do latest = math.max(latest, tonumber(ARGV[i])) end
            redis.call('ZADD', KEYS[1], 'GT', unpack(ARGV))
            local expires = redis.call('PEXPIRETIME', KEYS[1])
            if expires < 0 or expires < latest then redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', latest)) end
            return 1
            """);
    /**
     * KEYS session revoked; ARGV id user groups tag ip created last node requests deadline member,
     * then shared field, value, field, value... Stores the session unless the key has one already
     * (returns that one's fields then) or this one was removed ({@link #REMOVE}: returns an empty
     * id, so that a node writing back what it held while it was away from Redis drops a session
     * revoked meanwhile instead of reviving it); else returns an empty list.
     */
    static final LuaScript SAVE = new LuaScript("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
            if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return {'id', ''} end
            redis.call('HSET', KEYS[1], 'id', ARGV[1], 'user', ARGV[2], 'groups', ARGV[3], 'tag', ARGV[4],
              'ip', ARGV[5], 'created', ARGV[6], 'last', ARGV[7], 'node', ARGV[8], 'requests', ARGV[9])
            for i = 12, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIREAT', KEYS[1], ARGV[10])
            return {}
            """);
    /**
     * KEYS session; ARGV id last requestsDelta idleMillis lifetimeMillis. Moves the last access
     * (the later of Redis's and ours), counts the requests and moves the deadline. Returns 1, or 0
     * when the key has no session (removed on another node, or Redis lost it), or -1 when it has
     * another one (replaced on another node).
     */
    static final LuaScript TOUCH = new LuaScript("""
            local id = redis.call('HGET', KEYS[1], 'id')
            if not id then return 0 end
            if id ~= ARGV[1] then return -1 end
            local last = math.max(tonumber(redis.call('HGET', KEYS[1], 'last')), tonumber(ARGV[2]))
            redis.call('HSET', KEYS[1], 'last', string.format('%.0f', last))
            redis.call('HINCRBY', KEYS[1], 'requests', ARGV[3])
            local created = tonumber(redis.call('HGET', KEYS[1], 'created'))
            local deadline = math.min(last + tonumber(ARGV[4]), created + tonumber(ARGV[5]))
            redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', deadline))
            return 1
            """);
    /**
     * KEYS session revoked; ARGV id lifetimeMillis. Notes the id among the key's removed ones until
     * a session made now would have ended (see {@link #SAVE}; each id with its own deadline, those
     * past dropped, at most the newest 1,000 kept: only a holder of the key's
     * credentials makes new sessions of it, and could log in again anyway), then deletes the session
     * if it is still that one (or none): returns 1, and the caller then takes it out of the indexes
     * and announces it; 0 when the key has another.
     */
    static final LuaScript REMOVE = new LuaScript("""
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local deadline = string.format('%.0f', now + tonumber(ARGV[2]))
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('(%.0f', now))
            redis.call('ZADD', KEYS[2], deadline, ARGV[1])
            redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1001)
            redis.call('PEXPIREAT', KEYS[2], deadline)
            local current = redis.call('HGET', KEYS[1], 'id')
            if current and current ~= ARGV[1] then return 0 end
            if current then redis.call('DEL', KEYS[1]) end
            return 1
            """);
    /** KEYS session; ARGV id field value message channel. */
    static final LuaScript SHARE = new LuaScript("""
            if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
            redis.call('PUBLISH', ARGV[5], ARGV[4])
            return 1
            """);
    /** KEYS index; ARGV now. */
    static final LuaScript COUNT = new LuaScript("""
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            return redis.call('ZCARD', KEYS[1])
            """);
}
