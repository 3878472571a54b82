package dev.sessiongate.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects the formatted log lines of every SessionGate logger while open. */
public final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger("dev.sessiongate");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public LogCapture() {
        appender.start();
        root.addAppender(appender);
    }

    /** Every line so far, as "LEVEL message", plus any exception text. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        synchronized (appender) {
            for (ILoggingEvent event : new ArrayList<>(appender.list)) {
                String line = event.getLevel() + " " + event.getFormattedMessage();
                if (event.getThrowableProxy() != null) {
                    line += " " + event.getThrowableProxy().getMessage();
                }
                lines.add(line);
            }
        }
        return lines;
    }

    /** All lines joined, for "contains" and "does not contain" checks. */
    public String text() {
        return String.join("\n", lines());
    }

    /**
     * Waits up to 5 s for a line containing {@code fragment}, and returns it. Response lines are
     * written after the response is complete, so a client may read the answer before they exist.
     */
    public String await(String fragment) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            for (String line : lines()) {
                if (line.contains(fragment)) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line contains '" + fragment + "' in:\n" + text());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
