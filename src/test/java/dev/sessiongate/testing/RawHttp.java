package dev.sessiongate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 request written byte for byte over a plain socket: for request targets that every
 * HTTP client library would normalise or refuse ({@code /admin/../api}, {@code ?a=|}).
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** The answer to {@code METHOD target} with {@code headers} (each {@code "Name: value"}), no body. */
    public static Answer send(int port, String method, String target, String... headers) {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        request.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
        return sendBytes(port, request.toString());
    }

    /** The answer to a whole request, written as it is (ISO-8859-1; use {@code \r\n} yourself). */
    public static Answer sendBytes(int port, String request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return Answer.parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what arrived before the server stopped talking or reset the connection is the answer
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A status (0 when nothing parseable came back), the header block and the body. */
    public record Answer(int status, String head, String body) {
        static Answer parse(String text) {
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            String body = end < 0 ? "" : text.substring(end + 4);
            int status = 0;
            if (head.startsWith("HTTP/1.") && head.length() >= 12) {
                try {
                    status = Integer.parseInt(head.substring(9, 12));
                } catch (NumberFormatException e) {
                    status = 0;
                }
            }
            return new Answer(status, head, body);
        }

        @Override
        public String toString() {
            return status + " " + body.substring(0, Math.min(200, body.length()));
        }
    }
}
