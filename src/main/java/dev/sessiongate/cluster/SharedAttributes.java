package dev.sessiongate.cluster;

import dev.sessiongate.key.UserKey;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.LazyAttribute;
import dev.sessiongate.session.Session;
import dev.sessiongate.util.Logfmt;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's session attributes in a cluster: what a request set or removed is written to
 * the session's Redis hash when the request ends (one script call: fields {@code a:<name>} set or
 * deleted, and one message on {@code sg:attributes}), and every node that holds the session marks
 * those attributes to be read again from Redis on their next use. A node that loads a session from
 * Redis gets its attributes as they are there, each turned into an object on its first read.
 *
 * <p>A value that is not serializable, over {@code session.attribute-max-bytes}, or that would take
 * the session over {@code session.attributes-max-bytes}, stays on the node that set it (one log
 * line per attribute name); if an earlier value of it was shared, that one is deleted, so that no
 * node serves a stale value. Values never appear in log lines.
 */
final class SharedAttributes {
    private static final Logger LOG = LoggerFactory.getLogger(SharedAttributes.class);
    static final String CHANNEL = "sg:attributes";
    /** The hash fields of application attributes: this prefix and the attribute's name. */
    static final String FIELD = "a:";
    /** Names whose "not shared" line was logged; cleared when full, so a flood of names cannot grow it. */
    private static final int MAX_LOGGED = 1000;
    /**
     * KEYS session; ARGV id channel message, then field, value... (an empty value deletes the
     * field: a serialized value is never empty). Nothing when the session is no longer that one.
     */
    static final LuaScript SAVE = new LuaScript("""
            if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
            for i = 4, #ARGV, 2 do
              if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
              else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            end
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return 1
            """);

    private final RedisLink redis;
    private final CaffeineSessionStore near;
    private final Function<UserKey, String> sessionKey;
    private final AttributeCodec codec;
    private final int maxSessionBytes;
    /** Tells this node's messages from the others' (node names need not differ). */
    private final String instance;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    SharedAttributes(RedisLink redis, CaffeineSessionStore near, Function<UserKey, String> sessionKey,
                     int maxAttributeBytes, int maxSessionBytes) {
        this.redis = redis;
        this.near = near;
        this.sessionKey = sessionKey;
        this.codec = new AttributeCodec(maxAttributeBytes);
        this.maxSessionBytes = maxSessionBytes;
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.instance = java.util.HexFormat.of().formatHex(id);
    }

    /**
     * What the store keeps per session about its shared attributes: their serialized sizes as far
     * as this node knows (for the per-session limit), and the names a write could not reach Redis
     * with, written when it returns.
     */
    static final class State {
        final Map<String, Integer> sizes = new ConcurrentHashMap<>(4);
        final Set<String> unsaved = ConcurrentHashMap.newKeySet(2);

        long total() {
            long total = 0;
            for (int size : sizes.values()) {
                total += size;
            }
            return total;
        }
    }

    /**
     * Writes the current values of {@code changed} to Redis and tells the other nodes; at most one call.
     *
     * @return false when Redis could not be reached (the names are kept for {@link #writeBackUnsaved})
     */
    boolean save(Session session, Set<String> changed) {
        State state = RedisSessionStore.attributeState(session);
        if (state == null) {
            return true;
        }
        Map<String, Object> attributes = session.attributesIfPresent();
        List<String> args = new ArrayList<>();
        args.add(session.id());
        args.add(CHANNEL);
        args.add(null); // the message, once known
        StringBuilder message = new StringBuilder(96).append(session.key().hex()).append(' ').append(session.id())
                .append(' ').append(instance);
        Set<String> written = new HashSet<>();
        synchronized (state) {
            for (String name : changed) {
                Object value = attributes == null ? null : attributes.get(name);
                if (value instanceof LazyAttribute) {
                    continue; // another node's value, already in Redis
                }
                String text = value == null ? null : shareable(session, state, name, value);
                if (text != null) {
                    args.add(FIELD + name);
                    args.add(text);
                    message.append("\n+").append(state.sizes.get(name)).append(' ').append(encode(name));
                    written.add(name);
                } else if (value == null || state.sizes.containsKey(name)) {
                    state.sizes.remove(name);
                    args.add(FIELD + name);
                    args.add("");
                    message.append("\n-").append(encode(name));
                    written.add(name);
                }
            }
        }
        if (written.isEmpty()) {
            return true;
        }
        args.set(2, message.toString());
        try {
            redis.script(SAVE, ScriptOutputType.INTEGER, new String[] {sessionKey.apply(session.key())},
                    args.toArray(new String[0]));
            state.unsaved.removeAll(written);
            return true;
        } catch (RedisLink.Unavailable e) {
            state.unsaved.addAll(written); // kept here; written when Redis returns
            return false;
        }
    }

    /**
     * The value as Redis will hold it, with its size noted in {@code state}; or {@code null} when
     * it stays on this node (logged once per name and reason).
     */
    private String shareable(Session session, State state, String name, Object value) {
        byte[] bytes;
        try {
            bytes = codec.serialize(value);
        } catch (AttributeCodec.NotShareable e) {
            if (e.bytes < 0) {
                notShared(name, value, e.reason, "");
            } else {
                notShared(name, value, e.reason, " bytes=" + e.bytes + " limit=" + codec.maxBytes());
            }
            return null;
        }
        Integer before = state.sizes.get(name);
        long total = state.total() - (before == null ? 0 : before) + bytes.length;
        if (total > maxSessionBytes) {
            notShared(name, value, "session_too_large", " bytes=" + bytes.length + " sessionBytes=" + total
                    + " limit=" + maxSessionBytes);
            return null;
        }
        state.sizes.put(name, bytes.length);
        return codec.encode(bytes);
    }

    private void notShared(String name, Object value, String reason, String sizes) {
        if (logged.size() >= MAX_LOGGED) {
            logged.clear();
        }
        if (logged.add(reason + " " + name)) {
            LOG.warn("event=attribute_not_shared name={} class={} reason={}{} message=\"kept on this node only\"",
                    Logfmt.value(name), Logfmt.value(value.getClass().getName()), reason, sizes);
        }
    }

    /**
     * A message on {@code sg:attributes}: {@code <user key hex> <session id> <instance>}, then one
     * line per attribute, {@code +<bytes> <name>} (set) or {@code -<name>} (removed), names
     * URL-encoded. On Lettuce's thread, so no I/O: a set attribute is marked to be read again.
     */
    void changedElsewhere(String message) {
        String[] lines = message.split("\n");
        String[] head = lines[0].split(" ");
        if (head.length != 3 || head[2].equals(instance)) {
            return;
        }
        UserKey key = UserKey.fromHex(head[0]);
        Session local = key == null ? null : near.peek(key);
        State state = local == null || !local.id().equals(head[1]) ? null : RedisSessionStore.attributeState(local);
        if (state == null) {
            return;
        }
        Map<String, Object> attributes = local.attributes();
        try {
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                if (line.startsWith("+")) {
                    int space = line.indexOf(' ');
                    String name = decode(line.substring(space + 1));
                    state.sizes.put(name, Integer.parseInt(line.substring(1, space)));
                    attributes.put(name, new Stale(key, name, attributes.get(name)));
                } else if (line.startsWith("-")) {
                    String name = decode(line.substring(1));
                    state.sizes.remove(name);
                    attributes.remove(name);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("event=attributes_message_ignored message=\"not an attributes message\"");
        }
    }

    /** The attribute fields of a session's hash, as values loaded on first read; sizes noted. */
    void restore(Session session, Map<String, String> fields) {
        State state = RedisSessionStore.attributeState(session);
        fields.forEach((field, text) -> {
            if (field.startsWith(FIELD)) {
                String name = field.substring(FIELD.length());
                session.attributes().put(name, new Serialized(name, text));
                if (state != null) {
                    state.sizes.put(name, text.length() / 4 * 3);
                }
            }
        });
    }

    /**
     * The shared attributes of {@code session} as field, value pairs for its whole record, when it is
     * written back after an outage: those this node shared or could not share for want of Redis.
     */
    void appendFields(Session session, List<String> args) {
        State state = RedisSessionStore.attributeState(session);
        Map<String, Object> attributes = session.attributesIfPresent();
        if (state == null || attributes == null) {
            return;
        }
        Set<String> names = new HashSet<>(state.sizes.keySet());
        names.addAll(state.unsaved);
        for (String name : names) {
            Object value = attributes.get(name);
            if (value instanceof Stale stale) {
                value = stale.previous; // the last value this node knew: better than none after Redis lost its data
            }
            String text = null;
            if (value instanceof Serialized serialized) {
                text = serialized.text;
            } else if (value != null && !(value instanceof LazyAttribute)) {
                try {
                    text = codec.encode(codec.serialize(value));
                } catch (AttributeCodec.NotShareable e) {
                    text = null; // logged when it was set
                }
            }
            if (text != null) {
                args.add(FIELD + name);
                args.add(text);
            }
        }
    }

    /**
     * On recovery, after the sessions' write-back: the attribute changes Redis missed meanwhile.
     * Redis failing again fails the recovery, which the link's next probe retries.
     */
    void writeBackUnsaved() {
        List<Session> sessions = new ArrayList<>();
        near.forEach(session -> {
            State state = RedisSessionStore.attributeStateIfPresent(session);
            if (state != null && !state.unsaved.isEmpty()) {
                sessions.add(session);
            }
        });
        for (Session session : sessions) {
            State state = RedisSessionStore.attributeStateIfPresent(session);
            if (!save(session, Set.copyOf(state.unsaved))) {
                throw new IllegalStateException("attribute write-back: Redis did not answer");
            }
        }
        if (!sessions.isEmpty()) {
            LOG.info("event=attributes_written_back sessions={}", sessions.size());
        }
    }

    /**
     * On recovery, after the write-back: the {@code sg:attributes} messages sent while this node
     * was away from Redis are lost, so every attribute another node may have set, changed or
     * removed meanwhile is marked to be read again (one pipelined {@code HKEYS} per session this
     * node holds, by batches). Local-only values (not shareable) stay as they are.
     */
    void refreshAfterOutage() {
        List<Session> sessions = new ArrayList<>();
        near.forEach(sessions::add);
        int[] marked = {0};
        if (!redis.pipelined(sessions, "attribute refresh", java.time.Duration.ofSeconds(10),
                (async, session) -> async.hkeys(sessionKey.apply(session.key())),
                (session, fields) -> marked[0] += markStale(session, fields))) {
            return;
        }
        if (marked[0] > 0) {
            LOG.info("event=attributes_refreshed sessions={} message=\"read again on next use: changes made elsewhere "
                    + "while this node was away from Redis\"", marked[0]);
        }
    }

    /** Marks the shared attributes of {@code session} (by Redis's {@code fields} and by what this node shared) stale. */
    private int markStale(Session session, List<String> fields) {
        State state = RedisSessionStore.attributeStateIfPresent(session);
        Set<String> names = new HashSet<>();
        for (String field : fields) {
            if (field.startsWith(FIELD)) {
                names.add(field.substring(FIELD.length()));
            }
        }
        if (state != null) {
            names.addAll(state.sizes.keySet());
        }
        if (names.isEmpty()) {
            return 0;
        }
        Map<String, Object> attributes = session.attributes();
        for (String name : names) {
            attributes.put(name, new Stale(session.key(), name, attributes.get(name)));
        }
        return 1;
    }

    /** The object Redis holds in {@code text}, or {@code null} (logged) when it cannot be read. */
    private Object load(String name, String text) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try {
            return codec.decode(text, loader != null ? loader : SharedAttributes.class.getClassLoader());
        } catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e) {
            // LinkageError: a class of the value that this node's version of the application cannot
            // load (NoClassDefFoundError during a rolling deploy, say): dropped here, never a 500.
            String reason = e instanceof ClassNotFoundException || e instanceof java.io.InvalidClassException
                    || e instanceof java.io.InvalidObjectException
                    ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getClass().getSimpleName();
            LOG.warn("event=attribute_unreadable name={} reason={} message=\"dropped on this node\"", Logfmt.value(name),
                    Logfmt.value(reason));
            return null;
        }
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static String decode(String name) {
        return URLDecoder.decode(name, StandardCharsets.UTF_8);
    }

    /** An attribute as read from Redis with its session, turned into an object on first use. */
    private final class Serialized implements LazyAttribute {
        private final String name;
        private final String text;

        Serialized(String name, String text) {
            this.name = name;
            this.text = text;
        }

        @Override
        public Object load() {
            return SharedAttributes.this.load(name, text);
        }
    }

    /**
     * An attribute another node changed: read from Redis on first use; the value this node had is
     * kept for when Redis cannot be asked.
     */
    private final class Stale implements LazyAttribute {
        private final UserKey key;
        private final String name;
        /** The last value this node knew: an object, or a {@link Serialized} not read yet. */
        private final Object previous;
        /** {@link #previous} as an object, once a read needed it: one object, read once, while Redis is away. */
        private volatile Object previousValue;

        Stale(UserKey key, String name, Object previous) {
            this.key = key;
            this.name = name;
            this.previous = previous instanceof Stale stale ? stale.previous : previous;
        }

        @Override
        public Object load() {
            String text;
            try {
                text = redis.call(r -> r.hget(sessionKey.apply(key), FIELD + name));
            } catch (RedisLink.Unavailable e) {
                // Still stale: read again next time. (A request between the recovery's marking and
                // Redis being marked up again had otherwise made the old value the attribute for good.)
                return new LazyAttribute.Meanwhile(previousValue());
            }
            return text == null ? null : SharedAttributes.this.load(name, text);
        }

        private Object previousValue() {
            if (!(previous instanceof LazyAttribute lazy)) {
                return previous;
            }
            Object value = previousValue;
            if (value == null) {
                synchronized (this) {
                    value = previousValue;
                    if (value == null) {
                        value = lazy.load();
                        previousValue = value;
                    }
                }
            }
            return value;
        }
    }
}
