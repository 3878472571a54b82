package dev.sessiongate.auth;

import java.util.Locale;

/**
 * User names as a user store may compare them. An LDAP directory finds {@code uid=alice} for
 * {@code ALICE}, {@code " alice"} and {@code "al  ice"} alike (case-ignoring matching with
 * insignificant spaces); where SessionGate must decide before any store has said who the user is
 * (failed-login counts) or where erring towards "the same user" is the safe side (a deny list),
 * it compares folded names.
 */
public final class UserNames {
    private UserNames() {
    }

    /**
     * {@code name} without leading and trailing spaces, each run of spaces inside as one, in lower
     * case ({@link Locale#ROOT}, so that the server's locale cannot change the result).
     */
    public static String fold(String name) {
        StringBuilder folded = new StringBuilder(name.length());
        boolean space = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (isSpace(c)) {
                space = folded.length() > 0;
            } else {
                if (space) {
                    folded.append(' ');
                    space = false;
                }
                folded.append(c);
            }
        }
        return folded.toString().toLowerCase(Locale.ROOT);
    }

    /** White space and the no-break spaces, which LDAP's string preparation also treats as spaces. */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
