package dev.sessiongate.auth.htpasswd;

import dev.sessiongate.auth.Authenticator;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.util.Logfmt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.codec.digest.DigestUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users from an Apache htpasswd file ({@code users.file}) and, optionally, groups from an htgroup
 * file ({@code groups.file}). Both are read again when they change on disk; if a changed file
 * cannot be read, the last good copy stays in use.
 */
public final class HtpasswdAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(HtpasswdAuthenticator.class);

    private final Path usersFile;
    private final Path groupsFile;
    private volatile Snapshot snapshot;

    /**
     * Reads the files now.
     *
     * @param groupsFile the htgroup file, or {@code null} for no groups
     * @throws IOException when a file cannot be read
     */
    public HtpasswdAuthenticator(Path usersFile, Path groupsFile) throws IOException {
        this.usersFile = usersFile;
        this.groupsFile = groupsFile;
        this.snapshot = read();
        LOG.info("event=users_loaded file={} users={}", Logfmt.value(usersFile.toString()), snapshot.users.size());
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
            PasswordHashes.matches(password.bytes(), PasswordHashes.DUMMY_HASH);
            return Optional.empty();
        }
        if (!PasswordHashes.matches(password.bytes(), line.hash())) {
            return Optional.empty();
        }
        return Optional.of(new Identity(line.name(), current.groups.getOrDefault(line.name(), Set.of()), tag(line.hash())));
    }

    @Override
    public boolean validate(Identity identity) {
        UserFiles.User line = current().users.get(identity.name());
        return line != null && tag(line.hash()).equals(identity.credentialTag());
    }

    /** The snapshot, re-read first if either file changed since. */
    private Snapshot current() {
        Snapshot current = snapshot;
        if (current.isUpToDate(usersFile, groupsFile)) {
            return current;
        }
        synchronized (this) {
            current = snapshot;
            if (!current.isUpToDate(usersFile, groupsFile)) {
                try {
                    current = read();
                    snapshot = current;
                    LOG.info("event=users_reloaded file={} users={}", Logfmt.value(usersFile.toString()), current.users.size());
                } catch (IOException e) {
                    LOG.warn("event=users_reload_failed file={} message={} action=\"keeping the previous users\"",
                            Logfmt.value(usersFile.toString()), Logfmt.value(e.toString()));
                    if (current.users.isEmpty()) {
                        throw new AuthenticatorUnavailableException("users file unreadable", e);
                    }
                }
            }
            return current;
        }
    }

    private Snapshot read() throws IOException {
        // Stamps first: a change during the read is then seen as a change on the next call.
        Object usersStamp = stamp(usersFile);
        Object groupsStamp = groupsFile == null ? null : stamp(groupsFile);
        Map<String, UserFiles.User> users = UserFiles.readUsers(usersFile);
        Map<String, Set<String>> groups = groupsFile == null ? Map.of() : UserFiles.readGroups(groupsFile);
        return new Snapshot(users, groups, usersStamp, groupsStamp);
    }

    /** Modification time, size and inode: together they notice edits and atomic replacements. */
    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return java.util.List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
    }

    /** A non-secret tag of a stored hash: tells validate() whether the password changed. */
    private static String tag(String hash) {
        return DigestUtils.sha256Hex(hash.getBytes(StandardCharsets.US_ASCII)).substring(0, 16);
    }

    private record Snapshot(Map<String, UserFiles.User> users, Map<String, Set<String>> groups,
                            Object usersStamp, Object groupsStamp) {

        boolean isUpToDate(Path usersFile, Path groupsFile) {
            try {
                return usersStamp.equals(stamp(usersFile))
                        && (groupsFile == null || groupsStamp.equals(stamp(groupsFile)));
            } catch (IOException e) {
                return true; // a file in the middle of being replaced; try again next time
            }
        }
    }
}
