package dev.sessiongate.auth.htpasswd;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.util.Logfmt;
import dev.sessiongate.util.WatchedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import org.apache.commons.codec.digest.DigestUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users from an Apache htpasswd file ({@code users.file}) and, optionally, groups from an htgroup
 * file ({@code groups.file}). Both are read again when they change on disk.
 *
 * <p>Fails closed: a file that disappears or cannot be read (permissions, not a file, not UTF-8)
 * makes every {@link #authenticate} and {@link #validate} throw
 * {@link AuthenticatorUnavailableException} until it can be read again, logged once
 * ({@code event=users_file_unreadable}). Keeping the last good copy would keep users that were
 * removed. New logins are then {@code 503}. Cached sessions live on until their idle time-out or
 * lifetime: revalidation treats "cannot read" as "cannot ask", not as "user gone", since ending
 * every session because a file is briefly missing (a deploy that deletes before it copies, a
 * network mount that drops) would turn a hiccup into a storm of logins that all fail. A removed
 * user is an edited file, which revalidation honours as soon as it can read it; to end sessions
 * at once, empty the file or revoke them with the admin API.
 */
public final class HtpasswdAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(HtpasswdAuthenticator.class);

    private final Path usersFile;
    private final Path groupsFile;
    /** Whether a password matches a stored hash: {@link PasswordHashes#matches}. */
    private final BiPredicate<byte[], String> matcher;
    private final WatchedFiles<Snapshot> files;

    /**
     * Reads the files now.
     *
     * @param groupsFile the htgroup file, or {@code null} for no groups
     * @throws IOException when a file cannot be read
     */
    public HtpasswdAuthenticator(Path usersFile, Path groupsFile) throws IOException {
        this(usersFile, groupsFile, PasswordHashes::matches);
    }

    /** As the public constructor, checking passwords with {@code matcher} (tests record the hashes checked). */
    HtpasswdAuthenticator(Path usersFile, Path groupsFile, BiPredicate<byte[], String> matcher) throws IOException {
        this.usersFile = usersFile;
        this.groupsFile = groupsFile;
        this.matcher = matcher;
        this.files = new WatchedFiles<>(Arrays.asList(usersFile, groupsFile), this::read, new WatchedFiles.Events<>() {
            @Override
            public void reloaded(Snapshot value) {
                LOG.info("event=users_reloaded file={} users={}", Logfmt.value(usersFile.toString()), value.users.size());
            }

            @Override
            public void unreadable(Exception cause) {
                LOG.error("event=users_file_unreadable file={} message={} action=\"new logins refused (503) until it "
                        + "can be read; cached sessions live until they expire\"", Logfmt.value(usersFile.toString()),
                        Logfmt.value(cause.toString()));
            }
        });
        LOG.info("event=users_loaded file={} users={}", Logfmt.value(usersFile.toString()), current().users.size());
    }

    /**
     * Looks {@code user} up exactly (as Apache does: {@code Alice} is not {@code alice}); the
     * identity carries the name of the line that matched.
     */
    @Override
    public Optional<Identity> authenticate(String user, Password password) {
        Snapshot current = current();
        UserFiles.User line = current.users.get(user);
        if (line == null) {
            // Spend the same time as for a wrong password, so that timing does not reveal users.
            matcher.test(password.bytes(), current.dummyHash);
            return Optional.empty();
        }
        if (!matcher.test(password.bytes(), line.hash())) {
            return Optional.empty();
        }
        return Optional.of(new Identity(line.name(), current.groups.getOrDefault(line.name(), Set.of()), tag(line.hash())));
    }

    /** The line of {@code user}, looked up exactly as {@link #authenticate} does. */
    @Override
    public Optional<Identity> lookup(String user) {
        Snapshot current = current();
        UserFiles.User line = current.users.get(user);
        return line == null ? Optional.empty()
                : Optional.of(new Identity(line.name(), current.groups.getOrDefault(line.name(), Set.of()), tag(line.hash())));
    }

    @Override
    public boolean validate(Identity identity) {
        UserFiles.User line = current().users.get(identity.name());
        return line != null && tag(line.hash()).equals(identity.credentialTag());
    }

    /**
     * The snapshot, re-read first if either file changed since.
     *
     * @throws AuthenticatorUnavailableException when a file cannot be read (see the class comment)
     */
    private Snapshot current() {
        try {
            return files.get();
        } catch (IOException e) {
            throw new AuthenticatorUnavailableException("users file unreadable", e);
        }
    }

    private Snapshot read() throws IOException {
        Map<String, UserFiles.User> users = UserFiles.readUsers(usersFile);
        Map<String, Set<String>> groups = groupsFile == null ? Map.of() : UserFiles.readGroups(groupsFile);
        List<String> hashes = new ArrayList<>();
        users.values().forEach(user -> hashes.add(user.hash()));
        return new Snapshot(users, groups, PasswordHashes.dummyFor(hashes));
    }

    /** The hash unknown users are checked against now, for tests. */
    String dummyHash() {
        return current().dummyHash;
    }

    /** A non-secret tag of a stored hash: tells validate() whether the password changed. */
    private static String tag(String hash) {
        return DigestUtils.sha256Hex(hash.getBytes(StandardCharsets.US_ASCII)).substring(0, 16);
    }

    /** What the files said, with the dummy hash that unknown users are checked against (see {@link PasswordHashes#dummyFor}). */
    private record Snapshot(Map<String, UserFiles.User> users, Map<String, Set<String>> groups, String dummyHash) {
    }
}
