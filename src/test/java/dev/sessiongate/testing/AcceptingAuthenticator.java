package dev.sessiongate.testing;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/** Accepts any user whose password starts with "ok", so tests can vary the password freely. */
public final class AcceptingAuthenticator implements Authenticator {
    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        boolean ok = new String(password.bytes(), StandardCharsets.UTF_8).startsWith("ok");
        return ok ? Optional.of(new Identity(user, Set.of("partners"), "")) : Optional.empty();
    }

    @Override
    public boolean validate(Identity identity) {
        return true;
    }

    /** Every user exists: any of them may log in. */
    @Override
    public Optional<Identity> lookup(String user) {
        return Optional.of(new Identity(user, Set.of("partners"), ""));
    }
}
