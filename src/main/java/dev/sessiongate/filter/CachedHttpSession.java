package dev.sessiongate.filter;

import dev.sessiongate.session.Session;
import dev.sessiongate.session.SessionStore;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

/**
 * The application's {@link HttpSession}, backed by the cached {@link Session} of the user key
 * rather than by the container: no cookie, same attributes on every request of that key.
 */
final class CachedHttpSession implements HttpSession {
    private final Session session;
    private final SessionStore store;
    private final ServletContext context;
    private final int idleSeconds;
    private final boolean isNew;
    private boolean invalidated;

    CachedHttpSession(Session session, SessionStore store, ServletContext context, int idleSeconds, boolean isNew) {
        this.session = session;
        this.store = store;
        this.context = context;
        this.idleSeconds = idleSeconds;
        this.isNew = isNew;
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
        Map<String, Object> attributes = session.attributesIfPresent();
        return attributes == null ? null : attributes.get(name);
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
        }
    }

    @Override
    public void removeAttribute(String name) {
        checkValid();
        Map<String, Object> attributes = session.attributesIfPresent();
        if (attributes != null) {
            attributes.remove(name);
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
