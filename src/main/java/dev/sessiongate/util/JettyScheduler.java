package dev.sessiongate.util;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A scheduler for Jetty's {@code HttpClient} (its time-outs) on one of SessionGate's daemon
 * threads, which {@link #stop()} ends and waits for. Jetty's own {@code ScheduledExecutorScheduler}
 * returns from {@code stop()} while its thread may still be running, so a container that looks for
 * a stopped webapp's threads right away would find it.
 */
public final class JettyScheduler extends AbstractLifeCycle implements Scheduler {
    private final DaemonThreads threads;
    private volatile ScheduledThreadPoolExecutor executor;

    /** A scheduler whose thread is named {@code name-N}. */
    public JettyScheduler(String name) {
        this.threads = DaemonThreads.named(name);
    }

    @Override
    protected void doStart() throws Exception {
        ScheduledThreadPoolExecutor started = new ScheduledThreadPoolExecutor(1, threads);
        started.setRemoveOnCancelPolicy(true); // a cancelled time-out leaves the queue at once
        executor = started;
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        ScheduledThreadPoolExecutor stopping = executor;
        executor = null;
        if (stopping != null) {
            threads.stop(stopping);
        }
        super.doStop();
    }

    @Override
    public Task schedule(Runnable task, long delay, TimeUnit unit) {
        ScheduledThreadPoolExecutor current = executor;
        if (current == null) {
            return () -> false;
        }
        ScheduledFuture<?> scheduled = current.schedule(task, delay, unit);
        return () -> scheduled.cancel(false);
    }
}
