package dev.sessiongate.filter;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The container realm ({@code auth.container-realm=true}): the password is checked by
 * {@code request.login()} of the hosting Jetty or Tomcat, against whatever realm the webapp is
 * configured with, and the container's login is undone at once; SessionGate's session carries the
 * user from then on. The servlet API cannot list a user's roles, so the groups are those of
 * {@code policy.require-group} that the container says the user has. The user is the name of the
 * container's principal, not the name as typed: a realm backed by a directory may let
 * {@code ALICE} in as {@code alice}.
 *
 * <p>The only authenticator that needs the request, so it lives here and not in {@code auth}.
 */
final class ContainerRealm {
    private final Set<String> roles;

    ContainerRealm(Set<String> roles) {
        this.roles = Set.copyOf(roles);
    }

    /** An authenticator for one request. */
    Authenticator forRequest(HttpServletRequest request) {
        return new Authenticator() {
            @Override
            public Optional<Identity> authenticate(String user, Password password) {
                // The servlet API takes the password only as a String; it lives for this call.
                String text = new String(password.bytes(), StandardCharsets.UTF_8);
                try {
                    request.login(user, text);
                } catch (ServletException e) {
                    return Optional.empty();
                }
                try {
                    Principal principal = request.getUserPrincipal();
                    if (principal == null || principal.getName() == null || principal.getName().isEmpty()) {
                        // A login with nobody behind it: fail rather than trust the typed name.
                        throw new AuthenticatorUnavailableException("the container's login gave no principal", null);
                    }
                    Set<String> groups = new LinkedHashSet<>();
                    for (String role : roles) {
                        if (request.isUserInRole(role)) {
                            groups.add(role);
                        }
                    }
                    return Optional.of(new Identity(principal.getName(), groups, "container"));
                } finally {
                    try {
                        request.logout();
                    } catch (ServletException e) {
                        // nothing to undo
                    }
                }
            }

            @Override
            public boolean validate(Identity identity) {
                return true;
            }
        };
    }
}
