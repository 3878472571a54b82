package dev.sessiongate.spring;

import dev.sessiongate.auth.Identity;
import dev.sessiongate.session.Session;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;

/**
 * Tells Spring Security who SessionGate let in: runs after the {@code SessionGate} filter and
 * before Spring Security's filter chain, and gives a request that carries a SessionGate session an
 * authenticated {@link UsernamePasswordAuthenticationToken} (principal: the user's name; no
 * credentials) with two authorities per group, {@code ROLE_group} for {@code hasRole} and
 * {@code isUserInRole}, and {@code group} for {@code hasAuthority} (only the first for a group
 * whose name starts with {@code ROLE_}, {@code SCOPE_} or {@code FACTOR_}).
 *
 * <p>The context is saved as a request attribute, where Spring Security's
 * {@code SecurityContextHolderFilter} looks first (its default repository asks the request
 * before the session), and set in the {@link SecurityContextHolderStrategy} for this request, for
 * requests no security filter chain matches. Requests without a session (SessionGate's own
 * endpoints, or paths the filter does not cover) pass untouched.
 */
final class SecurityContextBridge implements Filter {
    /**
     * Prefixes Spring Security gives a meaning of its own (roles, OAuth2 scopes, Spring Security 7's
     * factors): a group spelled so gets only its {@code ROLE_} form, else a directory group named
     * {@code ROLE_ADMIN} would pass {@code hasRole("ADMIN")}.
     */
    private static final java.util.regex.Pattern RESERVED = java.util.regex.Pattern.compile("ROLE_|SCOPE_|FACTOR_");
    private final SecurityContextHolderStrategy holder;
    private final SecurityContextRepository repository = new RequestAttributeSecurityContextRepository();

    SecurityContextBridge(SecurityContextHolderStrategy holder) {
        this.holder = holder;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request.getAttribute(Session.REQUEST_ATTRIBUTE) instanceof Session session)
                || !(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse httpResponse)) {
            chain.doFilter(request, response);
            return;
        }
        SecurityContext context = holder.createEmptyContext();
        context.setAuthentication(authentication(session.identity()));
        repository.saveContext(context, http, httpResponse);
        holder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            holder.clearContext();
        }
    }

    /** The authenticated token of {@code identity}: its name, no credentials, its groups as authorities. */
    static UsernamePasswordAuthenticationToken authentication(Identity identity) {
        List<GrantedAuthority> authorities = new ArrayList<>(identity.groups().size() * 2);
        for (String group : new TreeSet<>(identity.groups())) {
            authorities.add(new SimpleGrantedAuthority("ROLE_" + group));
            if (!RESERVED.matcher(group).lookingAt()) {
                authorities.add(new SimpleGrantedAuthority(group));
            }
        }
        return UsernamePasswordAuthenticationToken.authenticated(identity.name(), null, authorities);
    }
}
