package dev.sessiongate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real third-party upstream: Debian's {@code python3-httpbin} (httpbin 0.7, the module
 * {@code httpbin}, its WSGI application {@code app}) served by Debian's {@code gunicorn} on a free
 * port of 127.0.0.1. Tests that need it are skipped where either package is missing, and fail
 * under {@code CI=true} ({@code .ci/run} installs both and sets that).
 */
public final class HttpbinProcess implements AutoCloseable {
    private static final Path DEBIAN_GUNICORN = Path.of("/usr/bin/gunicorn");
    private final RunningProcess process;
    private final int port;

    private HttpbinProcess(RunningProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** gunicorn with two synchronous workers (a dripping answer holds one), up and answering {@code /get}. */
    public static HttpbinProcess start() throws IOException, InterruptedException {
        String gunicorn = executable();
        // Loads the application as the server will, with gunicorn's own Python (not a pyenv's on the PATH).
        Required.program(succeeds(gunicorn, "--check-config", "httpbin:app"),
                "gunicorn serving httpbin:app (Debian packages gunicorn and python3-httpbin)");
        int port = WarContainers.freePort();
        RunningProcess process = RunningProcess.start(new ProcessBuilder(gunicorn, "--bind", "127.0.0.1:" + port,
                "--workers", "2", "--graceful-timeout", "2", "httpbin:app"));
        try {
            process.awaitHttp("http://127.0.0.1:" + port + "/get", Duration.ofSeconds(30));
        } catch (AssertionError e) {
            process.close();
            throw e;
        }
        return new HttpbinProcess(process, port);
    }

    /** {@code http://127.0.0.1:PORT}, with no path: httpbin answers at the root. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** What gunicorn printed so far. */
    public String output() {
        return process.output();
    }

    /** Debian's {@code /usr/bin/gunicorn}, else the one the system property {@code gunicorn} names, else the PATH's. */
    private static String executable() {
        return Required.path("gunicorn", Files.isExecutable(DEBIAN_GUNICORN) ? DEBIAN_GUNICORN.toString() : "gunicorn");
    }

    private static boolean succeeds(String... command) {
        try {
            Process probe = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!probe.waitFor(30, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            return false; // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGTERM to gunicorn's master, which stops its workers; killed if it takes longer than 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
