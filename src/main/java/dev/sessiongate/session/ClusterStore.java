package dev.sessiongate.session;

/**
 * A session store that the nodes of a cluster share, as the admin API and its metrics see it;
 * the Redis store implements it.
 */
public interface ClusterStore {
    /** The node that created {@code session}, or {@code null} when it is this node's own. */
    String originNode(Session session);

    /** Calls to the shared store since start, not counting its health probe. */
    long remoteCalls();
}
