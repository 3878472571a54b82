package dev.sessiongate.filter;

import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's {@link HttpSession}, backed by the cached {@link Session} of the user key
 * rather than by the container: no cookie, same attributes on every request of that key.
 *
 * <p>With a store that shares attributes (a cluster), it notes the names the request set or
 * removed, and {@link #saveAttributes} hands them to the store once, when the request ends, as
 * Spring Session's {@code ON_SET_ATTRIBUTE} save mode does. A value changed in place (a list the
 * application got and added to) without a new {@code setAttribute} is not noted.
 */
final class CachedHttpSession implements HttpSession {
    private static final Logger LOG = LoggerFactory.getLogger(CachedHttpSession.class);

    private final Session session;
    private final SessionStore store;
    private final ServletContext context;
    private final int idleSeconds;
    private final boolean isNew;
    /** Whether the store shares attributes, so that changes are noted at all. */
    private final boolean tracked;
    private volatile boolean invalidated;
    /** The attributes this request set or removed since the last save; made on the first change. */
    private volatile Set<String> changed;

    CachedHttpSession(Session session, SessionStore store, ServletContext context, int idleSeconds, boolean isNew) {
        this.session = session;
        this.store = store;
        this.context = context;
        this.idleSeconds = idleSeconds;
        this.isNew = isNew;
        this.tracked = store.sharesAttributes();
    }

    @Override
    public String getId() {
        return session.id();
    }

    @Override
    public long getCreationTime() {
        checkValid();
        return session.createdAt();
    }

    @Override
    public long getLastAccessedTime() {
        checkValid();
        return session.lastAccessedAt();
    }

    @Override
    public ServletContext getServletContext() {
        return context;
    }

    /** Ignored: the gate's {@code session.idle-timeout} governs every cached session. */
    @Override
    public void setMaxInactiveInterval(int interval) {
    }

    @Override
    public int getMaxInactiveInterval() {
        return idleSeconds;
    }

    @Override
    public Object getAttribute(String name) {
        checkValid();
        return session.attribute(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        checkValid();
        Map<String, Object> attributes = session.attributesIfPresent();
        return attributes == null ? Collections.emptyEnumeration() : Collections.enumeration(attributes.keySet());
    }

    @Override
    public void setAttribute(String name, Object value) {
        checkValid();
        if (value == null) {
            removeAttribute(name);
        } else {
            session.attributes().put(name, value);
            changed(name);
        }
    }

    @Override
    public void removeAttribute(String name) {
        checkValid();
        Map<String, Object> attributes = session.attributesIfPresent();
        if (attributes != null && attributes.remove(name) != null) {
            changed(name);
        }
    }

    private void changed(String name) {
        if (!tracked || Session.isInternal(name)) {
            return;
        }
        Set<String> names = changed;
        if (names == null) {
            synchronized (this) {
                names = changed;
                if (names == null) {
                    names = ConcurrentHashMap.newKeySet(4);
                    changed = names;
                }
            }
        }
        names.add(name);
    }

    /**
     * Hands the attributes changed since the last call to the store, if any: when the request
     * ends (and again when an asynchronous one completes). Never throws; a request that changed
     * nothing costs nothing.
     */
    void saveAttributes() {
        Set<String> names = changed;
        if (names == null || names.isEmpty() || invalidated) {
            return;
        }
        Set<String> batch = Set.copyOf(names);
        names.removeAll(batch);
        try {
            store.saveAttributes(session, batch);
        } catch (RuntimeException e) {
            LOG.warn("event=attributes_not_saved sessionId={} message=\"kept on this node\"", session.id(), e);
        }
    }

    /** Ends the cached session: the next request of this user key authenticates again. */
    @Override
    public void invalidate() {
        checkValid();
        invalidated = true;
        session.invalidate();
        store.remove(session);
    }

    @Override
    public boolean isNew() {
        checkValid();
        return isNew;
    }

    /** Whether the application invalidated the session through this request. */
    boolean isInvalidated() {
        return invalidated;
    }

    /**
     * Only an invalidation through this request counts: a session revoked in the background
     * (admin, revalidation) still serves the request that began with it.
     */
    private void checkValid() {
        if (invalidated) {
            throw new IllegalStateException("session has been invalidated");
        }
    }
}
