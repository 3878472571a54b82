package dev.sessiongate.auth;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 */
public final class DelegatedAuthenticator implements Authenticator {
    /** The header of a {@code 2xx} answer that names the user. */
    static final String USER_HEADER = "X-Auth-User";

    private final URI url;
    private final Duration timeout;
    private final HttpClient client;

    public DelegatedAuthenticator(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        HttpResponse<Void> response = ask(HttpRequest.newBuilder(url).timeout(timeout)
                .header("Authorization", basic(user, password)).GET().build());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Optional.of(new Identity(userOf(response, user), groups(response), ""));
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
     * The whole answer, body included, within {@code auth.delegate-timeout} of the start. The
     * request's own time-out ends when the status line arrives, so a service that sends it and then
     * stalls the body would hold the check for as long as the connection lives.
     */
    private HttpResponse<Void> ask(HttpRequest request) {
        CompletableFuture<HttpResponse<Void>> answer = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        try {
            return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new DelegateFailedException("no answer from " + url + " within auth.delegate-timeout", e);
        } catch (ExecutionException e) {
            throw new DelegateFailedException("no answer from " + url + ": " + e.getCause().getClass().getSimpleName(),
                    e.getCause());
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new DelegateFailedException("interrupted while asking " + url, e);
        }
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
    private String userOf(HttpResponse<Void> response, String typed) {
        List<String> values = response.headers().allValues(USER_HEADER);
        if (values.isEmpty()) {
            return typed;
        }
        String name = values.get(0).strip();
        if (values.size() > 1 || name.isEmpty() || name.chars().anyMatch(Character::isISOControl)) {
            throw new DelegateFailedException(url + " answered an unusable " + USER_HEADER + " header", null);
        }
        return name;
    }

    private static Set<String> groups(HttpResponse<Void> response) {
        Set<String> groups = new LinkedHashSet<>();
        for (String value : response.headers().allValues("X-Auth-Groups")) {
            for (String group : value.split(",")) {
                if (!group.isBlank()) {
                    groups.add(group.trim());
                }
            }
        }
        return groups;
    }

    /** The delegate gave no usable answer: the client gets a 502. */
    public static final class DelegateFailedException extends AuthenticatorUnavailableException {
        private static final long serialVersionUID = 1L;

        DelegateFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
