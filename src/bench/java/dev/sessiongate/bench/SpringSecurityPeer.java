package dev.sessiongate.bench;

import dev.sessiongate.gateway.DemoServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * The peer a user would otherwise pick: Spring Security's {@code BasicAuthenticationFilter} with
 * a {@code DaoAuthenticationProvider} and {@code BCryptPasswordEncoder} over the same htpasswd
 * users, in front of the same demo handler, on the same Jetty. Like Spring Security's stateless
 * Basic set-up (and any set-up for a client that keeps no cookie), every request checks the
 * password.
 *
 * <p>{@code java ... SpringSecurityPeer PORT USERS_FILE}
 */
public final class SpringSecurityPeer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                users.createUser(User.withUsername(line.substring(0, colon)).password(line.substring(colon + 1))
                        .roles("USER").build());
            }
        }
        DaoAuthenticationProvider provider = new DaoAuthenticationProvider(users);
        provider.setPasswordEncoder(new BCryptPasswordEncoder());
        BasicAuthenticationFilter basic = new BasicAuthenticationFilter(new ProviderManager(provider));

        Filter security = (request, response, chain) -> {
            // A fresh security context per request: nothing may carry over on a pooled thread.
            SecurityContextHolder.clearContext();
            try {
                basic.doFilter(request, response, (req, res) -> {
                    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
                    if (auth == null || !auth.isAuthenticated()) {
                        HttpServletResponse http = (HttpServletResponse) res;
                        http.setHeader("WWW-Authenticate", "Basic realm=\"spring\"");
                        http.sendError(401);
                        return;
                    }
                    chain.doFilter(req, res);
                });
            } finally {
                SecurityContextHolder.clearContext();
            }
        };

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(security), "/api/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(DemoServlet.class, "/api/*");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        server.start();
        System.out.println("event=listening port=" + port + " peer=spring-security");
        server.join();
    }
}
