package dev.sessiongate.gateway;

import dev.sessiongate.config.GateConfig;
import dev.sessiongate.filter.FailureResponder;
import dev.sessiongate.filter.Rejection;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import dev.sessiongate.standalone.DemoServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway mode: forwards every request that passed the {@link SessionGate} filter to
 * {@code upstream.url}, streaming bodies both ways with Jetty's proxy servlet (asynchronous
 * requests, blocking copies: for small bodies it costs less than the fully asynchronous one, which
 * allocated a buffer and a read listener per request) over a pooled, keep-alive {@link HttpClient}; keeps the upstream's cookies per user key
 * ({@link UpstreamCookieJar}); turns upstream failures into {@code 502}/{@code 504}.
 *
 * <p>Without {@code upstream.url} it serves the demo application, so a freshly deployed WAR
 * answers something useful. It needs the filter in front of it, initialised first.
 */
public final class GatewayServlet extends ProxyServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);

    private transient GateConfig.Upstream upstream;
    private transient SessionStore sessions;
    private transient FailureResponder failures;
    private transient String upstreamBase;

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
        if (upstream == null) {
            LOG.info("event=gateway_off message=\"upstream.url is not set: serving the demo application\"");
            // GenericServlet must still hold the config.
            super.init(new ProxyConfig(config, Map.of()));
            return;
        }
        String base = upstream.url().toString();
        upstreamBase = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
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

    /** HTTP/1.1 only: no protocol negotiation per request, as the dynamic transport would do. */
    @Override
    protected HttpClient newHttpClient() {
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setConnectTimeout(upstream.connectTimeout().toMillis());
        return client;
    }

    /** The upstream URL plus the path below the context path and the query. */
    @Override
    protected String rewriteTarget(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String query = request.getQueryString();
        StringBuilder target = new StringBuilder(upstreamBase.length() + path.length() + 16).append(upstreamBase).append(path);
        if (query != null) {
            target.append('?').append(query);
        }
        return target.toString();
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        super.addViaHeader(clientRequest, proxyRequest);
        String peer = peerAddress(clientRequest);
        String forwardedFor = joined(clientRequest.getHeaders("X-Forwarded-For"));
        String host = clientRequest.getHeader("Host");
        String cookies = clientRequest.getHeader("Cookie");
        Session session = (Session) clientRequest.getAttribute(Session.REQUEST_ATTRIBUTE);
        UpstreamCookieJar jar = session == null ? null : UpstreamCookieJar.existing(session);
        String jarCookies = jar == null ? null : jar.cookieHeader(proxyRequest.getURI());
        proxyRequest.headers(headers -> {
            headers.put(HttpHeader.X_FORWARDED_FOR, forwardedFor == null ? peer : forwardedFor + ", " + peer);
            headers.put(HttpHeader.X_FORWARDED_PROTO, clientRequest.getScheme());
            if (host != null) {
                headers.put(HttpHeader.X_FORWARDED_HOST, host);
            }
            if (!upstream.forwardAuthorization()) {
                headers.remove(HttpHeader.AUTHORIZATION);
            }
            if (jarCookies != null) {
                headers.put(HttpHeader.COOKIE, cookies == null ? jarCookies : cookies + "; " + jarCookies);
            }
        });
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

    /** Keeps the upstream's cookies in the key's jar; passes them on only with {@code upstream.pass-cookies}. */
    @Override
    protected String filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse,
                                                String headerName, String headerValue) {
        if (HttpHeader.SET_COOKIE.is(headerName)) {
            Session session = (Session) clientRequest.getAttribute(Session.REQUEST_ATTRIBUTE);
            if (session != null) {
                UpstreamCookieJar jar = UpstreamCookieJar.of(session);
                String before = jar.text();
                if (!jar.store(serverResponse.getRequest().getURI(), headerValue)) {
                    LOG.warn("event=upstream_cookie_unparseable path={}", clientRequest.getRequestURI());
                } else if (jar.text() != before) {
                    sessions.share(session, UpstreamCookieJar.SHARED_NAME, jar.text());
                }
            }
            return upstream.passCookies() ? headerValue : null;
        }
        if (HttpHeader.LOCATION.is(headerName) && headerValue.startsWith(upstreamBase)) {
            return clientBase(clientRequest) + headerValue.substring(upstreamBase.length());
        }
        return headerValue;
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                          Response serverResponse, Throwable failure) {
        LOG.warn("event=upstream_failed method={} path={} upstream={} committed={} cause=\"{}\"",
                clientRequest.getMethod(), clientRequest.getRequestURI(), upstreamBase, proxyResponse.isCommitted(),
                String.valueOf(failure));
        super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
    }

    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest,
                                          HttpServletResponse proxyResponse, Throwable failure) {
        LOG.info("event=client_request_failed method={} path={} cause=\"{}\" message=\"upstream request aborted\"",
                clientRequest.getMethod(), clientRequest.getRequestURI(), String.valueOf(failure));
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    @Override
    protected int proxyResponseStatus(Throwable failure) {
        return failure instanceof TimeoutException ? 504 : 502;
    }

    /** Upstream failures get SessionGate's JSON answer; a response already under way can only be cut off. */
    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        if (proxyResponse.isCommitted() || (status != 502 && status != 504)) {
            super.sendProxyResponseError(clientRequest, proxyResponse, status);
            return;
        }
        try {
            proxyResponse.setHeader("Connection", "close");
            failures.respond(proxyResponse, status == 504 ? Rejection.UPSTREAM_TIMEOUT : Rejection.UPSTREAM_UNAVAILABLE,
                    null, null);
        } catch (IOException | RuntimeException e) {
            LOG.debug("event=error_response_failed", e);
        } finally {
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().complete();
            }
        }
    }

    /** The TCP peer, which is what a proxy appends to {@code X-Forwarded-For}, not the resolved client IP. */
    private static String peerAddress(HttpServletRequest request) {
        jakarta.servlet.ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        return inner.getRemoteAddr();
    }

    private static String clientBase(HttpServletRequest request) {
        String host = request.getHeader("Host");
        return request.getScheme() + "://" + (host != null ? host : request.getServerName() + ":" + request.getServerPort())
                + request.getContextPath();
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
