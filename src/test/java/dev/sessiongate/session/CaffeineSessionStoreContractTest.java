package dev.sessiongate.session;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/** The one-node store holds to the store contract. */
class CaffeineSessionStoreContractTest extends SessionStoreContract {
    @Override
    protected SessionStore newStore(Duration idleTimeout, Duration maxLifetime) {
        return new CaffeineSessionStore(1000, idleTimeout, maxLifetime, Ticker.systemTicker());
    }
}
