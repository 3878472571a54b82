package dev.sessiongate.session;

import dev.sessiongate.auth.Identity;
import dev.sessiongate.key.UserKey;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * One cached session: who authenticated, under which user key, when, and the attributes the
 * application stored in it.
 *
 * <p>Kept small, since a node holds up to {@code sessions.max} of them: the 128-bit id is two
 * longs and an IPv4 client address one int (their text forms are made on demand), the identity
 * is shared by every session of a user, and the attribute map exists only once the application
 * stores something.
 */
public final class Session {
    /**
     * The request attribute under which a request that passed the filter offers its
     * {@code Session}, for SessionGate's own servlets (the gateway keeps its cookie jar there).
     */
    public static final String REQUEST_ATTRIBUTE = Session.class.getName();

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLongFieldUpdater<Session> REQUESTS =
            AtomicLongFieldUpdater.newUpdater(Session.class, "requests");
    private static final AtomicLongFieldUpdater<Session> VALIDATED =
            AtomicLongFieldUpdater.newUpdater(Session.class, "validatedNanos");

    private final UserKey key;
    private final long idHigh;
    private final long idLow;
    private final Identity identity;
    /** An IPv4 client address, packed; 0 when {@link #clientIpText} holds the address instead. */
    private final int clientIpv4;
    /** The client address when it is not IPv4 (IPv6 is rarer and has many spellings), else null. */
    private final String clientIpText;
    private final long createdAt;
    private final long createdNanos;
    private volatile long lastAccessNanos;
    private volatile long requests;
    private volatile long validatedNanos;
    private volatile Map<String, Object> attributes;
    private volatile boolean invalid;
    /** What a cluster store keeps of this session beside it, or {@code null} on a single node. */
    private volatile Object storeState;

    /**
     * A new session with a fresh random id.
     *
     * @param createdAt    wall-clock creation time, epoch milliseconds
     * @param createdNanos creation time on the store's ticker, for expiry
     */
    public Session(UserKey key, Identity identity, String clientIp, long createdAt, long createdNanos) {
        this(key, randomId(), identity, clientIp, createdAt, createdNanos, createdNanos, 0);
    }

    private static byte[] randomId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return id;
    }

    private Session(UserKey key, byte[] id, Identity identity, String clientIp, long createdAt, long createdNanos,
                    long lastAccessNanos, long requests) {
        this.key = key;
        this.identity = identity;
        int ipv4 = Ipv4.pack(clientIp);
        this.clientIpv4 = ipv4;
        this.clientIpText = ipv4 == 0 ? clientIp : null;
        this.createdAt = createdAt;
        this.createdNanos = createdNanos;
        this.lastAccessNanos = lastAccessNanos;
        this.validatedNanos = lastAccessNanos;
        this.requests = requests;
        this.idHigh = toLong(id, 0);
        this.idLow = toLong(id, 8);
    }

    /**
     * A session another node created, as a cluster store read it back: same id, same times.
     *
     * @param id           the session's {@link #id()}
     * @param createdNanos creation time on this node's ticker
     * @param lastAccessNanos last request, on this node's ticker
     * @param requests     requests served so far, on every node
     * @throws IllegalArgumentException when {@code id} is not a session id
     */
    public static Session restore(UserKey key, String id, Identity identity, String clientIp, long createdAt,
                                  long createdNanos, long lastAccessNanos, long requests) {
        byte[] bytes = Base64.getUrlDecoder().decode(id);
        if (bytes.length != 16) {
            throw new IllegalArgumentException("not a session id");
        }
        return new Session(key, bytes, identity, clientIp, createdAt, createdNanos, lastAccessNanos, requests);
    }

    public UserKey key() {
        return key;
    }

    /** The session id: 128 random bits as 22 characters of URL-safe Base64. */
    public String id() {
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (idHigh >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (idLow >>> (56 - 8 * i));
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The id as two longs, for a store's index by id: no text kept per session. */
    Id idKey() {
        return new Id(idHigh, idLow);
    }

    /** A session id in its binary form; {@link #parse} reads the text of {@link #id()}. */
    record Id(long high, long low) {
        /** The id written as {@code text}, or {@code null} if it is no session id. */
        static Id parse(String text) {
            if (text == null || text.length() != 22) {
                return null;
            }
            byte[] bytes;
            try {
                bytes = Base64.getUrlDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                return null;
            }
            return bytes.length == 16 ? new Id(toLong(bytes, 0), toLong(bytes, 8)) : null;
        }
    }

    public Identity identity() {
        return identity;
    }

    public String clientIp() {
        return clientIpText != null ? clientIpText : Ipv4.format(clientIpv4);
    }

    public long createdAt() {
        return createdAt;
    }

    public long createdNanos() {
        return createdNanos;
    }

    /** Wall-clock time of the last request, epoch milliseconds (derived from the ticker). */
    public long lastAccessedAt() {
        return createdAt + (lastAccessNanos - createdNanos) / 1_000_000;
    }

    /** Ticker time of the last request. */
    public long lastAccessNanos() {
        return lastAccessNanos;
    }

    public long requests() {
        return requests;
    }

    /**
     * Records one request served by this session at {@code now} (ticker nanoseconds).
     *
     * @return how many requests the session has served, this one included
     */
    public long touch(long now) {
        lastAccessNanos = now;
        return REQUESTS.incrementAndGet(this);
    }

    /**
     * Whether the identity is due for revalidation at {@code now} (ticker nanoseconds), checked
     * {@code everyNanos} after the last check; true for exactly one caller per period, which
     * should then revalidate.
     */
    public boolean claimRevalidation(long now, long everyNanos) {
        long last = validatedNanos;
        return now - last >= everyNanos && VALIDATED.compareAndSet(this, last, now);
    }

    public boolean isValid() {
        return !invalid;
    }

    /** Ends the session; stores drop invalid sessions on their next lookup. */
    public void invalidate() {
        invalid = true;
    }

    /** What a cluster store keeps beside this session (see {@link #storeState(Object)}), or {@code null}. */
    public Object storeState() {
        return storeState;
    }

    /** Lets a cluster store keep {@code state} with this session; single-node sessions have none. */
    public void storeState(Object state) {
        this.storeState = state;
    }

    /** The attributes, created on first use. */
    public Map<String, Object> attributes() {
        Map<String, Object> map = attributes;
        if (map == null) {
            synchronized (this) {
                map = attributes;
                if (map == null) {
                    map = new ConcurrentHashMap<>(4);
                    attributes = map;
                }
            }
        }
        return map;
    }

    /**
     * The application's attribute {@code name}, or {@code null}: a {@link LazyAttribute} a cluster
     * store left in its place is loaded now, and replaced by its value (or dropped when it has none),
     * unless its value cannot be known now ({@link LazyAttribute.Meanwhile}).
     */
    public Object attribute(String name) {
        Map<String, Object> map = attributes;
        Object value = map == null ? null : map.get(name);
        if (!(value instanceof LazyAttribute lazy)) {
            return value;
        }
        Object loaded = lazy.load();
        if (loaded instanceof LazyAttribute.Meanwhile meanwhile) {
            return meanwhile.value();
        }
        if (loaded == null) {
            map.remove(name, value);
        } else {
            map.replace(name, value, loaded);
        }
        return loaded;
    }

    /**
     * Whether {@code name} is one of SessionGate's own attributes ({@code sessiongate.…},
     * {@code dev.sessiongate.…}), which keep their own path (see {@link SessionStore#share}) and
     * are never shared as application attributes.
     */
    public static boolean isInternal(String name) {
        return name.startsWith("sessiongate.") || name.startsWith("dev.sessiongate.");
    }

    /** The attributes if any were ever set, else {@code null}; never creates the map. */
    public Map<String, Object> attributesIfPresent() {
        return attributes;
    }

    private static long toLong(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    @Override
    public String toString() {
        return "Session[user=" + identity.name() + " key=" + key.tag() + "]";
    }

    /** Dotted-quad IPv4 addresses packed into an int (0.0.0.0, which no client has, means "not IPv4"). */
    static final class Ipv4 {
        private Ipv4() {
        }

        static int pack(String text) {
            if (text == null || text.length() > 15) {
                return 0;
            }
            int packed = 0;
            int octets = 0;
            int value = -1;
            for (int i = 0; i <= text.length(); i++) {
                char c = i < text.length() ? text.charAt(i) : '.';
                if (c == '.') {
                    if (value < 0 || ++octets > 4) {
                        return 0;
                    }
                    packed = (packed << 8) | value;
                    value = -1;
                } else if (c >= '0' && c <= '9' && value != 0) {
                    value = value < 0 ? c - '0' : value * 10 + (c - '0');
                    if (value > 255) {
                        return 0;
                    }
                } else if (c == '0' && value == 0) {
                    return 0; // "01": not the canonical spelling, keep the text
                } else {
                    return 0;
                }
            }
            return octets == 4 ? packed : 0;
        }

        static String format(int packed) {
            return (packed >>> 24) + "." + ((packed >>> 16) & 0xFF) + "." + ((packed >>> 8) & 0xFF) + "." + (packed & 0xFF);
        }
    }
}
