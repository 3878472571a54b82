package dev.sessiongate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code redis-server} of the test's own, on a free port of 127.0.0.1 and keeping nothing
 * on disk, so that a test can kill it and bring it back empty on the same port. Tests that need
 * one are skipped where {@code redis-server} is not installed, and fail under {@code CI=true}
 * ({@code .ci/run} installs it and sets that).
 */
public final class RedisProcess implements AutoCloseable {
    private final int port;
    private RunningProcess process;

    private RedisProcess(int port) throws IOException, InterruptedException {
        this.port = port;
        launch();
    }

    /** A new server on a free port; skipped where redis-server is missing, failed under {@code CI=true}. */
    public static RedisProcess start() throws IOException, InterruptedException {
        Required.program(executable() != null, "redis-server");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return new RedisProcess(port);
    }

    /** {@code redis-server} on the PATH or in /usr/bin, or the one system property {@code redis-server} names. */
    private static String executable() {
        String configured = Required.path("redis-server", null);
        if (configured != null) {
            return Files.isExecutable(Path.of(configured)) ? configured : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return Files.isExecutable(Path.of("/usr/bin/redis-server")) ? "/usr/bin/redis-server" : null;
    }

    private void launch() throws IOException, InterruptedException {
        process = RunningProcess.start(new ProcessBuilder(executable(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", System.getProperty("java.io.tmpdir")));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!"+PONG".equals(command("PING"))) {
            if (System.nanoTime() > deadline || !process.process().isAlive()) {
                throw new IllegalStateException("redis-server did not start:\n" + process.output());
            }
            Thread.sleep(20);
        }
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Kills the server at once, as a crash would. */
    public void kill() throws InterruptedException {
        process.process().destroyForcibly().waitFor();
    }

    /** Starts it again on the same port, empty. */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    /**
     * Runs one inline command and returns the first line of its reply (or, for a bulk reply, its
     * body), {@code null} if the server cannot be reached.
     */
    public String command(String inline) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String first = line(in);
            if (first.startsWith("$") && !first.equals("$-1")) {
                byte[] body = in.readNBytes(Integer.parseInt(first.substring(1)));
                return new String(body, StandardCharsets.UTF_8);
            }
            return first;
        } catch (IOException e) {
            return null;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** A number from {@code INFO}: {@code field} of the section it is in, e.g. {@code total_commands_processed}. */
    public long info(String section, String field) {
        for (String line : command("INFO " + section).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no " + field + " in INFO " + section);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
