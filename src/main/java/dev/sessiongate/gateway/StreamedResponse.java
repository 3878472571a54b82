package dev.sessiongate.gateway;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;

/**
 * How the gateway passes the upstream's answer on: each part as it arrives, in the upstream's
 * framing, as nginx and Jetty's own proxy handler do. Without it, Jetty's proxy servlet writes
 * into the servlet response buffer, so server-sent events, long polls and progress output wait
 * until the buffer fills or the answer ends, and an answer of unknown length that ends inside the
 * buffer leaves with a {@code Content-Length} the container made up instead of chunked.
 */
final class StreamedResponse {
    private StreamedResponse() {
    }

    /**
     * Writes one part of the upstream's body and flushes it. A part the size of the container's
     * aggregation buffer or larger was written through anyway, and the write that completes a
     * known {@code Content-Length} completes the response, so for bulk transfers and small
     * answers of known length the flush costs no extra write.
     */
    static void forward(HttpServletResponse response, byte[] buffer, int offset, int length) throws IOException {
        ServletOutputStream out = response.getOutputStream();
        out.write(buffer, offset, length);
        out.flush();
    }

    /**
     * Whether the headers go to the client before any of the body: for an event stream, whose
     * headers alone tell the client that the stream is open (EventSource's {@code onopen}) while
     * the first event may be minutes away. Any other answer's headers leave with its first part.
     */
    static boolean sendsHeadersAtOnce(Response serverResponse) {
        String type = serverResponse.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type != null && type.trim().toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }
}
