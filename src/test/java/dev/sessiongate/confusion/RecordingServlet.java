package dev.sessiongate.confusion;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One of an application's own servlets, protected by the filter in front of it: it records every
 * request it is given, whatever the method, and signs its answer.
 */
public final class RecordingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient Recorder recorder;
    private final String name;

    public RecordingServlet(Recorder recorder, String name) {
        this.recorder = recorder;
        this.name = name;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        recorder.record(of(name, request));
        request.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        response.setHeader(RecordedRequest.ANSWER_HEADER, name);
        response.setContentType("text/plain");
        response.getOutputStream().write(("PROTECTED ANSWER from " + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** What {@code request} looks like to the application at {@code where}. */
    static RecordedRequest of(String where, HttpServletRequest request) {
        String query = request.getQueryString();
        return new RecordedRequest(where, request.getMethod(), request.getRequestURI() + (query == null ? "" : "?" + query),
                request.getHeader("Authorization"), request.getRemoteUser(), request.getHeader(RecordedRequest.MARKER_HEADER));
    }
}
