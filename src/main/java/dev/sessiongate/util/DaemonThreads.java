package dev.sessiongate.util;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads for SessionGate's background work: named, numbered, never keeping the JVM alive, and
 * remembered until they end, so that their owner can wait for them when it stops. A redeployed
 * webapp must not leave a thread behind, not even one that is about to end: the container looks
 * for them as soon as the webapp has stopped, and such a thread still holds the webapp's class
 * loader. An executor's {@code awaitTermination} is not enough, as it returns before its last
 * thread has ended.
 */
public final class DaemonThreads implements ThreadFactory {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonThreads.class);
    /** How long an owner waits for its threads when it stops: a check in flight is bounded by its own time-out. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final BiFunction<Runnable, String, Thread> maker;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    private DaemonThreads(String name, BiFunction<Runnable, String, Thread> maker) {
        this.name = name;
        this.maker = maker;
    }

    /** A factory of daemon threads named {@code name-1}, {@code name-2}, ... */
    public static DaemonThreads named(String name) {
        return new DaemonThreads(name, Thread::new);
    }

    /** As {@link #named(String)}, the threads made by {@code maker} (a library's own thread class). */
    public static DaemonThreads named(String name, BiFunction<Runnable, String, Thread> maker) {
        return new DaemonThreads(name, maker);
    }

    @Override
    public Thread newThread(Runnable task) {
        threads.removeIf(thread -> thread.getState() == Thread.State.TERMINATED);
        Thread thread = maker.apply(task, name + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        threads.add(thread);
        return thread;
    }

    /**
     * Stops {@code executor} (running tasks are interrupted, queued ones dropped) and waits for
     * every thread of this factory to end, at most {@link #STOP_TIMEOUT}.
     */
    public void stop(ExecutorService executor) {
        executor.shutdownNow();
        join();
    }

    /** Waits for every thread of this factory to end, at most {@link #STOP_TIMEOUT}; logs those that did not. */
    public void join() {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        boolean interrupted = false;
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || thread == Thread.currentThread()) {
                continue;
            }
            try {
                thread.join(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        threads.removeIf(thread -> !thread.isAlive());
        if (!threads.isEmpty()) {
            LOG.warn("event=threads_not_stopped threads={} waitedSeconds={}", Logfmt.value(threads.toString()),
                    STOP_TIMEOUT.toSeconds());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
