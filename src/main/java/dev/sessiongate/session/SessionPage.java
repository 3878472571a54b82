package dev.sessiongate.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * One page of a search over the live sessions ({@link SessionStore#search}): the sessions of the
 * page and how many sessions matched in all. For the admin API; never on the request path.
 *
 * @param sessions the page, most recently active first
 * @param total    how many sessions matched, on every page
 */
public record SessionPage(List<Session> sessions, long total) {
    public SessionPage {
        sessions = List.copyOf(sessions);
    }

    /**
     * Whether {@code session}'s user or client IP contains {@code text}, in any letter case;
     * {@code null} or empty text matches every session.
     */
    public static boolean matches(Session session, String text) {
        return text == null || text.isEmpty() || contains(session.identity().name(), text)
                || contains(session.clientIp(), text);
    }

    /**
     * {@code text} anywhere in {@code in}, letter case ignored as
     * {@link String#regionMatches(boolean, int, String, int, int)} does.
     */
    public static boolean contains(String in, String text) {
        for (int i = 0; i + text.length() <= in.length(); i++) {
            if (in.regionMatches(true, i, text, 0, text.length())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Collects a page from sessions offered one by one, most recently active first (ties by
     * creation, then id, so that pages never overlap), keeping only the {@code offset + limit}
     * first in a heap: the first pages of a million sessions stay cheap. The times are read once
     * per session, since requests move them while the page is made.
     */
    public static final class Collector implements Consumer<Session> {
        private final String text;
        private final int offset;
        private final int limit;
        private final int keep;
        /** The kept entries, the one that would come last at the head. */
        private final PriorityQueue<Entry> top;
        private long total;

        public Collector(String text, int offset, int limit) {
            this.text = text;
            this.offset = offset;
            this.limit = limit;
            this.keep = (int) Math.min(Integer.MAX_VALUE - 8L, (long) offset + limit);
            this.top = new PriorityQueue<>(Math.max(1, Math.min(keep, 1024)), Collector::lastFirst);
        }

        @Override
        public void accept(Session session) {
            if (!matches(session, text)) {
                return;
            }
            total++;
            if (keep == 0) {
                return;
            }
            long last = session.lastAccessedAt();
            Entry worst = top.size() < keep ? null : top.peek();
            if (worst != null && last < worst.last) {
                return; // the common case once the heap is full: no allocation
            }
            Entry entry = new Entry(session, last, session.createdAt(), session.idKey());
            if (worst == null) {
                top.add(entry);
            } else if (lastFirst(entry, worst) > 0) {
                top.poll();
                top.add(entry);
            }
        }

        /** The page: the collected sessions from {@code offset} on, at most {@code limit}. */
        public SessionPage page() {
            List<Entry> sorted = new ArrayList<>(top);
            sorted.sort(Collections.reverseOrder(Collector::lastFirst));
            List<Session> page = new ArrayList<>();
            for (int i = offset; i < sorted.size() && i - offset < limit; i++) {
                page.add(sorted.get(i).session);
            }
            return new SessionPage(page, total);
        }

        /** Negative when {@code a} comes after {@code b} in the page order. */
        private static int lastFirst(Entry a, Entry b) {
            int byLast = Long.compare(a.last, b.last);
            if (byLast != 0) {
                return byLast;
            }
            int byCreated = Long.compare(a.created, b.created);
            if (byCreated != 0) {
                return byCreated;
            }
            int byHigh = Long.compare(a.id.high(), b.id.high());
            return byHigh != 0 ? byHigh : Long.compare(a.id.low(), b.id.low());
        }

        private record Entry(Session session, long last, long created, Session.Id id) {
        }
    }
}
