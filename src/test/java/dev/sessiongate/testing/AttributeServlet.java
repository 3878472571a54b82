package dev.sessiongate.testing;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A test application that sets, changes, reads and removes session attributes as its query says:
 * {@code op=set|add|local|bytes|remove|names|session|async|get} ({@code async}: sets it on another thread), {@code name=}, and {@code value=},
 * {@code item=} or {@code size=}. Answers in plain text.
 */
public final class AttributeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession();
        String name = request.getParameter("name");
        String answer;
        switch (request.getParameter("op")) {
            case "set" -> {
                session.setAttribute(name, request.getParameter("value"));
                answer = request.getParameter("value");
            }
            case "add" -> {
                Cart cart = (Cart) session.getAttribute(name);
                cart = cart == null ? new Cart() : cart;
                cart.items.add(request.getParameter("item"));
                session.setAttribute(name, cart);
                answer = cart.items.toString();
            }
            case "local" -> {
                session.setAttribute(name, new Unserializable());
                answer = "local";
            }
            case "bytes" -> {
                byte[] bytes = new byte[Integer.parseInt(request.getParameter("size"))];
                session.setAttribute(name, bytes);
                answer = String.valueOf(bytes.length);
            }
            case "remove" -> {
                session.removeAttribute(name);
                answer = String.valueOf(session.getAttribute(name));
            }
            case "names" -> {
                List<String> names = Collections.list(session.getAttributeNames());
                Collections.sort(names);
                answer = names.toString();
            }
            case "session" -> answer = session.getId();
            case "async" -> {
                jakarta.servlet.AsyncContext async = request.startAsync();
                String value = request.getParameter("value");
                async.start(() -> {
                    session.setAttribute(name, value);
                    try {
                        response.setContentType("text/plain");
                        response.getOutputStream().write(value.getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        async.complete();
                    }
                });
                return;
            }
            default -> answer = describe(session.getAttribute(name));
        }
        response.setContentType("text/plain");
        response.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(Object value) {
        if (value instanceof Cart cart) {
            return cart.items.toString();
        }
        if (value instanceof byte[] bytes) {
            return bytes.length + " bytes";
        }
        if (value instanceof Unserializable) {
            return "local";
        }
        return String.valueOf(value);
    }

    /** A value an application keeps, of its own class (found through its class loader). */
    public static final class Cart implements Serializable {
        private static final long serialVersionUID = 1L;
        final List<String> items = new ArrayList<>();
    }

    /** A value that cannot leave its node (a connection, a lock, a thread...). */
    public static final class Unserializable {
        final Object lock = new Object();
    }
}
