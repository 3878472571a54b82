package dev.sessiongate.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.commons.codec.digest.DigestUtils;

/**
 * A Lua script sent by its SHA-1 ({@code EVALSHA}), and in full ({@code EVAL}, which also caches
 * it) only when the server answers {@code NOSCRIPT}: after a restart, a failover, or on a Cluster
 * shard that has not run it yet. Sending the text with every call made the scripts most of the
 * bytes a node sent to Redis.
 */
final class LuaScript {
    private final String text;
    private final String sha;

    LuaScript(String text) {
        this.text = text;
        this.sha = DigestUtils.sha1Hex(text);
    }

    <T> T eval(RedisClusterCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(text, type, keys, args);
        }
    }

    /** As {@link #eval}, pipelined. */
    <T> CompletableFuture<T> evalAsync(RedisClusterAsyncCommands<String, String> redis, ScriptOutputType type,
                                       String[] keys, String... args) {
        CompletableFuture<T> bySha = redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return bySha.exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException wrapped ? wrapped.getCause() : failure;
            return cause instanceof RedisNoScriptException
                    ? redis.<T>eval(text, type, keys, args).toCompletableFuture()
                    : CompletableFuture.failedFuture(cause);
        });
    }

    @Override
    public String toString() {
        return "LuaScript[" + sha + "]";
    }
}
