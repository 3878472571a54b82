package dev.sessiongate.testing;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a real authenticator and counts the password checks it is asked to run. */
public final class CountingAuthenticator implements Authenticator {
    private final Authenticator delegate;
    private final AtomicInteger checks = new AtomicInteger();

    public CountingAuthenticator(Authenticator delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        checks.incrementAndGet();
        return delegate.authenticate(user, password);
    }

    @Override
    public boolean validate(Identity identity) {
        return delegate.validate(identity);
    }

    @Override
    public Optional<Identity> lookup(String user) {
        return delegate.lookup(user);
    }

    public int checks() {
        return checks.get();
    }
}
