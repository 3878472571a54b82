package dev.sessiongate.testing;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * A test upstream. By the last path segment: {@code echo} (what it received, as JSON),
 * {@code set-cookie?c=...} (sends each {@code c} as a Set-Cookie), {@code redirect},
 * {@code location?to=URL} (a 302 to exactly that; {@code &h=NAME} puts it in header NAME instead),
 * {@code slow?ms=N}, {@code download?bytes=N}, {@code upload} (counts the body).
 */
public final class UpstreamServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Uploads whose body could not be read to the end (the client went away). */
    public static final AtomicInteger ABORTED_UPLOADS = new AtomicInteger();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String uri = request.getRequestURI();
        String action = uri.substring(uri.lastIndexOf('/') + 1);
        switch (action) {
            case "set-cookie" -> {
                for (String cookie : request.getParameterValues("c")) {
                    response.addHeader("Set-Cookie", cookie);
                }
                echo(request, response, drain(request));
            }
            case "redirect" -> response.sendRedirect(request.getRequestURL().toString().replace("redirect", "login"));
            case "location" -> {
                response.setStatus(302);
                String header = request.getParameter("h");
                response.setHeader(header == null ? "Location" : header, request.getParameter("to"));
            }
            case "slow" -> {
                sleep(Long.parseLong(request.getParameter("ms")));
                echo(request, response, drain(request));
            }
            case "download" -> download(response, Long.parseLong(request.getParameter("bytes")));
            case "upload" -> {
                long bytes;
                try {
                    bytes = drain(request);
                } catch (IOException e) {
                    ABORTED_UPLOADS.incrementAndGet();
                    throw e;
                }
                response.setContentType("text/plain");
                response.getWriter().print(bytes);
            }
            default -> echo(request, response, drain(request));
        }
    }

    private static void echo(HttpServletRequest request, HttpServletResponse response, long bodyBytes) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("method", request.getMethod());
        body.put("uri", request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString()));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", Collections.list(request.getHeaders(name))));
        }
        body.put("headers", headers);
        List<String> cookies = new ArrayList<>();
        if (request.getCookies() != null) {
            for (Cookie cookie : request.getCookies()) {
                cookies.add(cookie.getName() + "=" + cookie.getValue());
            }
        }
        body.put("cookies", cookies);
        body.put("bodyBytes", bodyBytes);
        response.setContentType("application/json");
        response.getOutputStream().write(JSON.writeValueAsBytes(body));
    }

    private static long drain(HttpServletRequest request) throws IOException {
        InputStream in = request.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
        }
        return total;
    }

    private static void download(HttpServletResponse response, long bytes) throws IOException {
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(bytes);
        byte[] chunk = new byte[64 * 1024];
        OutputStream out = response.getOutputStream();
        for (long left = bytes; left > 0; left -= chunk.length) {
            out.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
