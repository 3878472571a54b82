package dev.sessiongate.filter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The WAR's error page (see {@code web.xml}): Tomcat and Jetty dispatch the errors they find
 * inside the webapp here (a method a servlet does not take, a servlet that failed), and it answers
 * them in SessionGate's JSON form ({@link ContainerErrors}) instead of the container's HTML page.
 * Asked for directly, it is a resource that does not exist: {@code 404}.
 */
public final class ContainerErrorServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient ContainerErrors errors = new ContainerErrors();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = request.getDispatcherType() == DispatcherType.ERROR && code instanceof Integer error
                && error >= 400 && error <= 599 ? error : 404;
        errors.log(status, request.getRemoteAddr());
        FailureResponder.respondToContainerError(response, status);
    }
}
