package dev.sessiongate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy to Redis that can cut only the connections that sent SUBSCRIBE (a
 * node's pub/sub connection) and refuse new connections until healed, leaving the command
 * connection untouched (as a pub/sub client killed by Redis's client-output-buffer-limit, or by
 * CLIENT KILL TYPE pubsub, whose reconnection then fails for a while).
 */
public final class SubscriberCutProxy implements AutoCloseable {
    private volatile ServerSocket listener;
    private final int port;
    private final int target;
    private final List<Pair> pairs = new CopyOnWriteArrayList<>();
    private volatile boolean refuseNew;

    private static final class Pair {
        final Socket client;
        final Socket server;
        volatile boolean subscriber;

        Pair(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void close() {
            try {
                client.close();
                server.close();
            } catch (IOException ignored) {
                // gone
            }
        }
    }

    public SubscriberCutProxy(int target) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.port = listener.getLocalPort();
        Thread t = new Thread(this::accept, "subscriber-cut-proxy");
        t.setDaemon(true);
        t.start();
    }

    private void accept() {
        ServerSocket listener = this.listener;
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (refuseNew) {
                    client.close();
                    continue;
                }
                Pair pair = new Pair(client, new Socket("127.0.0.1", target));
                pairs.add(pair);
                pump(pair, pair.client, pair.server, true);
                pump(pair, pair.server, pair.client, false);
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void pump(Pair pair, Socket from, Socket to, boolean fromClient) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    if (fromClient && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).toUpperCase().contains("SUBSCRIBE")) {
                        pair.subscriber = true;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // cut
            } finally {
                pair.close();
                pairs.remove(pair);
            }
        });
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return port;
    }

    /** Closes the subscribers' connections only, and refuses new connections until {@link #heal}. */
    public int cutSubscribers() {
        refuseNew = true;
        int n = 0;
        for (Pair pair : pairs) {
            if (pair.subscriber) {
                pair.close();
                n++;
            }
        }
        return n;
    }

    public void heal() {
        refuseNew = false;
    }

    /** As {@link #cutSubscribers}, but new connections are refused at TCP level (no listener) until {@link #rebind}. */
    public int cutSubscribersRefusing() throws IOException {
        int n = cutSubscribers();
        listener.close();
        return n;
    }

    /** Listens again on the same port (after {@link #cutSubscribersRefusing}). */
    public void rebind() throws IOException {
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        listener = again;
        refuseNew = false;
        Thread t = new Thread(this::accept, "subscriber-cut-proxy");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        refuseNew = true;
        for (Pair pair : pairs) {
            pair.close();
        }
        listener.close();
    }
}
