package dev.sessiongate.confusion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One connection: the request bytes written exactly as given, then everything the server sends
 * until it closes the connection (every request asks it to) or the time is up, parsed into the
 * answers it holds.
 *
 * @param answers the final answers, in order (interim {@code 1xx} ones left out)
 * @param ending  how the connection ended: {@code closed}, {@code timeout} or the I/O error
 * @param millis  how long the exchange took, connect to close
 */
public record RawExchange(List<Answer> answers, String ending, long millis) {
    private static final int MAX_BYTES = 1 << 20;

    /**
     * Sends {@code request} to {@code 127.0.0.1:port} and reads until the server closes, or until
     * {@code expected} complete answers have arrived (0: until it closes), or the time is up;
     * {@code head}: the first answer has no body.
     */
    public static RawExchange send(int port, byte[] request, boolean head, int expected, Duration timeout) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        String ending;
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // The server may answer and close before it has read everything (a 400 on the
                // request line, a 401 before a body): its answer is still there to be read.
            }
            ending = readAll(socket, received, head, expected, deadline);
        } catch (IOException e) {
            ending = "connect failed: " + e;
        }
        return new RawExchange(parse(received.toByteArray(), head), ending, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Reads until the server closes; or, since a server may keep the connection open after all
     * (a CONNECT, an upgrade), until {@code expected} complete answers have arrived.
     */
    private static String readAll(Socket socket, ByteArrayOutputStream received, boolean head, int expected,
                                  long deadline) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = socket.getInputStream();
            while (received.size() < MAX_BYTES) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return "timeout";
                }
                socket.setSoTimeout((int) left);
                int n = in.read(buffer);
                if (n < 0) {
                    return "closed";
                }
                received.write(buffer, 0, n);
                if (expected > 0 && parse(received.toByteArray(), head).stream().filter(Answer::complete).count() >= expected) {
                    return "answered";
                }
            }
            return "more than " + MAX_BYTES + " bytes";
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    static List<Answer> parse(byte[] bytes, boolean head) {
        List<Answer> answers = new ArrayList<>();
        int p = 0;
        while (p < bytes.length) {
            int lineEnd = lineEnd(bytes, p);
            if (lineEnd < 0) {
                answers.add(Answer.garbage(bytes, p));
                break;
            }
            String statusLine = ascii(bytes, p, lineEnd);
            int status = statusOf(statusLine);
            if (status < 0) {
                answers.add(Answer.garbage(bytes, p));
                break;
            }
            p = next(bytes, lineEnd);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            boolean headersEnded = false;
            while (p < bytes.length) {
                int end = lineEnd(bytes, p);
                if (end < 0) {
                    break;
                }
                String line = ascii(bytes, p, end);
                p = next(bytes, end);
                if (line.isEmpty()) {
                    headersEnded = true;
                    break;
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(line.substring(colon + 1).trim());
                }
            }
            if (status >= 100 && status < 200 && status != 101 && headersEnded) {
                continue;
            }
            boolean noBody = !headersEnded || status < 200 || status == 204 || status == 304 || (head && answers.isEmpty());
            int bodyEnd = noBody ? p : bodyEnd(bytes, p, headers);
            boolean complete = headersEnded && (noBody || bodyEnd >= 0);
            bodyEnd = bodyEnd < 0 ? bytes.length : bodyEnd;
            answers.add(new Answer(status, statusLine, headers, new String(bytes, p, bodyEnd - p, StandardCharsets.ISO_8859_1),
                    complete));
            p = bodyEnd;
            if (status == 101) {
                break;
            }
        }
        return answers;
    }

    /** Where the body starting at {@code start} ends, or -1 if it has not all arrived (or runs to the close). */
    private static int bodyEnd(byte[] bytes, int start, Map<String, List<String>> headers) {
        List<String> encodings = headers.get("transfer-encoding");
        if (encodings != null && String.join(",", encodings).toLowerCase(Locale.ROOT).contains("chunked")) {
            return chunkedEnd(bytes, start);
        }
        List<String> lengths = headers.get("content-length");
        if (lengths != null) {
            try {
                long end = start + Math.max(0, Long.parseLong(lengths.get(0)));
                return end <= bytes.length ? (int) end : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /** Where a chunked body starting at {@code p} ends, or -1 if it has not all arrived or its framing is broken. */
    private static int chunkedEnd(byte[] bytes, int p) {
        while (p < bytes.length) {
            int end = lineEnd(bytes, p);
            if (end < 0) {
                return -1;
            }
            String size = ascii(bytes, p, end);
            int semicolon = size.indexOf(';');
            long n;
            try {
                n = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
            p = next(bytes, end);
            if (n == 0) {
                // trailers up to the empty line
                while (p < bytes.length) {
                    int trailerEnd = lineEnd(bytes, p);
                    if (trailerEnd < 0) {
                        return -1;
                    }
                    boolean empty = trailerEnd == p;
                    p = next(bytes, trailerEnd);
                    if (empty) {
                        return p;
                    }
                }
                return -1;
            }
            if (p + n > bytes.length) {
                return -1;
            }
            p = (int) (p + n);
            int crlf = lineEnd(bytes, p);
            if (crlf < 0) {
                return -1;
            }
            p = next(bytes, crlf);
        }
        return -1;
    }

    private static int statusOf(String statusLine) {
        if (!statusLine.startsWith("HTTP/") || statusLine.length() < 12) {
            return -1;
        }
        try {
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The index of the line's {@code \n} (or of the {@code \r} before it), or -1. */
    private static int lineEnd(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i > from && bytes[i - 1] == '\r' ? i - 1 : i;
            }
        }
        return -1;
    }

    private static int next(byte[] bytes, int lineEnd) {
        return bytes[lineEnd] == '\r' ? lineEnd + 2 : lineEnd + 1;
    }

    private static String ascii(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** The status of each answer, e.g. {@code [401]}, {@code [200, 401]}, or {@code []} with how it ended. */
    public String statuses() {
        List<String> statuses = answers.stream().map(Answer::describe).toList();
        return statuses.isEmpty() ? "no answer (" + ending + ")" : statuses.toString().replace(", ", ",");
    }

    /**
     * One answer.
     *
     * @param status     its status code, or 0 for bytes that are not an HTTP answer
     * @param statusLine its status line as sent
     * @param headers    its headers, names in lower case
     * @param body       its body, as ISO-8859-1 text
     * @param complete   whether all of it has arrived, by its framing
     */
    public record Answer(int status, String statusLine, Map<String, List<String>> headers, String body, boolean complete) {
        static Answer garbage(byte[] bytes, int from) {
            return new Answer(0, "(not an HTTP answer)", Map.of(), new String(bytes, from, bytes.length - from,
                    StandardCharsets.ISO_8859_1), false);
        }

        /** The status; for bytes that are no HTTP answer (Tomcat answers HTTP/0.9 so), 0 and how they begin. */
        String describe() {
            if (status != 0) {
                return String.valueOf(status);
            }
            String start = body.length() > 40 ? body.substring(0, 40) : body;
            return "0 \"" + start.replaceAll("[^\\x20-\\x7e]", ".") + "\"";
        }

        /** The first value of header {@code name} (lower case), or {@code null}. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }
}
