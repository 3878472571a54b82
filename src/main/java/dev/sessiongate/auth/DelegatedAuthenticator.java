package dev.sessiongate.auth;

import dev.sessiongate.util.JettyScheduler;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Asks another service ({@code auth.delegate-url}), as nginx {@code auth_request} or Traefik
 * {@code forwardAuth} do: the Basic credentials go there in a {@code GET}; {@code 2xx} lets the
 * user in (with the groups of an {@code X-Auth-Groups} header, comma-separated, if the service
 * sends one), {@code 401} or {@code 403} does not; anything else, or no whole answer (connection,
 * status, headers and body) within {@code auth.delegate-timeout}, is a failure of the service
 * ({@code 502} to the client).
 *
 * <p>The user is the one the service names in an {@code X-Auth-User} header (as Authelia's
 * {@code Remote-User} or oauth2-proxy's {@code X-Auth-Request-User}), since a service that finds
 * {@code ALICE} as {@code alice} knows better than the client who that is; without the header,
 * the name as typed. A header that is empty, repeated or holds control characters is no usable
 * answer ({@code 502}), never a reason to fall back to the typed name.
 *
 * <p>{@link #validate} cannot re-check without the password, so it says yes: a delegated
 * session lasts until its idle timeout or lifetime.
 *
 * <p>The requests go through Jetty's {@link HttpClient} on threads of the authenticator's own
 * ({@code sessiongate-delegate-N}), which {@link #close} stops and waits for: the JDK's client
 * cannot be closed before Java 21, and its threads would outlive a redeployed webapp.
 */
public final class DelegatedAuthenticator implements Authenticator, AutoCloseable {
    /** The header of a {@code 2xx} answer that names the user. */
    static final String USER_HEADER = "X-Auth-User";
    /** How much longer than {@code auth.delegate-timeout} to wait for the client's own time-out to fire. */
    private static final long GRACE_MILLIS = 1000;

    private final URI url;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * A client of the service at {@code url}, started.
     *
     * @throws IllegalStateException when the HTTP client cannot start
     */
    public DelegatedAuthenticator(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
        QueuedThreadPool threads = new QueuedThreadPool(16, 1, 60_000);
        threads.setName("sessiongate-delegate");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        this.client = new HttpClient();
        client.setExecutor(threads);
        client.setScheduler(new JettyScheduler("sessiongate-delegate-scheduler"));
        client.setConnectTimeout(timeout.toMillis());
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty()); // one user's cookie must never go with another's check
        try {
            client.start();
            // A 401 is the service's "no", not a challenge for the client to answer; nothing to decode either.
            client.getProtocolHandlers().clear();
            client.getContentDecoderFactories().clear();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("the HTTP client for auth.delegate-url did not start", e);
        }
    }

    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        Response response = ask(basic(user, password));
        int status = response.getStatus();
        if (status >= 200 && status < 300) {
            return Optional.of(new Identity(userOf(response.getHeaders(), user), groups(response.getHeaders()), ""));
        }
        if (status == 401 || status == 403) {
            return Optional.empty();
        }
        throw new DelegateFailedException(url + " answered " + status, null);
    }

    @Override
    public boolean validate(Identity identity) {
        return true;
    }

    /**
     * The whole answer, body included (and discarded), within {@code auth.delegate-timeout} of
     * the start: the request's total time-out, so that a service that sends its status line and
     * then stalls the body cannot hold the check for as long as the connection lives.
     */
    private Response ask(String authorization) {
        Request request = client.newRequest(url).method(HttpMethod.GET)
                .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, authorization))
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<Result> answer = new CompletableFuture<>();
        request.send(answer::complete);
        Result result;
        try {
            result = answer.get(timeout.toMillis() + GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            request.abort(e);
            throw new DelegateFailedException("no answer from " + url + " within auth.delegate-timeout", e);
        } catch (ExecutionException e) {
            throw new DelegateFailedException("no answer from " + url + ": " + e.getCause().getClass().getSimpleName(),
                    e.getCause());
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new DelegateFailedException("interrupted while asking " + url, e);
        }
        if (result.isFailed()) {
            Throwable failure = result.getFailure();
            throw new DelegateFailedException(failure instanceof TimeoutException
                    ? "no answer from " + url + " within auth.delegate-timeout"
                    : "no answer from " + url + ": " + failure.getClass().getSimpleName(), failure);
        }
        return result.getResponse();
    }

    /** The header value; the only place the password becomes text, for as long as the request. */
    private static String basic(String user, Password password) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] pw = password.bytes();
        ByteBuffer joined = ByteBuffer.allocate(name.length + 1 + pw.length).put(name).put((byte) ':').put(pw);
        byte[] encoded = Base64.getEncoder().encode(joined.array());
        Arrays.fill(joined.array(), (byte) 0);
        return "Basic " + new String(encoded, StandardCharsets.US_ASCII);
    }

    /** The user the service vouches for: its {@code X-Auth-User}, else {@code typed}. */
    private String userOf(HttpFields headers, String typed) {
        List<String> values = headers.getValuesList(USER_HEADER);
        if (values.isEmpty()) {
            return typed;
        }
        String name = values.get(0).strip();
        if (values.size() > 1 || name.isEmpty() || name.chars().anyMatch(Character::isISOControl)) {
            throw new DelegateFailedException(url + " answered an unusable " + USER_HEADER + " header", null);
        }
        return name;
    }

    private static Set<String> groups(HttpFields headers) {
        Set<String> groups = new LinkedHashSet<>();
        for (String value : headers.getValuesList("X-Auth-Groups")) {
            for (String group : value.split(",")) {
                if (!group.isBlank()) {
                    groups.add(group.trim());
                }
            }
        }
        return groups;
    }

    /** Stops the HTTP client and waits for its threads. */
    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP client for auth.delegate-url did not stop", e);
        }
    }
}
