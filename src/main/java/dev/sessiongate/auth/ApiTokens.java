package dev.sessiongate.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * API tokens, the permanent sessions of SPEC §2: an admin issues one for a user; the client sends
 * it as {@code Authorization: Bearer <token>} and is that user with no password check, until the
 * token is revoked or expires. Only the SHA-256 of a token is kept (in memory and in
 * {@code tokens.file}), so a stolen file or heap dump gives no usable token; a lookup hashes the
 * presented token and finds its hash, so the time it takes says nothing about any stored token.
 */
public final class ApiTokens {
    private static final Logger LOG = LoggerFactory.getLogger(ApiTokens.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "sgt_";

    /**
     * One issued token, without its secret.
     *
     * @param id        public id, for listing and revoking
     * @param user      whom the token authenticates
     * @param hash      hex SHA-256 of the token
     * @param createdAt when it was issued
     * @param expiresAt when it stops working, or {@code null} for never
     */
    public record Token(String id, String user, String hash, Instant createdAt, Instant expiresAt) {
        boolean isExpired(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    /** A new token and the secret, which is shown this once. */
    public record Issued(Token token, String secret) {
    }

    private final Path file;
    private final Map<String, Token> byHash = new ConcurrentHashMap<>();

    /**
     * Tokens kept in {@code file} (read now if it exists), or only in memory when {@code null}.
     *
     * @throws IOException when the file exists but cannot be read
     */
    public ApiTokens(Path file) throws IOException {
        this.file = file;
        if (file != null && Files.exists(file)) {
            try {
                for (Token token : JSON.readValue(Files.readString(file), new TypeReference<List<Token>>() { })) {
                    byHash.put(token.hash(), token);
                }
            } catch (JacksonException e) {
                throw new IOException("not a tokens file: " + e.getOriginalMessage(), e);
            }
            LOG.info("event=tokens_loaded file={} tokens={}", file, byHash.size());
        }
    }

    /** Issues a token for {@code user}, valid until {@code expiresAt} ({@code null}: until revoked). */
    public synchronized Issued issue(String user, Instant expiresAt) throws IOException {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        byte[] idBytes = new byte[9];
        RANDOM.nextBytes(idBytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes);
        Token token = new Token(id, user, hash(secret), Instant.now(), expiresAt);
        byHash.put(token.hash(), token);
        save();
        LOG.info("event=token_issued id={} user={} expiresAt={}", id, user, expiresAt);
        return new Issued(token, secret);
    }

    /** The live token whose secret is {@code secret}, or {@code null}. */
    public Token find(String secret) {
        Token token = byHash.get(hash(secret));
        return token == null || token.isExpired(Instant.now()) ? null : token;
    }

    /** Whether the token with {@code id} still exists and has not expired. */
    public boolean isLive(String id) {
        Instant now = Instant.now();
        for (Token token : byHash.values()) {
            if (token.id().equals(id)) {
                return !token.isExpired(now);
            }
        }
        return false;
    }

    /** All tokens, without secrets, oldest first. */
    public List<Token> list() {
        List<Token> tokens = new ArrayList<>(byHash.values());
        tokens.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
        return tokens;
    }

    /** Revokes the token with {@code id}; false if there is none. */
    public synchronized boolean revoke(String id) throws IOException {
        boolean removed = byHash.values().removeIf(token -> token.id().equals(id));
        if (removed) {
            save();
            LOG.info("event=token_revoked id={}", id);
        }
        return removed;
    }

    /** Writes all tokens (hashes only) to a new file moved over the old one, readable by the owner only. */
    private void save() throws IOException {
        if (file == null) {
            return;
        }
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list()), StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
