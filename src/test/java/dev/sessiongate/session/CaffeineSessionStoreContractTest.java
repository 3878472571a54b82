package dev.sessiongate.session;

import java.time.Duration;

/** The one-node store holds to the store contract. */
class CaffeineSessionStoreContractTest extends SessionStoreContract {
    @Override
    protected SessionStore newStore(Duration idleTimeout, Duration maxLifetime, FakeClock clock) {
        return new CaffeineSessionStore(1000, idleTimeout, maxLifetime, clock.ticker());
    }
}
