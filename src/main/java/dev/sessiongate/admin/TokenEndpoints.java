package dev.sessiongate.admin;

import dev.sessiongate.auth.ApiTokens;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.filter.FailureResponder;
import dev.sessiongate.filter.Rejection;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.session.Session;
import dev.sessiongate.util.Logfmt;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /admin/tokens}: {@code POST} issues a token (shown this once), {@code GET} lists them
 * without secrets, {@code DELETE /admin/tokens/{id}} revokes one and ends its sessions.
 *
 * <p>A token is issued only for a user the authenticator knows, under the name it knows the user
 * by ({@code ALICE} is {@code alice} to a directory): a token for a typo, or for a name the
 * application would take for someone else, serves nobody's purpose but an attacker's. An
 * authenticator that cannot tell without the password (delegated, container realm) issues one
 * only when the request says {@code "allowUnverifiedUser": true}, under the name as sent.
 */
final class TokenEndpoints {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_BODY = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(TokenEndpoints.class);

    private final SessionGate gate;
    private final FailureResponder failures;

    TokenEndpoints(SessionGate gate, FailureResponder failures) {
        this.gate = gate;
        this.failures = failures;
    }

    void serve(String path, String method, HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            route(path, method, request, response);
        } catch (ApiTokens.StoreFailedException e) {
            LOG.warn("event=token_store_failed method={} path={} message={}", Logfmt.value(method), Logfmt.value(path),
                    Logfmt.value(e.getMessage()));
            failures.respond(response, Rejection.STORE_UNAVAILABLE, null, null);
        }
    }

    private void route(String path, String method, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (path.equals("/tokens")) {
            if (method.equals("POST")) {
                issue(request, response);
            } else if (method.equals("GET")) {
                List<Map<String, Object>> views = new ArrayList<>();
                for (ApiTokens.Token token : gate.tokens().list()) {
                    views.add(view(token, null));
                }
                AdminServlet.write(response, 200, views);
            } else {
                AdminServlet.notAllowed(response, failures, "GET, POST");
            }
        } else if (method.equals("DELETE")) {
            revoke(path.substring("/tokens/".length()), response);
        } else {
            AdminServlet.notAllowed(response, failures, "DELETE");
        }
    }

    private void revoke(String id, HttpServletResponse response) throws IOException {
        if (!gate.tokens().revoke(id)) {
            failures.respond(response, Rejection.NOT_FOUND, "There is no token with this id.", null);
            return;
        }
        List<Session> ended = new ArrayList<>();
        gate.forEachSession(session -> {
            if (id.equals(session.identity().tokenId())) {
                ended.add(session);
            }
        });
        ended.forEach(gate::revoke);
        response.setStatus(204);
    }

    private void issue(HttpServletRequest request, HttpServletResponse response) throws IOException {
        JsonNode body;
        try (InputStream in = request.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                failures.respond(response, Rejection.BAD_REQUEST, "The body is larger than 64 KiB.", null);
                return;
            }
            body = JSON.readTree(bytes);
        } catch (JacksonException e) {
            failures.respond(response, Rejection.BAD_REQUEST, "The body is not valid JSON.", null);
            return;
        }
        JsonNode user = body == null ? null : body.get("user");
        if (user == null || !user.isString() || user.asString().isBlank() || user.asString().length() > 256) {
            failures.respond(response, Rejection.BAD_REQUEST, "The body needs a 'user' string.", null);
            return;
        }
        Instant expiresAt = null;
        JsonNode expiry = body.get("expiresAt");
        if (expiry != null && !expiry.isNull()) {
            try {
                expiresAt = Instant.parse(expiry.asString());
            } catch (DateTimeParseException e) {
                failures.respond(response, Rejection.BAD_REQUEST,
                        "'expiresAt' must be an ISO-8601 instant such as 2027-01-31T00:00:00Z.", null);
                return;
            }
            if (!expiresAt.isAfter(Instant.now())) {
                failures.respond(response, Rejection.BAD_REQUEST, "'expiresAt' is in the past.", null);
                return;
            }
        }
        JsonNode allow = body.get("allowUnverifiedUser"); // only a literal true, never "true" or 1
        String owner = owner(user.asString(), allow != null && allow.isBoolean() && allow.booleanValue(), response);
        if (owner == null) {
            return;
        }
        ApiTokens.Issued issued = gate.tokens().issue(owner, expiresAt);
        AdminServlet.write(response, 201, view(issued.token(), issued.secret()));
    }

    /**
     * The name to issue the token under: the authenticator's name for {@code user}; or, only if
     * {@code allowUnverified} and the authenticator cannot tell, {@code user} as sent. {@code null}
     * after answering the refusal.
     */
    private String owner(String user, boolean allowUnverified, HttpServletResponse response) throws IOException {
        try {
            Optional<Identity> known = gate.lookupUser(user);
            if (known.isEmpty()) {
                LOG.info("event=token_refused_unknown_user user={}", Logfmt.value(user));
                failures.respond(response, Rejection.UNKNOWN_USER, null, null);
                return null;
            }
            return known.get().name();
        } catch (UnsupportedOperationException e) {
            if (!allowUnverified) {
                failures.respond(response, Rejection.USER_UNVERIFIABLE, null, null);
                return null;
            }
            LOG.warn("event=token_user_unverified user={} message=\"the authenticator cannot tell whether this user "
                    + "exists; issued as sent, as the request allowed\"", Logfmt.value(user));
            return user;
        } catch (AuthenticatorUnavailableException e) {
            LOG.warn("event=token_user_lookup_failed user={} message={}", Logfmt.value(user), Logfmt.value(e.getMessage()));
            failures.respond(response, Rejection.AUTHENTICATION_UNAVAILABLE, null, null);
            return null;
        }
    }

    private static Map<String, Object> view(ApiTokens.Token token, String secret) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", token.id());
        if (secret != null) {
            view.put("token", secret);
        }
        view.put("user", token.user());
        view.put("createdAt", token.createdAt().toString());
        view.put("expiresAt", token.expiresAt() == null ? null : token.expiresAt().toString());
        return view;
    }
}
