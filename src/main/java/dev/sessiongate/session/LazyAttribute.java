package dev.sessiongate.session;

/**
 * An application attribute that another node wrote and this one has not turned into an object
 * yet: a cluster store puts it in the session's attributes in place of the value, and
 * {@link Session#attribute} loads it on the first read, on the request's thread (so with the
 * application's class loader).
 */
public interface LazyAttribute {
    /**
     * The value, or {@code null} when it is gone or cannot be read (the store logs why); or a
     * {@link Meanwhile} when it cannot be known now.
     */
    Object load();

    /**
     * What {@link #load} answers when the value cannot be known now (the store is unreachable):
     * {@code value}, the last one this node knew, serves this read, and the attribute stays in place
     * to be loaded again on the next, instead of that value becoming the attribute for good.
     */
    record Meanwhile(Object value) {
    }
}
