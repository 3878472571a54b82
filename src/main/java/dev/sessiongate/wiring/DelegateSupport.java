package dev.sessiongate.wiring;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.DelegatedAuthenticator;
import java.net.URI;
import java.time.Duration;

/** {@code auth.delegate-url}: loaded only when it is set, after {@link OptionalLibrary#DELEGATE} was found. */
final class DelegateSupport {
    private DelegateSupport() {
    }

    static Authenticator authenticator(URI url, Duration timeout) {
        return new DelegatedAuthenticator(url, timeout);
    }
}
