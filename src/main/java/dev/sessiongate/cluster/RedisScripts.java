package dev.sessiongate.cluster;

/**
 * The Lua scripts of {@link RedisSessionStore}, each one atomic in Redis. Keys are always passed
 * in {@code KEYS} ({@link RedisSessionStore}'s {@code keys}: session, user, ip, all, id, users,
 * ips), never built inside a script.
 */
final class RedisScripts {
    private RedisScripts() {
    }

    /**
     * Adds a session to the indexes: its member in the sets {@code sg:u:<user>},
     * {@code sg:ip:<address>} and {@code sg:all}, its user and address in {@code sg:users} and
     * {@code sg:ips} (for the admin's search), all scored by its deadline, and
     * {@code sg:id:<id>} → member, expiring with it. A set lives as long as its longest-lived
     * member. Members whose deadline passed (by Redis's clock) leave at the same time; else a busy
     * cluster's sets, which never expire as a whole, would grow with every session ever made.
     */
    private static final String INDEX = """
            local function expire(key, deadline)
              local expires = redis.call('PEXPIRETIME', key)
              if expires < 0 or expires < deadline then redis.call('PEXPIREAT', key, deadline) end
            end
            local function index(keys, deadline, member, user, ip)
              local time = redis.call('TIME')
              local expired = string.format('(%.0f', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
              for i = 2, 4 do
                redis.call('ZREMRANGEBYSCORE', keys[i], '-inf', expired)
                redis.call('ZADD', keys[i], deadline, member)
                expire(keys[i], deadline)
              end
              local names = {user, ip}
              for i = 6, 7 do
                redis.call('ZREMRANGEBYSCORE', keys[i], '-inf', expired)
                redis.call('ZADD', keys[i], 'GT', deadline, names[i - 5])
                expire(keys[i], deadline)
              end
              redis.call('SET', keys[5], member, 'PXAT', string.format('%.0f', deadline))
            end
            """;
    /**
     * KEYS session, user, ip, all, id, users, ips ({@link #keys}); ARGV id user groups tag ip
     * created last node requests deadline member, then shared field, value, field, value...
     */
    static final String SAVE = INDEX + """
            if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
            index(KEYS, tonumber(ARGV[10]), ARGV[11], ARGV[2], ARGV[5]) -- first: if it fails, no record is left without its indexes
            redis.call('HSET', KEYS[1], 'id', ARGV[1], 'user', ARGV[2], 'groups', ARGV[3], 'tag', ARGV[4],
              'ip', ARGV[5], 'created', ARGV[6], 'last', ARGV[7], 'node', ARGV[8], 'requests', ARGV[9])
            for i = 12, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIREAT', KEYS[1], ARGV[10])
            return {}
            """;
    /**
     * KEYS as SAVE, then the secret's; ARGV id last requestsDelta idleMillis lifetimeMillis member
     * user ip.
     * Returns 1, or 0 when the session is gone (removed on another node), or -1 when Redis lost
     * everything (the probe will notice and the nodes write back).
     */
    static final String TOUCH = INDEX + """
            if redis.call('EXISTS', KEYS[8]) == 0 then return -1 end
            if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
            local last = math.max(tonumber(redis.call('HGET', KEYS[1], 'last')), tonumber(ARGV[2]))
            redis.call('HSET', KEYS[1], 'last', string.format('%.0f', last))
            redis.call('HINCRBY', KEYS[1], 'requests', ARGV[3])
            local created = tonumber(redis.call('HGET', KEYS[1], 'created'))
            local deadline = math.min(last + tonumber(ARGV[4]), created + tonumber(ARGV[5]))
            redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', deadline))
            index(KEYS, deadline, ARGV[6], ARGV[7], ARGV[8])
            return 1
            """;
    /** KEYS as SAVE; ARGV id member message channel. */
    static final String REMOVE = """
            redis.call('DEL', KEYS[5])
            local current = redis.call('HGET', KEYS[1], 'id')
            if current and current ~= ARGV[1] then return 0 end
            if current then redis.call('DEL', KEYS[1]) end
            for i = 2, 4 do redis.call('ZREM', KEYS[i], ARGV[2]) end
            redis.call('PUBLISH', ARGV[4], ARGV[3])
            return 1
            """;
    /** KEYS session; ARGV id field value message channel. */
    static final String SHARE = """
            if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
            redis.call('PUBLISH', ARGV[5], ARGV[4])
            return 1
            """;
    /** KEYS index sets; ARGV now. Their live members and deadlines, flat: member, deadline, member... */
    static final String UNION = """
            local found = {}
            for i = 1, #KEYS do
              local live = redis.call('ZRANGEBYSCORE', KEYS[i], ARGV[1], '+inf', 'WITHSCORES')
              for j = 1, #live do found[#found + 1] = live[j] end
            end
            return found
            """;
    /** KEYS index; ARGV now. */
    static final String COUNT = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            return redis.call('ZCARD', KEYS[1])
            """;
}
