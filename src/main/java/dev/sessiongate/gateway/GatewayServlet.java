package dev.sessiongate.gateway;

import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.FailureResponder;
import dev.sessiongate.filter.Rejection;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.key.ClientIpResolver;
import dev.sessiongate.key.IpAddresses;
import dev.sessiongate.key.PathNormalizer;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.util.JettyScheduler;
import dev.sessiongate.util.Logfmt;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.transport.HttpConversation;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway mode: forwards every request that passed the {@link SessionGate} filter to
 * {@code upstream.url}, streaming bodies both ways with Jetty's proxy servlet (asynchronous
 * requests, blocking copies: for small bodies it costs less than the fully asynchronous one, which
 * allocated a buffer and a read listener per request) over a pooled, keep-alive {@link HttpClient}; keeps the upstream's cookies per user key
 * ({@link UpstreamCookieJar}); turns upstream failures into {@code 502}/{@code 504}, and a
 * client body that cannot be read into {@code 400}/{@code 408}, always as SessionGate's JSON.
 *
 * <p>Without {@code upstream.url} it serves the demo application, so a freshly deployed WAR
 * answers something useful. It needs the filter in front of it, initialised first.
 */
public final class GatewayServlet extends ProxyServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /**
     * Headers besides {@code X-Forwarded-*} by which proxies and CDNs tell an upstream the client's
     * address or original URL; from a client they are forgeries (lower case, {@code -} for {@code _}).
     */
    private static final Set<String> CLIENT_CLAIMS = Set.of("forwarded", "x-real-ip", "true-client-ip",
            "x-client-ip", "client-ip", "x-cluster-client-ip", "cf-connecting-ip", "fastly-client-ip",
            "x-original-url", "x-rewrite-url", "x-original-uri", "x-original-host", "x-host", "x-proxyuser-ip");

    private transient GateConfig.Upstream upstream;
    private transient SessionStore sessions;
    private transient FailureResponder failures;
    /** Asked only whether the TCP peer is a trusted proxy: one answer for the filter and the gateway. */
    private transient ClientIpResolver proxies;
    /** The upstream URL without a trailing slash, for the log. */
    private transient String upstreamBase;
    /** {@code scheme://host:port} of the upstream, parsed once. */
    private transient URI upstreamOrigin;
    private transient String upstreamOriginText;
    /** The upstream URL's raw path without a trailing slash; the client's path is appended to it. */
    private transient String upstreamBasePath;
    /** Maps {@code Location}, {@code Content-Location} and the client's copy of {@code Set-Cookie} to the gateway. */
    private transient ResponseHeaderRewriter rewriter;

    @Override
    public void init(ServletConfig config) throws ServletException {
        ServletContext context = config.getServletContext();
        Object gate = context.getAttribute(SessionGate.CONTEXT_ATTRIBUTE);
        if (!(gate instanceof SessionGate sessionGate)) {
            throw new ServletException("GatewayServlet needs the SessionGate filter in front of it, initialised first");
        }
        upstream = sessionGate.config().upstream();
        sessions = sessionGate.store();
        failures = new FailureResponder(sessionGate.config().realm());
        proxies = new ClientIpResolver(sessionGate.config().trustedProxies(), sessionGate.config().clientIpHeader());
        if (upstream == null) {
            LOG.info("event=gateway_off message=\"upstream.url is not set: serving the demo application\"");
            // GenericServlet must still hold the config.
            super.init(new ProxyConfig(config, Map.of()));
            return;
        }
        String base = upstream.url().toString();
        upstreamBase = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        URI url = upstream.url();
        upstreamOriginText = url.getScheme() + "://" + url.getRawAuthority();
        upstreamOrigin = URI.create(upstreamOriginText);
        String basePath = url.getRawPath() == null ? "" : url.getRawPath();
        upstreamBasePath = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
        rewriter = new ResponseHeaderRewriter(url);
        // AbstractProxyServlet reads its settings from init-parameters; these come from our configuration.
        // In Jetty the client shares the server's thread pool ("-"); Tomcat offers none, so it gets its own.
        boolean jetty = context.getAttribute("org.eclipse.jetty.server.Executor") != null;
        super.init(new ProxyConfig(config, Map.of(
                "maxThreads", jetty ? "-" : "64",
                "maxConnections", "256",
                "idleTimeout", String.valueOf(upstream.timeout().toMillis()),
                "timeout", "0")));
        LOG.info("event=gateway_on upstream={} connectTimeout={} timeout={} passCookies={} forwardAuthorization={}",
                upstream.url(), upstream.connectTimeout(), upstream.timeout(), upstream.passCookies(),
                upstream.forwardAuthorization());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
        if (upstream == null) {
            DemoServlet.answer(request, response);
            return;
        }
        if ("CONNECT".equals(request.getMethod())) {
            // A tunnel is no request to forward: the upstream would get "CONNECT /path" and Jetty answer 500.
            response.setHeader("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            response.setHeader("Connection", "close"); // else the container keeps the connection for a tunnel
            failures.respond(response, Rejection.METHOD_NOT_ALLOWED, null, null);
            return;
        }
        super.service(request, response);
    }

    @Override
    public void destroy() {
        if (upstream != null) {
            super.destroy();
        }
    }

    @Override
    protected HttpClient createHttpClient() throws ServletException {
        if (upstream == null) {
            return null;
        }
        return super.createHttpClient();
    }

    /**
     * HTTP/1.1 only: no protocol negotiation per request, as the dynamic transport would do. Its
     * time-outs run on a scheduler that {@link #destroy} waits for (Jetty's own one does not).
     */
    @Override
    protected HttpClient newHttpClient() {
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setConnectTimeout(upstream.connectTimeout().toMillis());
        client.setScheduler(new JettyScheduler("sessiongate-gateway-scheduler"));
        return client;
    }

    /**
     * The path of the upstream request: the upstream URL's path plus the normalised path below the
     * context path, which is what the filter keyed and authorised, not another spelling of it
     * ({@code /a/../b} is {@code /b}). {@code null}, hence {@code 400}, for a path that cannot be
     * normalised. The query joins it in {@link #newProxyRequest}, as the client sent it.
     */
    @Override
    protected String rewriteTarget(HttpServletRequest request) {
        // The wrapper's URI has no ;jsessionid; the normaliser drops every other path parameter.
        String raw = request.getRequestURI().substring(request.getContextPath().length());
        String path;
        try {
            path = raw.isEmpty() ? raw : PathNormalizer.normalize(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
        String target = upstreamBasePath.concat(path);
        return target.isEmpty() ? "/" : asWireText(target); // the context root of a WAR before an upstream without a path
    }

    /** A path that climbs above the root or holds what no path may ({@code %00}, a backslash...). */
    @Override
    protected void onProxyRewriteFailed(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
        LOG.info("event=bad_path method={} path={}", Logfmt.value(clientRequest.getMethod()),
                Logfmt.value(clientRequest.getRequestURI()));
        try {
            failures.respond(proxyResponse, Rejection.BAD_PATH, null, null);
        } catch (IOException e) {
            LOG.debug("event=error_response_failed", e);
        }
    }

    /**
     * The upstream request, with the path and the client's raw query written as they are. Jetty's
     * {@code newRequest(String)} parses the URL with {@link URI}, which refuses what clients send
     * and nginx passes on ({@code ?a=|}, {@code ?f={"a":1}}, {@code ?x=%zz}): a 500 before this.
     */
    @Override
    protected Request newProxyRequest(HttpServletRequest request, String path) {
        String query = request.getQueryString();
        return new VerbatimRequest(getHttpClient(), upstreamOrigin, path, query == null ? null : asWireText(query))
                .method(request.getMethod())
                .attribute(CLIENT_REQUEST_ATTRIBUTE, request);
    }

    /**
     * A request to {@code origin} whose path and query are written as they are. Jetty's sender
     * takes both from these getters; {@code path(String)} would split them with {@link URI} again,
     * and a target left whole in the path is %-decoded by {@code HttpURI}, which throws for
     * {@code %zz}. The path is normalised, so only the query holds what URI refuses.
     */
    static final class VerbatimRequest extends HttpRequest {
        private final String path;
        private final String query;
        /** Set when the client's body failed, which aborts this request: the failure is the client's. */
        private volatile boolean clientFailed;

        VerbatimRequest(HttpClient client, URI origin, String path, String query) {
            super(client, new HttpConversation(), origin);
            this.path = path;
            this.query = query;
        }

        @Override
        public String getPath() {
            return path;
        }

        @Override
        public String getQuery() {
            return query;
        }
    }

    /**
     * {@code text} as the characters whose ISO-8859-1 bytes are its UTF-8 bytes. The container
     * decoded the request line as UTF-8, and Jetty's client writes it as ISO-8859-1 (a character
     * beyond it becomes {@code ?}), so non-ASCII text must go in this form to reach the upstream as
     * the client's bytes.
     */
    static String asWireText(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            }
        }
        return text;
    }

    /**
     * The URI by which the cookie jar matches and stores cookies of {@code proxyRequest}, and
     * against which a relative {@code Location} of its answer is resolved: the upstream's origin
     * and the request's path. Not {@code proxyRequest.getURI()}, which is
     * {@code null} when the query is no valid URI; the path is one, but for non-ASCII bytes,
     * escaped here as the client would have escaped them.
     */
    private URI cookieUri(Request proxyRequest) {
        try {
            return URI.create(upstreamOriginText + escapeNonAscii(proxyRequest.getPath()));
        } catch (IllegalArgumentException e) {
            return upstreamOrigin; // not for a path the container accepted; the root's cookies then
        }
    }

    private static String escapeNonAscii(String wirePath) {
        StringBuilder escaped = null;
        for (int i = 0; i < wirePath.length(); i++) {
            char c = wirePath.charAt(i);
            if (c >= 0x80) {
                if (escaped == null) {
                    escaped = new StringBuilder(wirePath.length() + 16).append(wirePath, 0, i);
                }
                escaped.append('%').append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            } else if (escaped != null) {
                escaped.append(c);
            }
        }
        return escaped == null ? wirePath : escaped.toString();
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.addViaHeader(clientRequest, proxyRequest);
        String peer = peerAddress(clientRequest);
        boolean trusted = proxies.isTrusted(peer);
        Session session = (Session) clientRequest.getAttribute(Session.REQUEST_ATTRIBUTE);
        UpstreamCookieJar jar = session == null ? null : UpstreamCookieJar.existing(session);
        String cookies = jar == null ? null : jar.cookieHeader(cookieUri(proxyRequest), clientRequest.getCookies());
        // An API token is SessionGate's own credential, which the upstream has no business seeing.
        boolean dropAuthorization = !upstream.forwardAuthorization()
                || (session != null && session.identity().tokenId() != null);
        proxyRequest.headers(headers -> {
            forwardingHeaders(headers, clientRequest, peer, trusted);
            if (dropAuthorization) {
                headers.remove(HttpHeader.AUTHORIZATION);
            }
            // Jetty drops it as hop-by-hop; said here too, so no upgrade of Jetty can let a proxy's password through.
            headers.remove(HttpHeader.PROXY_AUTHORIZATION);
            headers.remove(HttpHeader.EXPECT); // answered here: see expects100Continue
            if (cookies != null) {
                headers.put(HttpHeader.COOKIE, cookies);
            }
        });
    }

    /**
     * {@code X-Forwarded-*}: a trusted proxy's are kept, the peer appended to its
     * {@code X-Forwarded-For}, and what it did not send is added. From any other peer every
     * forwarding header is the client's invention (a spoofed client IP, host or prefix for the
     * upstream to believe), so all of them go and the gateway writes what it saw itself.
     */
    private static void forwardingHeaders(HttpFields.Mutable headers, HttpServletRequest clientRequest, String peer,
                                          boolean trusted) {
        if (trusted) {
            String chain = joined(clientRequest.getHeaders("X-Forwarded-For"));
            headers.put(HttpHeader.X_FORWARDED_FOR, chain == null ? peer : chain + ", " + peer);
        } else {
            removeForwardingHeaders(headers);
            headers.put(HttpHeader.X_FORWARDED_FOR, peer);
        }
        if (!trusted || !headers.contains(HttpHeader.X_FORWARDED_PROTO)) {
            headers.put(HttpHeader.X_FORWARDED_PROTO, clientRequest.getScheme());
        }
        String host = ResponseHeaderRewriter.requestAuthority(clientRequest);
        if (host != null && (!trusted || !headers.contains(HttpHeader.X_FORWARDED_HOST))) {
            headers.put(HttpHeader.X_FORWARDED_HOST, host);
        }
        if (!trusted || !headers.contains(HttpHeader.X_FORWARDED_PORT)) {
            headers.put(HttpHeader.X_FORWARDED_PORT, clientRequest.getLocalPort());
        }
    }

    /** Removes {@code Forwarded}, {@code X-Real-IP} and every {@code X-Forwarded-*}, in any letter case. */
    static void removeForwardingHeaders(HttpFields.Mutable headers) {
        for (ListIterator<HttpField> fields = headers.listIterator(); fields.hasNext(); ) {
            // CGI, WSGI, PHP and Rack read X_Forwarded_For as X-Forwarded-For: both spellings go.
            String name = fields.next().getName().replace('_', '-').toLowerCase(Locale.ROOT);
            if (name.startsWith("x-forwarded-") || CLIENT_CLAIMS.contains(name)) {
                fields.remove();
            }
        }
    }


    /**
     * {@code Expect: 100-continue} is the gateway's to answer, as nginx does, never the
     * upstream's: the filter has authenticated the request by now (a failure was a final answer,
     * the body unread), and the container sends {@code 100 Continue} when the body is first read,
     * that is as it is forwarded. The upstream gets no {@code Expect} (see {@link #addProxyHeaders}),
     * so Jetty's proxy does not wait for an upstream's {@code 100}, which one that ignores
     * {@code Expect} never sends: the client had waited {@code upstream.timeout} for a {@code 504}.
     */
    @Override
    protected boolean expects100Continue(HttpServletRequest request) {
        return false;
    }

    /** The client's body, read into buffers of the client's pool: Jetty's default allocates a new one per request. */
    @Override
    protected Request.Content proxyRequestContent(HttpServletRequest request, HttpServletResponse response,
                                                  Request proxyRequest) throws IOException {
        return new PooledBody(request, response, proxyRequest);
    }

    private final class PooledBody extends InputStreamRequestContent {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final Request proxyRequest;

        PooledBody(HttpServletRequest request, HttpServletResponse response, Request proxyRequest) throws IOException {
            super("application/octet-stream", request.getInputStream(),
                    new ByteBufferPool.Sized(getHttpClient().getByteBufferPool()));
            this.request = request;
            this.response = response;
            this.proxyRequest = proxyRequest;
        }

        @Override
        public long getLength() {
            return request.getContentLengthLong();
        }

        /** As Jetty's own: a client that fails mid-body aborts the upstream request. */
        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = super.read();
            if (Content.Chunk.isFailure(chunk)) {
                onClientRequestFailure(request, proxyRequest, response, chunk.getFailure());
            }
            return chunk;
        }
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest) {
        // upstream.timeout bounds the upstream's silence, not the whole exchange, so that a
        // 1 GiB transfer that keeps moving is never cut off.
        proxyRequest.idleTimeout(upstream.timeout().toMillis(), TimeUnit.MILLISECONDS);
        super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
    }

    /** The upstream's headers; an event stream's go to the client at once ({@link StreamedResponse}). */
    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                           Response serverResponse) {
        super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
        if (StreamedResponse.sendsHeadersAtOnce(serverResponse)) {
            try {
                proxyResponse.flushBuffer();
            } catch (IOException e) {
                serverResponse.abort(e); // the client went away: so does the upstream request
            }
        }
    }

    /** Each part of the upstream's body is flushed to the client as it arrives ({@link StreamedResponse}). */
    @Override
    protected void onResponseContent(HttpServletRequest request, HttpServletResponse response, Response proxyResponse,
                                     byte[] buffer, int offset, int length, Callback callback) {
        try {
            StreamedResponse.forward(response, buffer, offset, length);
            callback.succeeded();
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    /** Keeps the upstream's cookies in the key's jar; passes them on only with {@code upstream.pass-cookies}. */
    @Override
    protected String filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse,
                                                String headerName, String headerValue) {
        if (HttpHeader.SET_COOKIE.is(headerName)) {
            Session session = (Session) clientRequest.getAttribute(Session.REQUEST_ATTRIBUTE);
            if (session != null) {
                UpstreamCookieJar jar = UpstreamCookieJar.of(session);
                String before = jar.text();
                if (!jar.store(cookieUri(serverResponse.getRequest()), headerValue)) {
                    LOG.warn("event=upstream_cookie_unparseable path={}", Logfmt.value(clientRequest.getRequestURI()));
                } else if (jar.text() != before) {
                    sessions.share(session, UpstreamCookieJar.SHARED_NAME, jar.text());
                }
            }
            return upstream.passCookies() ? rewriter.setCookie(headerValue, clientBase(clientRequest)) : null;
        }
        if (HttpHeader.LOCATION.is(headerName) || HttpHeader.CONTENT_LOCATION.is(headerName)) {
            return rewriter.location(headerValue, cookieUri(serverResponse.getRequest()), clientBase(clientRequest));
        }
        return headerValue;
    }

    /**
     * The upstream request failed. When the client's body failed first (see
     * {@link #onClientRequestFailure}) that is the cause, and the client's fault: no upstream failure.
     */
    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse, Throwable failure) {
        int status;
        if (serverResponse != null && serverResponse.getRequest() instanceof VerbatimRequest request
                && request.clientFailed) {
            status = clientRequestStatus(failure);
        } else {
            LOG.warn("event=upstream_failed method={} path={} upstream={} committed={} cause={}",
                    Logfmt.value(clientRequest.getMethod()), Logfmt.value(clientRequest.getRequestURI()), upstreamBase,
                    proxyResponse.isCommitted(), Logfmt.value(String.valueOf(failure)));
            status = proxyResponseStatus(failure);
        }
        sendProxyResponseError(clientRequest, proxyResponse, status);
    }

    /**
     * The client's body could not be read: malformed chunking, cut off, or too slow. Marks the
     * upstream request, which Jetty then aborts, so that its failure is answered as the client's.
     */
    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest,
                                          HttpServletResponse proxyResponse, Throwable failure) {
        LOG.info("event=client_request_failed method={} path={} status={} cause={} message=\"the request body "
                        + "is malformed, cut off or too slow; upstream request aborted\"",
                Logfmt.value(clientRequest.getMethod()), Logfmt.value(clientRequest.getRequestURI()),
                clientRequestStatus(failure), Logfmt.value(String.valueOf(failure)));
        if (proxyRequest instanceof VerbatimRequest request) {
            request.clientFailed = true;
        }
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    /**
     * A failure to read the client's body is the client's: {@code 400}, or {@code 408} when it was
     * too slow. Jetty's own answer is {@code 500}, and its container says {@code 400} for the same
     * malformed body without the gateway.
     */
    @Override
    protected int clientRequestStatus(Throwable failure) {
        return isTimeout(failure) ? 408 : 400;
    }

    /** Whether {@code failure} is a timeout; the container's idle timeout comes wrapped in an IOException. */
    private static boolean isTimeout(Throwable failure) {
        for (int depth = 0; failure != null && depth < 4; depth++, failure = failure.getCause()) {
            if (failure instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected int proxyResponseStatus(Throwable failure) {
        return failure instanceof TimeoutException ? 504 : 502;
    }

    /**
     * Failures get SessionGate's JSON answer, never the container's error page, which would name
     * the exception and the upstream URL; a response already under way can only be cut off.
     */
    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        Rejection rejection = rejectionFor(status);
        if (proxyResponse.isCommitted() || rejection == null) {
            super.sendProxyResponseError(clientRequest, proxyResponse, status);
            return;
        }
        try {
            proxyResponse.setHeader("Connection", "close");
            failures.respond(proxyResponse, rejection, null, null);
        } catch (IOException | RuntimeException e) {
            LOG.debug("event=error_response_failed", e);
        } finally {
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().complete();
            }
        }
    }

    /** SessionGate's answer for a status the gateway chose, or {@code null} for one it does not choose. */
    private static Rejection rejectionFor(int status) {
        switch (status) {
            case 400:
                return Rejection.BAD_BODY;
            case 408:
                return Rejection.REQUEST_TIMEOUT;
            case 502:
                return Rejection.UPSTREAM_UNAVAILABLE;
            case 504:
                return Rejection.UPSTREAM_TIMEOUT;
            default:
                return null;
        }
    }

    /** The TCP peer, which is what a proxy appends to {@code X-Forwarded-For}, not the resolved client IP. */
    private static String peerAddress(HttpServletRequest request) {
        jakarta.servlet.ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        String peer = inner.getRemoteAddr();
        String canonical = IpAddresses.canonical(peer); // 0:0:0:0:0:0:0:1 and [::1] are ::1, as in the key
        return canonical != null ? canonical : peer;
    }

    /** The gateway as the client addressed it; forwarding headers count only from a trusted proxy. */
    private ResponseHeaderRewriter.ClientBase clientBase(HttpServletRequest request) {
        return ResponseHeaderRewriter.ClientBase.of(request, proxies.isTrusted(peerAddress(request)));
    }

    private static String joined(Enumeration<String> values) {
        StringBuilder joined = null;
        while (values != null && values.hasMoreElements()) {
            String value = values.nextElement();
            joined = joined == null ? new StringBuilder(value) : joined.append(", ").append(value);
        }
        return joined == null ? null : joined.toString();
    }

    /** The servlet's own configuration with SessionGate's settings for the proxy added. */
    private static final class ProxyConfig implements ServletConfig {
        private final ServletConfig config;
        private final Map<String, String> params;

        ProxyConfig(ServletConfig config, Map<String, String> params) {
            this.config = config;
            this.params = params;
        }

        @Override
        public String getServletName() {
            return config.getServletName();
        }

        @Override
        public ServletContext getServletContext() {
            return config.getServletContext();
        }

        @Override
        public String getInitParameter(String name) {
            String value = params.get(name);
            return value != null ? value : config.getInitParameter(name);
        }

        @Override
        public Enumeration<String> getInitParameterNames() {
            return config.getInitParameterNames();
        }
    }
}
