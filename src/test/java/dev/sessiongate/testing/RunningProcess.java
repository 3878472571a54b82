package dev.sessiongate.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A child process (the standalone jar, a servlet container) whose output is collected. */
public final class RunningProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private RunningProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::collect, "output-of-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command}, standard error merged into standard output. */
    public static RunningProcess start(ProcessBuilder command) throws IOException {
        return new RunningProcess(command.redirectErrorStream(true).start());
    }

    /** {@code java} of the JVM running the tests, then {@code args}. */
    public static ProcessBuilder java(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    private void collect() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.append(line).append('\n');
            }
        } catch (IOException e) {
            output.append("[output closed: ").append(e).append("]\n");
        }
    }

    public Process process() {
        return process;
    }

    /** What the process printed so far. */
    public String output() {
        return output.toString();
    }

    /** Waits for a line matching {@code pattern} and returns its first group. */
    public String await(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(output);
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (!process.isAlive() && !reader.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no output matching " + pattern + " within " + timeout + ":\n" + output);
    }

    /** Waits until {@code url} answers 200. */
    public void awaitHttp(String url, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(5000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(url + " did not answer 200 within " + timeout + ":\n" + output);
    }

    /** SIGTERM, then waits for the exit and the last of the output; true if it exited in time. */
    public boolean terminate(Duration timeout) throws InterruptedException {
        // Process.destroy() would also close our end of the output, losing the last lines.
        process.toHandle().destroy();
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        reader.join(5_000);
        return exited;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() && !terminate(Duration.ofSeconds(20))) {
            process.destroyForcibly();
        }
    }
}
