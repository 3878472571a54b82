package dev.sessiongate.auth;

import dev.sessiongate.util.Logfmt;
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

    /**
     * Where tokens are kept besides this node's memory: {@code tokens.file}, or Redis when the
     * cluster is on. Changes are written through; lookups are answered from memory.
     */
    public interface Store {
        /** Every stored token. */
        List<Token> loadAll() throws IOException;

        /** Keeps {@code token}; {@code all} is every token, it included. */
        void added(Token token, List<Token> all) throws IOException;

        /** Forgets {@code token}; {@code all} is every token left. */
        void removed(Token token, List<Token> all) throws IOException;

        /** The token with this hash if the store has one this node has not seen yet, else {@code null}. */
        default Token lookup(String hash) {
            return null;
        }
    }

    /** The store could not keep a change; nothing changed. */
    public static final class StoreFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        public StoreFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Store store;
    private final Map<String, Token> byHash = new ConcurrentHashMap<>();

    /**
     * Tokens kept in {@code file} (read now if it exists), or only in memory when {@code null}.
     *
     * @throws IOException when the file exists but cannot be read
     */
    public ApiTokens(Path file) throws IOException {
        this(file == null ? null : new FileStore(file));
    }

    /**
     * Tokens kept in {@code store} (read now), or only in memory when {@code null}.
     *
     * @throws IOException when the store cannot be read
     */
    public ApiTokens(Store store) throws IOException {
        this.store = store;
        reload();
    }

    /** Reads every token from the store again (another node issued or revoked one). */
    public synchronized void reload() throws IOException {
        if (store == null) {
            return;
        }
        Map<String, Token> loaded = new java.util.HashMap<>();
        for (Token token : store.loadAll()) {
            loaded.put(token.hash(), token);
        }
        byHash.putAll(loaded);
        byHash.keySet().retainAll(loaded.keySet());
        LOG.debug("event=tokens_loaded tokens={}", byHash.size());
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
        if (store != null) {
            List<Token> all = list();
            all.add(token);
            try {
                store.added(token, all);
            } catch (IOException e) {
                throw new StoreFailedException("token not issued: " + e.getMessage(), e);
            }
        }
        byHash.put(token.hash(), token);
        LOG.info("event=token_issued id={} user={} expiresAt={}", id, Logfmt.value(user), expiresAt);
        return new Issued(token, secret);
    }

    /** The live token whose secret is {@code secret}, or {@code null}. */
    public Token find(String secret) {
        String hash = hash(secret);
        Token token = byHash.get(hash);
        if (token == null && store != null) {
            token = store.lookup(hash);
            if (token != null) {
                byHash.put(hash, token);
            }
        }
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
        Token found = null;
        for (Token token : byHash.values()) {
            if (token.id().equals(id)) {
                found = token;
            }
        }
        if (found == null) {
            return false;
        }
        if (store != null) {
            List<Token> rest = list();
            rest.remove(found);
            try {
                store.removed(found, rest);
            } catch (IOException e) {
                throw new StoreFailedException("token not revoked: " + e.getMessage(), e);
            }
        }
        byHash.remove(found.hash());
        LOG.info("event=token_revoked id={}", id);
        return true;
    }

    /** Tokens as JSON, the form of {@code tokens.file} and of the cluster's token entries. */
    public static String toJson(Object tokenOrList) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tokenOrList);
    }

    /** One token from {@link #toJson} text. */
    public static Token tokenFromJson(String json) throws IOException {
        try {
            return JSON.readValue(json, Token.class);
        } catch (JacksonException e) {
            throw new IOException("not a token: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code tokens.file}: all tokens (hashes only) as JSON, rewritten whole on every change. */
    private static final class FileStore implements Store {
        private final Path file;

        FileStore(Path file) {
            this.file = file;
        }

        @Override
        public List<Token> loadAll() throws IOException {
            if (!Files.exists(file)) {
                return List.of();
            }
            try {
                List<Token> tokens = JSON.readValue(Files.readString(file), new TypeReference<List<Token>>() { });
                LOG.info("event=tokens_loaded file={} tokens={}", Logfmt.value(String.valueOf(file)), tokens.size());
                return tokens;
            } catch (JacksonException e) {
                throw new IOException("not a tokens file: " + e.getOriginalMessage(), e);
            }
        }

        @Override
        public void added(Token token, List<Token> all) throws IOException {
            write(all);
        }

        @Override
        public void removed(Token token, List<Token> all) throws IOException {
            write(all);
        }

        /** Writes to a new file moved over the old one, readable by the owner only. */
        private void write(List<Token> all) throws IOException {
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, toJson(all), StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
