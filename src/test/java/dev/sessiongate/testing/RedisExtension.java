package dev.sessiongate.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RedisProcess} for a test class ({@code @RegisterExtension static}), emptied before
 * each test; skipped where {@code redis-server} is not installed, failed under {@code CI=true}.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private RedisProcess redis;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        redis = RedisProcess.start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        redis.command("FLUSHALL");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    public RedisProcess redis() {
        return redis;
    }
}
