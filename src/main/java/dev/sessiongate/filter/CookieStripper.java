package dev.sessiongate.filter;

import jakarta.servlet.http.Cookie;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/** Removes the cookies named in {@code strip-cookies} (any letter case), or all for {@code *}. */
final class CookieStripper {
    private final boolean all;
    private final Set<String> names;

    CookieStripper(boolean all, Set<String> lowerCaseNames) {
        this.all = all;
        this.names = Set.copyOf(lowerCaseNames);
    }

    Cookie[] keep(Cookie[] cookies) {
        if (all) {
            return new Cookie[0];
        }
        Cookie[] kept = new Cookie[cookies.length];
        int n = 0;
        for (Cookie cookie : cookies) {
            if (!names.contains(cookie.getName().toLowerCase(Locale.ROOT))) {
                kept[n++] = cookie;
            }
        }
        return n == cookies.length ? cookies : Arrays.copyOf(kept, n);
    }
}
