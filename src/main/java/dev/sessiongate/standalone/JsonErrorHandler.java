package dev.sessiongate.standalone;

import dev.sessiongate.filter.ContainerErrors;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The embedded Jetty's answer to errors it finds itself (see {@link ContainerErrors}): on the
 * server, for what fails before any context (a malformed request, headers too large, a URI Jetty
 * refuses), and on the servlet context, for {@code sendError} and failures of a servlet. JSON for
 * every method and whatever the {@code Accept} header asks, where Jetty's own writes an HTML page
 * that quotes its reason (for a GET, HEAD or POST only, and nothing for others).
 */
final class JsonErrorHandler extends ErrorHandler {
    private final ContainerErrors errors = new ContainerErrors();

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        errors.log(code, Request.getRemoteAddr(request));
        byte[] body = ContainerErrors.body(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
