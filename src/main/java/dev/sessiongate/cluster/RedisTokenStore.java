package dev.sessiongate.cluster;

import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.util.Logfmt;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's API tokens: a Redis hash {@code sg:tokens} of token hash → token (JSON, no
 * secret). Every node answers lookups from memory; an issue or revoke is written to Redis and
 * announced on {@code sg:tokens}, on which the other nodes read the hash again. A token this node
 * has not heard of yet is looked up in Redis before it is refused.
 */
public final class RedisTokenStore implements ApiTokens.Store {
    private static final Logger LOG = LoggerFactory.getLogger(RedisTokenStore.class);
    private static final String TOKENS = "sg:tokens";

    private final RedisLink redis;

    public RedisTokenStore(RedisLink redis) {
        this.redis = redis;
    }

    /** Keeps {@code tokens} up to date with the other nodes, and writes them back after an outage. */
    public void follow(ApiTokens tokens) {
        redis.subscribe(TOKENS, message -> redis.execute(() -> reload(tokens)));
        redis.onRecovery(() -> {
            for (ApiTokens.Token token : tokens.list()) {
                redis.call(r -> r.hsetnx(TOKENS, token.hash(), ApiTokens.toJson(token)));
            }
            reload(tokens);
        });
    }

    private static void reload(ApiTokens tokens) {
        try {
            tokens.reload();
        } catch (IOException e) {
            LOG.warn("event=tokens_reload_failed message={}", Logfmt.value(e.getMessage()));
        }
    }

    @Override
    public List<ApiTokens.Token> loadAll() throws IOException {
        Map<String, String> stored = call(() -> redis.call(r -> r.hgetall(TOKENS)));
        List<ApiTokens.Token> tokens = new ArrayList<>(stored.size());
        for (String json : stored.values()) {
            tokens.add(ApiTokens.tokenFromJson(json));
        }
        return tokens;
    }

    @Override
    public void added(ApiTokens.Token token, List<ApiTokens.Token> all) throws IOException {
        call(() -> redis.call(r -> r.hset(TOKENS, token.hash(), ApiTokens.toJson(token))));
        announce(token);
    }

    @Override
    public void removed(ApiTokens.Token token, List<ApiTokens.Token> all) throws IOException {
        call(() -> redis.call(r -> r.hdel(TOKENS, token.hash())));
        announce(token);
    }

    private void announce(ApiTokens.Token token) {
        try {
            redis.call(r -> r.publish(TOKENS, token.id()));
        } catch (RedisLink.Unavailable e) {
            LOG.warn("event=token_change_not_announced id={} message=\"other nodes see it on their next reload\"", token.id());
        }
    }

    @Override
    public ApiTokens.Token lookup(String hash) {
        try {
            String json = redis.call(r -> r.hget(TOKENS, hash));
            return json == null ? null : ApiTokens.tokenFromJson(json);
        } catch (RedisLink.Unavailable | IOException e) {
            return null;
        }
    }

    private static <T> T call(Supplier<T> call) throws IOException {
        try {
            return call.get();
        } catch (RedisLink.Unavailable e) {
            throw new IOException("Redis is unreachable");
        }
    }
}
