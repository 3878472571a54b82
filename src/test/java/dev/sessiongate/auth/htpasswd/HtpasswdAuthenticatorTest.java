package dev.sessiongate.auth.htpasswd;

import static dev.sessiongate.testing.Fixtures.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.sessiongate.auth.AuthenticatorUnavailableException;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.auth.Password;
import dev.sessiongate.filter.SessionGate;
import dev.sessiongate.testing.Fixtures;
import dev.sessiongate.testing.GateServer;
import dev.sessiongate.testing.LogCapture;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §3: htpasswd users with every hash that Apache's htpasswd and openssl passwd make (the
 * fixtures were made by them, see make-fixtures.sh), htgroup groups, reload on change.
 */
class HtpasswdAuthenticatorTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"bcrypt-2y", "bcrypt-2a", "bcrypt-2b", "apr1-htpasswd", "apr1-openssl",
            "sha256-crypt", "sha512-crypt", "sha1", "jürgen"})
    void everySupportedHashChecksTheRightPasswordOnly(String user) throws IOException {
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS);
        String password = user.equals("jürgen") ? "jürgen-pässwörd" : user + "-pw";
        assertThat(check(users, user, password)).map(Identity::name).contains(user);
        assertThat(check(users, user, password + "x")).isEmpty();
        assertThat(check(users, user, "")).isEmpty();
    }

    @Test
    void everyHashWorksThroughTheFilter() {
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", Fixtures.USERS.toString())
                .set("groups.file", Fixtures.GROUPS.toString())
                .build();
        try (GateServer server = GateServer.start(gate)) {
            for (String user : new String[] {"bcrypt-2y", "bcrypt-2a", "bcrypt-2b", "apr1-htpasswd", "apr1-openssl",
                    "sha256-crypt", "sha512-crypt", "sha1"}) {
                server.request().header("Authorization", basic(user, user + "-pw")).post("/api/x")
                        .then().statusCode(200);
                server.request().header("Authorization", basic(user, "nope")).post("/api/x")
                        .then().statusCode(401);
            }
        }
    }

    @Test
    void plainTextLinesAreNeverAcceptedAndNeverLogged() throws IOException {
        try (LogCapture log = new LogCapture()) {
            HtpasswdAuthenticator users = new HtpasswdAuthenticator(Fixtures.USERS, null);
            assertThat(check(users, "plain", "plain-pw")).isEmpty();
            assertThat(log.text()).contains("event=users_file_unsupported_hash").contains("user=plain")
                    .doesNotContain("plain-pw");
        }
    }

    @Test
    void unknownUserIsRefused() throws IOException {
        assertThat(check(new HtpasswdAuthenticator(Fixtures.USERS, null), "nobody", "x")).isEmpty();
    }

    @Test
    void namesAreLookedUpExactlyAndTheIdentityIsTheLines() throws IOException {
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS);
        for (String variant : new String[] {"SHA1", "Sha1", " sha1", "sha1 ", "JÜRGEN"}) {
            String password = variant.strip().toLowerCase(java.util.Locale.ROOT).equals("jürgen") ? "jürgen-pässwörd" : "sha1-pw";
            assertThat(check(users, variant, password)).as(variant).isEmpty();
        }
        assertThat(check(users, "sha1", "sha1-pw")).map(Identity::name).contains("sha1");
        assertThat(check(users, "jürgen", "jürgen-pässwörd")).map(Identity::name).contains("jürgen");
    }

    @Test
    void groupsComeFromTheHtgroupFile() throws IOException {
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(Fixtures.USERS, Fixtures.GROUPS);
        assertThat(check(users, "bcrypt-2y", "bcrypt-2y-pw").orElseThrow().groups()).containsExactlyInAnyOrder("partners", "admins");
        assertThat(check(users, "sha1", "sha1-pw").orElseThrow().groups()).containsExactly("partners");
        assertThat(check(users, "sha256-crypt", "sha256-crypt-pw").orElseThrow().groups()).isEmpty();
    }

    @Test
    void changedFilesAreReloadedAndValidateNoticesAPasswordChange() throws IOException {
        Path usersFile = dir.resolve("users.htpasswd");
        Path groupsFile = dir.resolve("users.htgroup");
        Files.copy(Fixtures.USERS, usersFile);
        Files.writeString(groupsFile, "partners: sha1\n");
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(usersFile, groupsFile);
        Identity before = check(users, "sha1", "sha1-pw").orElseThrow();
        assertThat(users.validate(before)).isTrue();

        // Replace the file as editors and htpasswd do: a new file moved over the old one.
        // {SHA} of "new-pw", as printed by `htpasswd -nbs sha1 new-pw`.
        Path replacement = dir.resolve("users.tmp");
        Files.writeString(replacement, "sha1:{SHA}lMkyXIreT2Mn2H4kBxPC/X/b/GM=\n", StandardCharsets.UTF_8);
        Files.move(replacement, usersFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(groupsFile, "partners: sha1\nadmins: sha1\n");

        assertThat(check(users, "sha1", "sha1-pw")).isEmpty();
        Identity after = check(users, "sha1", "new-pw").orElseThrow();
        assertThat(after.groups()).contains("admins");
        assertThat(users.validate(before)).isFalse();
        assertThat(users.validate(after)).isTrue();
        assertThat(check(users, "bcrypt-2y", "bcrypt-2y-pw")).isEmpty();
    }

    @Test
    void aFileThatDisappearsOrCannotBeReadFailsClosed() throws IOException {
        Path usersFile = dir.resolve("users.htpasswd");
        Files.copy(Fixtures.USERS, usersFile);
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(usersFile, null);
        Identity sha1 = check(users, "sha1", "sha1-pw").orElseThrow();

        Files.delete(usersFile);
        assertThatThrownBy(() -> check(users, "sha1", "sha1-pw")).isInstanceOf(AuthenticatorUnavailableException.class);
        assertThatThrownBy(() -> users.validate(sha1)).isInstanceOf(AuthenticatorUnavailableException.class);

        Files.createDirectory(usersFile); // there, but not a file anyone can read
        assertThatThrownBy(() -> check(users, "sha1", "sha1-pw")).isInstanceOf(AuthenticatorUnavailableException.class);

        Files.delete(usersFile);
        Files.copy(Fixtures.USERS, usersFile);
        assertThat(check(users, "sha1", "sha1-pw")).isPresent();
    }

    @Test
    void aGroupsFileThatDisappearsFailsClosedToo() throws IOException {
        Path groupsFile = dir.resolve("users.htgroup");
        Files.copy(Fixtures.GROUPS, groupsFile);
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(Fixtures.USERS, groupsFile);
        Files.delete(groupsFile);
        assertThatThrownBy(() -> check(users, "sha1", "sha1-pw")).isInstanceOf(AuthenticatorUnavailableException.class);
    }

    /**
     * Over HTTP: a deleted users file makes new logins {@code 503}, logged once; revalidation
     * cannot read it either and keeps the cached session (it lives until it expires); once the
     * file is back, without the user, revalidation ends that session.
     */
    @Test
    void aDeletedUsersFileRefusesNewLoginsAndKeepsSessionsUntilItIsBack() throws IOException {
        Path usersFile = dir.resolve("users.htpasswd");
        Files.copy(Fixtures.USERS, usersFile);
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        SessionGate gate = SessionGate.builder()
                .set("key.secret", Fixtures.SECRET)
                .set("users.file", usersFile.toString())
                .set("session.revalidate-after", "60s")
                .ticker(nanos::get)
                .build();
        try (LogCapture log = new LogCapture(); GateServer server = GateServer.start(gate)) {
            login(server, "sha1", "/api/a").then().statusCode(200);

            Files.delete(usersFile);
            login(server, "sha1", "/api/b").then().statusCode(503).body("error", equalTo("authentication_unavailable"));
            login(server, "sha256-crypt", "/api/a").then().statusCode(503);
            assertThat(log.lines()).filteredOn(line -> line.contains("event=users_file_unreadable")).hasSize(1);

            nanos.addAndGet(Duration.ofSeconds(61).toNanos());
            login(server, "sha1", "/api/a").then().statusCode(200); // due: revalidated in the background
            log.await("event=revalidation_unavailable");
            login(server, "sha1", "/api/a").then().statusCode(200);

            Files.writeString(usersFile, Files.readString(Fixtures.USERS).replaceAll("(?m)^sha1:.*$", ""));
            login(server, "sha256-crypt", "/api/a").then().statusCode(200);
            nanos.addAndGet(Duration.ofSeconds(61).toNanos());
            login(server, "sha1", "/api/a").then().statusCode(200);
            log.await("event=session_revalidation_failed user=sha1");
            login(server, "sha1", "/api/a").then().statusCode(401);
        }
    }

    /**
     * No timing: the unknown user's check is recorded, and it is a bcrypt check at the cost of the
     * file's hashes (12 here, not a fixed 10), recomputed when the file changes.
     */
    @Test
    void anUnknownUserIsCheckedAgainstADummyAtTheFilesOwnCost() throws IOException {
        Path usersFile = dir.resolve("users.htpasswd");
        Files.writeString(usersFile, "alice:" + bcrypt(12, "alice-pw") + "\nbob:" + bcrypt(12, "bob-pw")
                + "\ncarol:" + bcrypt(5, "carol-pw") + "\n");
        List<String> checked = new CopyOnWriteArrayList<>();
        HtpasswdAuthenticator users = new HtpasswdAuthenticator(usersFile, null, (password, hash) -> {
            checked.add(hash);
            return PasswordHashes.matches(password, hash);
        });
        assertThat(users.dummyHash()).startsWith("$2y$12$");
        try (GateServer server = GateServer.start(SessionGate.builder().set("key.secret", Fixtures.SECRET)
                .authenticator(users).build())) {
            server.request().header("Authorization", basic("mallory", "guess")).post("/api/x").then().statusCode(401);
            assertThat(checked).containsExactly(users.dummyHash());

            // Rehashed at cost 5 (all but alice): the dummy follows on the next check.
            Files.writeString(usersFile, "alice:" + bcrypt(12, "alice-pw") + "\nbob:" + bcrypt(5, "bob-pw")
                    + "\ncarol:" + bcrypt(5, "carol-pw") + "\n");
            checked.clear();
            server.request().header("Authorization", basic("mallory", "guess2")).post("/api/x").then().statusCode(401);
            assertThat(checked).hasSize(1).allMatch(hash -> hash.startsWith("$2y$05$"));
            assertThat(users.dummyHash()).isEqualTo(checked.get(0));
        }
    }

    @Test
    void theDummyHasTheMostCommonKindOfHashAndMatchesNothing() {
        assertThat(PasswordHashes.dummyFor(List.of("$2a$11$x", "$2b$11$y", "$2y$13$z"))).startsWith("$2y$11$");
        assertThat(PasswordHashes.dummyFor(List.of("$2y$10$x", "$2y$12$y"))).startsWith("$2y$12$");
        assertThat(PasswordHashes.dummyFor(List.of("$apr1$a$b", "$apr1$c$d", "$2y$12$y"))).startsWith("$apr1$");
        assertThat(PasswordHashes.dummyFor(List.of("$5$rounds=8000$s$h"))).startsWith("$5$rounds=8000$");
        assertThat(PasswordHashes.dummyFor(List.of("$6$s$h"))).startsWith("$6$").doesNotStartWith("$6$rounds");
        assertThat(PasswordHashes.dummyFor(List.of())).isEqualTo(PasswordHashes.DUMMY_HASH);
        for (String kind : new String[] {"$2y$05$x", "$apr1$a$b", "$5$s$h", "$6$s$h", "{SHA}x"}) {
            String dummy = PasswordHashes.dummyFor(List.of(kind));
            assertThat(PasswordHashes.kind(dummy)).isEqualTo(PasswordHashes.kind(kind));
            assertThat(PasswordHashes.matches("".getBytes(StandardCharsets.UTF_8), dummy)).as(dummy).isFalse();
            assertThat(PasswordHashes.matches("password".getBytes(StandardCharsets.UTF_8), dummy)).as(dummy).isFalse();
        }
    }

    private static String bcrypt(int cost, String password) {
        return BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(cost, password.toCharArray());
    }

    private static Response login(GateServer server, String user, String path) {
        return server.request().header("Authorization", basic(user, user + "-pw")).post(path);
    }

    private static Optional<Identity> check(HtpasswdAuthenticator users, String user, String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        try (Password pw = Password.copyOf(bytes, 0, bytes.length)) {
            return users.authenticate(user, pw);
        }
    }
}
