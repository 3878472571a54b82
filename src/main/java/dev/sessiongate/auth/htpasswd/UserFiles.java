package dev.sessiongate.auth.htpasswd;

import dev.sessiongate.util.Logfmt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads Apache's htpasswd ({@code user:hash}) and htgroup ({@code group: user user}) files. */
public final class UserFiles {
    private static final Logger LOG = LoggerFactory.getLogger(UserFiles.class);

    private UserFiles() {
    }

    /** One line of an htpasswd file: the user's name exactly as written there, and the hash. */
    record User(String name, String hash) {
        @Override
        public String toString() {
            return "User[" + name + "]"; // never the hash: plain-text "hashes" are passwords
        }
    }

    /** User name → its line; lines with a hash this version cannot check are skipped with a warning. */
    static Map<String, User> readUsers(Path file) throws IOException {
        Map<String, User> users = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                LOG.warn("event=users_file_bad_line file={} line={} message=\"expected user:hash\"", Logfmt.value(String.valueOf(file)), i + 1);
                continue;
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!PasswordHashes.isSupported(hash)) {
                // Never print the hash itself: plain-text "hashes" are passwords.
                LOG.warn("event=users_file_unsupported_hash file={} line={} user={} message=\"use bcrypt (htpasswd -B)\"",
                        Logfmt.value(String.valueOf(file)), i + 1, Logfmt.value(user));
                continue;
            }
            users.put(user, new User(user, hash));
        }
        return users;
    }

    /** User name → groups (also of users whose certificate is mapped, {@code auth.client-cert}). */
    public static Map<String, Set<String>> readGroups(Path file) throws IOException {
        Map<String, Set<String>> groupsByUser = new HashMap<>();
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            int colon = line.indexOf(':');
            if (line.isEmpty() || line.startsWith("#") || colon <= 0) {
                continue;
            }
            String group = line.substring(0, colon).strip();
            for (String user : line.substring(colon + 1).strip().split("\\s+")) {
                if (!user.isEmpty()) {
                    groupsByUser.computeIfAbsent(user, u -> new HashSet<>()).add(group);
                }
            }
        }
        return groupsByUser;
    }
}
