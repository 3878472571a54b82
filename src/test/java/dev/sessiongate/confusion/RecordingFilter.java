package dev.sessiongate.confusion;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Mapped after SessionGate on the same pattern, in front of an application that cannot record by
 * itself (the standalone's demo servlet): the container matches both mappings against the path
 * it dispatches, so this sees exactly the requests the protected application is given, and signs
 * the answer so that the client can tell it apart from the demo's unprotected {@code /public/}.
 */
public final class RecordingFilter implements Filter {
    private final Recorder recorder;
    private final String name;

    public RecordingFilter(Recorder recorder, String name) {
        this.recorder = recorder;
        this.name = name;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        recorder.record(RecordingServlet.of(name, (HttpServletRequest) request));
        ((HttpServletResponse) response).setHeader(RecordedRequest.ANSWER_HEADER, name);
        chain.doFilter(request, response);
    }
}
