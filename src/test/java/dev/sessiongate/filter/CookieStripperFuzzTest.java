package dev.sessiongate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sessiongate.testing.AcceptingAuthenticator;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.FuzzInput;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http.CookieCompliance;
import org.eclipse.jetty.http.CookieParser;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;

/**
 * Fuzzes cookie stripping. {@link #strippedCookiesNeverReachTheApplication}: arbitrary
 * {@code Cookie} header lines go through a real Jetty (its HTTP and cookie parsers, in memory) and
 * the {@link SessionGate} filter with the default {@code strip-cookies}; no cookie the application
 * sees, and no cookie in the {@code Cookie} header it (or the gateway's upstream) reads, may be
 * one of those names in any letter case, however a later parser splits that header.
 * {@link #stripperDropsEveryLetterCase}: {@link CookieStripper} alone, on arbitrary names.
 *
 * <p>Recorded inputs, under {@code CookieStripperFuzzTestInputs/<method>/}: for the first, each
 * line one {@code Cookie} header value; for the second, line 1 the {@code strip-cookies} list and
 * every further line a cookie name.
 */
class CookieStripperFuzzTest {
    /** The default strip-cookies (ConfigKeys), as the configuration holds them. */
    private static final Set<String> STRIPPED = Set.of("jsessionid", "mrhsession", "lastmrh_session", "apbalanceid",
            "amlbcookie", "iplanetdirectorypro");
    private static final HexFormat HEX = HexFormat.of();
    private static LocalConnector connector;

    @FuzzTest
    void strippedCookiesNeverReachTheApplication(byte[] data) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("GET /api/cookies HTTP/1.1\r\nHost: gate\r\nAuthorization: "
                + Fixtures.basic("alice", "ok") + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] line : lines(data)) {
            request.writeBytes("Cookie: ".getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(line);
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        request.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        ByteBuffer raw = connector().getResponse(ByteBuffer.wrap(request.toByteArray()));
        HttpTester.Response response = HttpTester.parseResponse(raw);
        assertThat(response).as("no answer").isNotNull();
        if (response.getStatus() == 400 || response.getStatus() == 431) {
            return; // Jetty refused the request itself: nothing reached the filter
        }
        assertThat(response.getStatus()).as(response.getContent()).isEqualTo(200);
        for (String line : response.getContent().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String kind = line.substring(0, line.indexOf(' '));
            String value = new String(HEX.parseHex(line.substring(kind.length() + 1)), StandardCharsets.UTF_8);
            if (kind.equals("cookie")) {
                assertThat(isStripped(value)).as("the application got cookie %s", value).isFalse();
            } else {
                for (String name : namesInHeader(value)) {
                    assertThat(isStripped(name)).as("cookie %s in the Cookie header %s", name, value).isFalse();
                }
            }
        }
    }

    @FuzzTest
    void stripperDropsEveryLetterCase(byte[] data) {
        List<String> lines = FuzzInput.lines(data);
        Set<String> names = new LinkedHashSet<>();
        for (String name : FuzzInput.line(lines, 0).split(",")) {
            if (!name.isBlank()) {
                names.add(name.trim().toLowerCase(Locale.ROOT)); // as ConfigLoader keeps them
            }
        }
        boolean all = names.remove("*");
        List<Cookie> cookies = new ArrayList<>();
        for (String name : lines.subList(Math.min(1, lines.size()), lines.size())) {
            try {
                cookies.add(new Cookie(name, "v"));
            } catch (IllegalArgumentException e) {
                // not a cookie name (RFC 6265 token): no container hands one over
            }
        }
        Cookie[] kept = new CookieStripper(all, names).keep(cookies.toArray(new Cookie[0]));
        if (all) {
            assertThat(kept).isEmpty();
        }
        for (Cookie cookie : kept) {
            for (String name : names) {
                assertThat(cookie.getName().equalsIgnoreCase(name)).as("%s kept, %s stripped", cookie.getName(), name)
                        .isFalse();
            }
        }
        assertThat(cookies).as("kept a cookie it was not given").containsAll(List.of(kept));
    }

    private static boolean isStripped(String name) {
        return STRIPPED.stream().anyMatch(name.trim()::equalsIgnoreCase);
    }

    /**
     * The names a parser downstream may find in a {@code Cookie} header: Jetty's (RFC 6265), and
     * a naive split at every {@code ;} and {@code ,}, as many frameworks do it.
     */
    private static Set<String> namesInHeader(String header) {
        Set<String> names = new LinkedHashSet<>();
        for (String pair : header.replace(',', ';').split(";")) {
            int eq = pair.indexOf('=');
            names.add((eq < 0 ? pair : pair.substring(0, eq)).trim());
        }
        CookieParser jetty = CookieParser.newParser((name, value, version, domain, path, comment) -> names.add(name),
                CookieCompliance.RFC6265, null);
        try {
            jetty.parseField(header);
        } catch (CookieParser.InvalidCookieException e) {
            // Jetty drops such a header; the naive names above still count
        }
        return names;
    }

    /** The input split at {@code \n}, a trailing {@code \r} dropped from each line: one header line each. */
    private static List<byte[]> lines(byte[] data) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == '\n') {
                int end = i > start && data[i - 1] == '\r' ? i - 1 : i;
                byte[] line = new byte[end - start];
                System.arraycopy(data, start, line, 0, line.length);
                lines.add(line);
                start = i + 1;
            }
        }
        return lines;
    }

    /** One Jetty for the whole run, in memory: the default SessionGate filter over /api/*, then {@link Echo}. */
    private static synchronized LocalConnector connector() throws Exception {
        if (connector == null) {
            SessionGate gate = SessionGate.builder()
                    .set("key.secret", Fixtures.SECRET)
                    .authenticator(new AcceptingAuthenticator())
                    .build();
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addFilter(new FilterHolder(gate), "/api/*", EnumSet.of(DispatcherType.REQUEST));
            context.addServlet(Echo.class, "/api/*");
            Server server = new Server();
            LocalConnector local = new LocalConnector(server);
            server.addConnector(local);
            server.setHandler(context);
            server.start();
            connector = local;
        }
        return connector;
    }

    /** Answers what the servlet API shows of the request's cookies, one hex-encoded item a line. */
    public static final class Echo extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            StringBuilder body = new StringBuilder();
            Cookie[] cookies = request.getCookies();
            for (Cookie cookie : cookies == null ? new Cookie[0] : cookies) {
                line(body, "cookie", cookie.getName());
            }
            line(body, "header", request.getHeader("Cookie"));
            for (Enumeration<String> headers = request.getHeaders("Cookie"); headers.hasMoreElements(); ) {
                line(body, "headers", headers.nextElement());
            }
            for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
                String name = names.nextElement();
                if (name.equalsIgnoreCase("cookie")) {
                    line(body, "named", request.getHeader(name));
                }
            }
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            response.setContentType("text/plain;charset=utf-8");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }

        private static void line(StringBuilder body, String kind, String value) {
            if (value != null) {
                body.append(kind).append(' ').append(HEX.formatHex(value.getBytes(StandardCharsets.UTF_8))).append('\n');
            }
        }
    }
}
