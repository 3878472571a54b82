package dev.sessiongate.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.util.Base64;

/**
 * Application attributes as Redis keeps them: Java serialization (as Spring Session's
 * {@code JdkSerializationRedisSerializer} and Tomcat's session managers use), Base64 for the text
 * connection. Reading is bounded by an {@link ObjectInputFilter} — depth, array length, object
 * references and bytes — on top of the JVM's own serial filter, if one is set, and resolves
 * classes with the class loader it is given (the application's).
 */
final class AttributeCodec {
    /** Nesting deeper than this is refused on reading; object graphs of sessions are shallow. */
    static final int MAX_DEPTH = 100;

    private final int maxBytes;
    private final ObjectInputFilter limits;

    /** @param maxBytes the most serialized bytes of one attribute, written or read */
    AttributeCodec(int maxBytes) {
        this.maxBytes = maxBytes;
        this.limits = ObjectInputFilter.Config.createFilter("maxdepth=" + MAX_DEPTH + ";maxarray=" + maxBytes
                + ";maxrefs=" + maxBytes + ";maxbytes=" + maxBytes);
    }

    int maxBytes() {
        return maxBytes;
    }

    /** Why a value is not shared, and its serialized size when that is the reason. */
    static final class NotShareable extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;
        final long bytes;

        NotShareable(String reason, long bytes) {
            super(reason, null, false, false);
            this.reason = reason;
            this.bytes = bytes;
        }
    }

    /**
     * The serialized form of {@code value}.
     *
     * @throws NotShareable {@code not_serializable} (the value or a part of it is not
     *                      {@code Serializable}, or its serialization failed) or {@code too_large}
     *                      (over the per-attribute limit; the size is counted, not kept)
     */
    byte[] serialize(Object value) throws NotShareable {
        Bounded out = new Bounded(maxBytes);
        try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
            objects.writeObject(value);
        } catch (IOException | RuntimeException | StackOverflowError | LinkageError e) {
            // LinkageError: a writeObject that needs a class this webapp lacks (NoClassDefFoundError).
            throw new NotShareable("not_serializable", -1);
        }
        if (out.total > maxBytes) {
            throw new NotShareable("too_large", out.total);
        }
        return out.toByteArray();
    }

    String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * The value of a field as Redis holds it, with classes from {@code loader}.
     *
     * @throws IOException when it is not Base64, over the limit, refused by the filter or corrupt
     * @throws ClassNotFoundException when {@code loader} does not know one of its classes
     */
    Object decode(String text, ClassLoader loader) throws IOException, ClassNotFoundException {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new java.io.StreamCorruptedException("not Base64");
        }
        if (bytes.length > maxBytes) {
            throw new java.io.InvalidObjectException("over the limit of " + maxBytes + " bytes");
        }
        try (ObjectInputStream in = new LoaderInputStream(new ByteArrayInputStream(bytes), loader)) {
            in.setObjectInputFilter(this::check);
            return in.readObject();
        } catch (StackOverflowError e) {
            throw new java.io.InvalidObjectException("nested too deeply");
        }
    }

    /** The JVM-wide filter ({@code jdk.serialFilter}) first, if any: a class it refuses stays refused. */
    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
        ObjectInputFilter global = ObjectInputFilter.Config.getSerialFilter();
        if (global != null && global.checkInput(info) == ObjectInputFilter.Status.REJECTED) {
            return ObjectInputFilter.Status.REJECTED;
        }
        return limits.checkInput(info);
    }

    /** Resolves classes with the application's loader, as a container's session manager does. */
    private static final class LoaderInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc); // primitives' and the JDK's, as ObjectInputStream finds them
            }
        }
    }

    /** Keeps at most {@code max} bytes and counts the rest, so that a huge value costs no memory. */
    private static final class Bounded extends ByteArrayOutputStream {
        private final int max;
        long total;

        Bounded(int max) {
            super(Math.min(max, 256));
            this.max = max;
        }

        @Override
        public synchronized void write(int b) {
            if (++total <= max) {
                super.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            total += len;
            if (total <= max) {
                super.write(b, off, len);
            }
        }
    }
}
