package dev.sessiongate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a free port of 127.0.0.1 that holds every chunk from the server for
 * {@link #delay} before passing it on: a slow Redis, for the time-out tests. {@link #stall()}
 * holds them until {@link #resume()}: a server that accepts and never answers, as a stopped
 * ({@code kill -STOP}) directory does.
 */
public final class SlowProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;
    private final Object stallLock = new Object();
    private boolean stalled;

    public SlowProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0);
        Thread acceptor = new Thread(this::accept, "slow-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Holds the server's answers this long from now on (zero: none). */
    public void delay(Duration delay) {
        this.delayMillis = delay.toMillis();
    }

    /** Holds every answer of the server from now on until {@link #resume()} or {@link #close()}. */
    public void stall() {
        synchronized (stallLock) {
            stalled = true;
        }
    }

    /** Passes the server's answers on again, those held included. */
    public void resume() {
        synchronized (stallLock) {
            stalled = false;
            stallLock.notifyAll();
        }
    }

    private void awaitUnstalled() throws InterruptedException {
        synchronized (stallLock) {
            while (stalled && !listener.isClosed()) {
                stallLock.wait();
            }
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket("127.0.0.1", targetPort);
                sockets.add(client);
                sockets.add(server);
                pump(client, server, false);
                pump(server, client, true);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean delayed) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    if (delayed) {
                        awaitUnstalled();
                    }
                    if (delayed && delayMillis > 0) {
                        Thread.sleep(delayMillis);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            } finally {
                close(from);
                close(to);
            }
        }, "slow-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        resume();
        sockets.forEach(SlowProxy::close);
    }
}
