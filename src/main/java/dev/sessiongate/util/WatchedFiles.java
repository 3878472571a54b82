package dev.sessiongate.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reader made of some files, read again on the first call after one of them changed on
 * disk (modification time, size, inode or readability). Fails closed: while a file cannot be
 * read, {@link #get} throws rather than hand out the last good value, which could still hold a
 * user who was removed.
 *
 * @param <T> what the files are read into
 */
public final class WatchedFiles<T> {
    /** Reads the files into a value. */
    @FunctionalInterface
    public interface Reader<T> {
        T read() throws IOException;
    }

    /** What the owner logs: a new value, and the first failure since the files could last be read. */
    public interface Events<T> {
        void reloaded(T value);

        void unreadable(Exception cause);
    }

    private final List<Path> files;
    private final Reader<T> reader;
    private final Events<T> events;
    private volatile Snapshot<T> snapshot;
    /** Whether {@link Events#unreadable} was told since the files could last be read; guarded by this. */
    private boolean failing;

    /**
     * Reads the files now.
     *
     * @param files the files {@code reader} reads; {@code null} entries (optional files not configured) are skipped
     * @throws IOException when a file cannot be read
     */
    public WatchedFiles(List<Path> files, Reader<T> reader, Events<T> events) throws IOException {
        this.files = files.stream().filter(Objects::nonNull).toList();
        this.reader = reader;
        this.events = events;
        this.snapshot = read();
    }

    /**
     * The value, read again first if a file changed since.
     *
     * @throws IOException when a file cannot be read now
     */
    public T get() throws IOException {
        Snapshot<T> current = snapshot;
        if (current.stamps.equals(stamps())) {
            return current.value;
        }
        synchronized (this) {
            current = snapshot;
            if (current.stamps.equals(stamps())) {
                return current.value;
            }
            try {
                current = read();
            } catch (IOException | UncheckedIOException e) {
                if (!failing) {
                    failing = true;
                    events.unreadable(e);
                }
                throw e instanceof UncheckedIOException unchecked ? unchecked.getCause() : (IOException) e;
            }
            snapshot = current;
            failing = false;
            events.reloaded(current.value);
            return current.value;
        }
    }

    private Snapshot<T> read() throws IOException {
        // Stamps first: a change during the read is then seen as a change on the next call.
        List<Object> stamps = stamps();
        for (int i = 0; i < files.size(); i++) {
            if (stamps.get(i) == null) {
                throw new IOException(files.get(i) + ": missing, not a file, or not readable");
            }
        }
        return new Snapshot<>(reader.read(), stamps);
    }

    private List<Object> stamps() {
        List<Object> stamps = new ArrayList<>(files.size());
        for (Path file : files) {
            stamps.add(stamp(file));
        }
        return stamps;
    }

    /**
     * Modification time, size and inode together notice edits and atomic replacements; readability
     * is part of it since a {@code chmod} changes none of them. {@code null} for a file that cannot be read.
     */
    private static Object stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.isRegularFile() && Files.isReadable(file)
                    ? List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey())) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private record Snapshot<T>(T value, List<Object> stamps) {
    }
}
