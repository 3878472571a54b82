package dev.sessiongate.it.boot;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Who the servlet API and Spring Security say the caller is, as {@code name=value} lines. */
@RestController
public class WhoAmIController {

    @RequestMapping(path = {"/me", "/me/{part}", "/partners/me", "/admins/me"}, produces = "text/plain")
    public String me(HttpServletRequest request) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        Principal principal = request.getUserPrincipal();
        List<String> authorities = authentication == null ? List.of()
                : authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority).sorted().toList();
        HttpSession session = request.getSession();
        return "principal=" + (principal == null ? "" : principal.getName()) + "\n"
                + "remoteUser=" + request.getRemoteUser() + "\n"
                + "authType=" + request.getAuthType() + "\n"
                + "authentication=" + (authentication == null ? "" : authentication.getName()) + "\n"
                + "authenticated=" + (authentication != null && authentication.isAuthenticated()) + "\n"
                + "authorities=" + String.join(",", authorities) + "\n"
                + "inRolePartners=" + request.isUserInRole("partners") + "\n"
                + "sessionId=" + session.getId() + "\n"
                + "newSession=" + session.isNew() + "\n";
    }
}
