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
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} of the test's own, on a free port of 127.0.0.1 and keeping nothing
 * on disk, so that a test can kill it and bring it back empty on the same port. Tests that need
 * one are skipped where {@code redis-server} is not installed, and fail under {@code CI=true}
 * ({@code .ci/run} installs it and sets that). Also a replica ({@code --replicaof}), a sentinel
 * ({@link #sentinel}) or a Redis Cluster node ({@link #clusterNode}), each with its own
 * directory for the files Redis writes.
 */
public final class RedisProcess implements AutoCloseable {
    private final int port;
    /** What comes before the port in the command line: a config file for a sentinel, else nothing. */
    private final List<String> before;
    private final List<String> after;
    private RunningProcess process;

    private RedisProcess(int port, List<String> before, List<String> after) throws IOException, InterruptedException {
        this.port = port;
        this.before = before;
        this.after = after;
        launch();
    }

    /**
     * A new server on a free port, with {@code args} added to its command line (e.g.
     * {@code --replicaof 127.0.0.1 PORT}); skipped where redis-server is missing, failed under {@code CI=true}.
     */
    public static RedisProcess start(String... args) throws IOException, InterruptedException {
        Required.program(executable() != null, "redis-server");
        return new RedisProcess(freePort(), List.of(), List.of(args));
    }

    /**
     * A sentinel watching the primary on {@code primaryPort} as {@code name}: quorum 2, down after
     * 1 s, failover time-out 5 s. Its sentinel.conf (which it rewrites) lives in a temp directory.
     */
    public static RedisProcess sentinel(String name, int primaryPort) throws IOException, InterruptedException {
        Required.program(executable() != null, "redis-server");
        Path dir = Files.createTempDirectory("sentinel");
        dir.toFile().deleteOnExit();
        Path conf = dir.resolve("sentinel.conf");
        Files.writeString(conf, "sentinel monitor " + name + " 127.0.0.1 " + primaryPort + " 2\n"
                + "sentinel down-after-milliseconds " + name + " 1000\n"
                + "sentinel failover-timeout " + name + " 5000\n"
                + "sentinel parallel-syncs " + name + " 1\n");
        return new RedisProcess(freePort(), List.of(conf.toString(), "--sentinel"), List.of("--dir", dir.toString()));
    }

    /** A node of a Redis Cluster, not yet in one ({@code redis-cli --cluster create} joins them). */
    public static RedisProcess clusterNode() throws IOException, InterruptedException {
        Required.program(executable() != null, "redis-server");
        Path dir = Files.createTempDirectory("redis-cluster");
        dir.toFile().deleteOnExit();
        return new RedisProcess(freePort(), List.of(), List.of("--cluster-enabled", "yes", "--cluster-port",
                Integer.toString(freePort()), "--cluster-config-file", dir.resolve("nodes.conf").toString(),
                "--cluster-node-timeout", "2000", "--dir", dir.toString()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** {@code redis-cli}, beside redis-server, or {@code null} where it is missing. */
    public static String cli() {
        String server = executable();
        Path cli = server == null ? null : Path.of(server).resolveSibling("redis-cli");
        return cli != null && Files.isExecutable(cli) ? cli.toString() : null;
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
        List<String> command = new ArrayList<>();
        command.add(executable());
        command.addAll(before);
        command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        if (!after.contains("--dir")) {
            command.addAll(List.of("--dir", System.getProperty("java.io.tmpdir")));
        }
        command.addAll(after);
        process = RunningProcess.start(new ProcessBuilder(command));
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

    /** What the server printed so far. */
    public String output() {
        return process.output();
    }

    /** A field of {@code INFO section} as text, or {@code null} where it is not there (or the server is gone). */
    public String infoText(String section, String field) {
        String info = command("INFO " + section);
        if (info == null) {
            return null;
        }
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
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
