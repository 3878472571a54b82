package dev.sessiongate.config;

import dev.sessiongate.key.Cidr;
import dev.sessiongate.key.KeyPart;
import dev.sessiongate.util.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * SessionGate's whole configuration, immutable: {@link ConfigLoader} reads it from the keys,
 * {@link #builder()} makes one in code.
 *
 * @param realm              the realm of the {@code WWW-Authenticate} challenge
 * @param port               the standalone server's port
 * @param keySecret          the HMAC key of user keys
 * @param keySecretGenerated whether {@code keySecret} was generated at start (sessions then do
 *                           not survive a restart)
 * @param keyParts           what the user key covers besides the user name
 * @param trustedProxies     peers whose {@code clientIpHeader} is believed
 * @param clientIpHeader     the one header a trusted proxy writes the client address into
 * @param stripAllCookies    {@code strip-cookies=*}: the application sees no cookie at all
 * @param stripCookies       lower-case names of the cookies removed from every request
 * @param redactHeaders      names (with {@code *} wildcards) of headers whose values are never logged
 * @param usersFile          the htpasswd file, or {@code null}
 * @param groupsFile         the htgroup file, or {@code null}
 * @param requireGroups      a user must be in one of these groups (empty: no requirement)
 * @param allowUsers         only these users are let in (empty: everyone)
 * @param denyUsers          these users are never let in
 * @param idleTimeout        a session unused this long ends
 * @param maxLifetime        a session ends this long after it began, however busy
 * @param revalidateAfter    a session's identity is re-checked in the background this often
 * @param maxSessions        the most sessions kept at once
 * @param maxPerUser         the most sessions of one user
 * @param maxPerIp           the most sessions from one client IP, 0 for no limit
 * @param rejectOverLimit    {@code sessions.on-limit=reject}: refuse a new session over a limit
 *                           (else the oldest of that user or IP ends)
 * @param maxFailures        failed logins per user and IP within {@code failureWindow} before 429
 * @param failureWindow      the window of {@code maxFailures}
 * @param authThreads        threads that run password checks
 * @param authQueue          password checks that may wait for a thread before 503
 * @param authTimeout        the longest a login waits for its password check (queue and check) before 503
 * @param ldap               the LDAP directory of users, or {@code null} without {@code ldap.url}
 * @param containerRealm     {@code auth.container-realm}: the hosting container checks passwords
 * @param delegateUrl        {@code auth.delegate-url}: the service that checks passwords, or {@code null}
 * @param delegateTimeout    how long the delegate may take
 * @param clientCert         partner certificates ({@code auth.client-cert}), or {@code null}
 * @param tokensFile         where API tokens are kept (hashes only), or {@code null}: in memory
 * @param adminToken         the bearer token of the admin API, or {@code null}: admin off
 * @param upstream           where gateway mode forwards to, or {@code null} without {@code upstream.url}
 * @param cluster            the Redis store shared by the nodes, or {@code null} without {@code store.redis-uri}
 * @param node               this node's name in the admin API ({@code node.name}, default host:port)
 * @param warmup             how long the standalone runs its request path before it serves (0: not at all)
 * @param tls                the standalone's HTTPS, or {@code null}: {@code port} serves plain HTTP (and h2c)
 */
public record GateConfig(
        String realm,
        int port,
        Secret keySecret,
        boolean keySecretGenerated,
        List<KeyPart> keyParts,
        List<Cidr> trustedProxies,
        String clientIpHeader,
        boolean stripAllCookies,
        Set<String> stripCookies,
        List<String> redactHeaders,
        Path usersFile,
        Path groupsFile,
        Set<String> requireGroups,
        Set<String> allowUsers,
        Set<String> denyUsers,
        Duration idleTimeout,
        Duration maxLifetime,
        Duration revalidateAfter,
        long maxSessions,
        int maxPerUser,
        int maxPerIp,
        boolean rejectOverLimit,
        int maxFailures,
        Duration failureWindow,
        int authThreads,
        int authQueue,
        Duration authTimeout,
        Ldap ldap,
        boolean containerRealm,
        URI delegateUrl,
        Duration delegateTimeout,
        ClientCert clientCert,
        Path tokensFile,
        Secret adminToken,
        Upstream upstream,
        Cluster cluster,
        String node,
        Duration warmup,
        Tls tls) {

    /**
     * The LDAP authenticator's settings ({@code ldap.*}).
     *
     * @param url             {@code ldap://} or {@code ldaps://} host and port
     * @param userDnPattern   e.g. {@code uid={0},ou=people,dc=example,dc=com}, or {@code null} to search
     * @param searchBase      where to search for the user when there is no pattern
     * @param searchFilter    the search, {@code {0}} being the user name
     * @param bindDn          the service account for searches, or {@code null} for anonymous
     * @param bindPassword    its password
     * @param groupSearchBase where groups are, or {@code null} for no groups
     * @param groupFilter     the group search, {@code {0}} being the user's DN and {@code {1}} the name
     * @param startTls        upgrade {@code ldap://} connections with StartTLS
     * @param trustStore      certificates to trust for TLS (PKCS12 or JKS), or {@code null} for the JVM's
     * @param trustStorePassword its password, or {@code null}
     * @param timeout         the longest a connection attempt, or the wait for any one answer, may take
     */
    public record Ldap(URI url, String userDnPattern, String searchBase, String searchFilter, String bindDn,
                       Secret bindPassword, String groupSearchBase, String groupFilter, boolean startTls,
                       Path trustStore, Secret trustStorePassword, Duration timeout) {
    }

    /**
     * Partner certificates: who a request without an {@code Authorization} header is, by the
     * client certificate the container received.
     *
     * @param mapFile {@code auth.client-cert}: certificate subjects and SANs → user names
     * @param caFile  {@code auth.client-ca} (else {@code tls.client-ca}): the CAs whose certificates are accepted (PEM)
     * @param crlFile {@code auth.client-crl}: the CAs' revocation lists (PEM or DER), or {@code null}
     */
    public record ClientCert(Path mapFile, Path caFile, Path crlFile) {
    }

    /**
     * Gateway mode's upstream.
     *
     * @param url                  {@code upstream.url}: scheme, host, port and base path
     * @param connectTimeout       {@code upstream.connect-timeout}: no connection by then → 502
     * @param timeout              {@code upstream.timeout}: the upstream silent this long → 504
     * @param passCookies          {@code upstream.pass-cookies}: also send the upstream's cookies to the client
     * @param forwardAuthorization {@code upstream.forward-authorization}: forward the client's {@code Authorization}
     * @param encodedSlash         {@code upstream.encoded-slash}: what the standalone gateway does with {@code %2F} in a path
     */
    public record Upstream(URI url, Duration connectTimeout, Duration timeout, boolean passCookies,
                           boolean forwardAuthorization, EncodedSlash encodedSlash) {
    }

    /**
     * {@code upstream.encoded-slash}: {@code forward} sends a path with {@code %2F} to the upstream
     * as the client wrote it, as nginx's {@code proxy_pass} without a URI does; {@code reject}
     * leaves the container's {@code 400} in place.
     */
    public enum EncodedSlash { FORWARD, REJECT }

    /**
     * The cluster's Redis store.
     *
     * @param redisUri     {@code store.redis-uri}, in Lettuce's syntax: one server, a Sentinel set
     *                     ({@code redis-sentinel://h:p,h:p#primary}) or a Redis Cluster's seed nodes
     *                     ({@code redis://h:p,h:p}); may hold a password, so never logged
     * @param timeout      {@code store.timeout}: a Redis call slower than this fails and the node serves alone
     * @param redisCluster {@code store.redis-cluster}: the URI names seed nodes of a Redis Cluster
     * @param attributeMaxBytes  {@code session.attribute-max-bytes}: the largest serialized application
     *                           attribute that is shared with the other nodes
     * @param attributesMaxBytes {@code session.attributes-max-bytes}: the most serialized bytes of
     *                           application attributes one session shares
     */
    public record Cluster(String redisUri, Duration timeout, boolean redisCluster, int attributeMaxBytes,
                          int attributesMaxBytes) {
        /** The defaults of {@code session.attribute-max-bytes} (64 KiB) and {@code session.attributes-max-bytes} (1 MiB). */
        public static final int DEFAULT_ATTRIBUTE_MAX_BYTES = 64 * 1024;
        public static final int DEFAULT_ATTRIBUTES_MAX_BYTES = 1024 * 1024;

        /** One Redis server or a Sentinel set, with the default attribute limits. */
        public Cluster(String redisUri, Duration timeout) {
            this(redisUri, timeout, false);
        }

        /** With the default attribute limits. */
        public Cluster(String redisUri, Duration timeout, boolean redisCluster) {
            this(redisUri, timeout, redisCluster, DEFAULT_ATTRIBUTE_MAX_BYTES, DEFAULT_ATTRIBUTES_MAX_BYTES);
        }

        /** Whether the URI names a Sentinel set. */
        public boolean sentinel() {
            return redisUri.regionMatches(true, 0, "redis-sentinel:", 0, 15)
                    || redisUri.regionMatches(true, 0, "rediss-sentinel:", 0, 16);
        }

        /** Whether a write should wait for a replica ({@code WAIT}): with Sentinel and on a Redis Cluster. */
        public boolean replicated() {
            return redisCluster || sentinel();
        }

        /**
         * Hosts and ports only, for log lines ({@code host:port}, several joined by commas, and
         * {@code #primary} for a Sentinel set); never the password.
         */
        public String where() {
            String rest = redisUri;
            int scheme = rest.indexOf("://");
            rest = scheme < 0 ? rest : rest.substring(scheme + 3);
            // The user info first, up to its last '@': a password may hold '#', '/', '?' or ','.
            rest = rest.substring(rest.lastIndexOf('@') + 1);
            int fragment = rest.indexOf('#');
            String primary = fragment < 0 ? "" : rest.substring(fragment);
            rest = fragment < 0 ? rest : rest.substring(0, fragment);
            for (char end : new char[] {'/', '?'}) {
                int at = rest.indexOf(end);
                rest = at < 0 ? rest : rest.substring(0, at);
            }
            StringBuilder where = new StringBuilder();
            for (String host : rest.split(",", -1)) {
                where.append(where.length() == 0 ? "" : ",").append(host)
                        .append(host.lastIndexOf(':') > host.lastIndexOf(']') ? "" : sentinel() ? ":26379" : ":6379");
            }
            return where + primary;
        }

        /** The kind of store and where, for the start-up line: {@code redis-sentinel://h:26379#p}, never the password. */
        public String describe() {
            return (redisCluster ? "redis-cluster://" : sentinel() ? "redis-sentinel://" : "redis://") + where();
        }

        @Override
        public String toString() {
            return "Cluster[" + where() + " timeout=" + timeout + (redisCluster ? " redis-cluster" : "") + "]";
        }
    }

    /**
     * The standalone's HTTPS ({@code tls.*}): the key and certificate chain from PEM files or from
     * a PKCS12 key store, exactly one of the two.
     *
     * @param cert             {@code tls.cert}: PEM certificate chain, the server's first, or {@code null}
     * @param key              {@code tls.key}: its PEM private key (PKCS#1, PKCS#8 or SEC1 EC), or {@code null}
     * @param keyStore         {@code tls.keystore}: a PKCS12 key store instead, or {@code null}
     * @param keyStorePassword {@code tls.keystore-password}, or {@code null} with PEM files
     * @param clientAuth       {@code tls.client-auth}: whether clients are asked for a certificate
     * @param clientCa         {@code tls.client-ca}: PEM bundle of the CAs client certificates must chain to
     * @param redirectPort     {@code tls.redirect-port}: a plain HTTP port that redirects to HTTPS, or -1 for none
     */
    public record Tls(Path cert, Path key, Path keyStore, Secret keyStorePassword, ClientAuth clientAuth,
                      Path clientCa, int redirectPort) {
        /** The files whose change reloads the server's certificate. */
        public List<Path> watched() {
            return keyStore != null ? List.of(keyStore) : List.of(cert, key);
        }
    }

    /** {@code tls.client-auth}: {@code none}, {@code want} (asked, optional) or {@code need} (required). */
    public enum ClientAuth { NONE, WANT, NEED }

    public GateConfig {
        if (!keyParts.contains(KeyPart.parse("password"))) {
            // As the loader refuses it: whoever knows a user name would ride on that user's cached
            // session. Checked here too, for configurations built in code (GateConfig.builder()).
            throw ConfigException.badValue("key.parts", String.valueOf(keyParts), "must include password");
        }
        keyParts = List.copyOf(keyParts);
        trustedProxies = List.copyOf(trustedProxies);
        stripCookies = Set.copyOf(stripCookies);
        requireGroups = Set.copyOf(requireGroups);
        allowUsers = Set.copyOf(allowUsers);
        denyUsers = Set.copyOf(denyUsers);
    }

    /**
     * A builder that starts from the defaults of every key ({@code ConfigKeys}, the one place they
     * are written) with a generated {@code key.secret}; what is not set keeps its default.
     */
    public static Builder builder() {
        return ConfigLoader.defaults();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.realm = realm;
        builder.port = port;
        builder.keySecret = keySecret;
        builder.keySecretGenerated = keySecretGenerated;
        builder.keyParts = keyParts;
        builder.trustedProxies = trustedProxies;
        builder.clientIpHeader = clientIpHeader;
        builder.stripAllCookies = stripAllCookies;
        builder.stripCookies = stripCookies;
        builder.redactHeaders = redactHeaders;
        builder.usersFile = usersFile;
        builder.groupsFile = groupsFile;
        builder.requireGroups = requireGroups;
        builder.allowUsers = allowUsers;
        builder.denyUsers = denyUsers;
        builder.idleTimeout = idleTimeout;
        builder.maxLifetime = maxLifetime;
        builder.revalidateAfter = revalidateAfter;
        builder.maxSessions = maxSessions;
        builder.maxPerUser = maxPerUser;
        builder.maxPerIp = maxPerIp;
        builder.rejectOverLimit = rejectOverLimit;
        builder.maxFailures = maxFailures;
        builder.failureWindow = failureWindow;
        builder.authThreads = authThreads;
        builder.authQueue = authQueue;
        builder.authTimeout = authTimeout;
        builder.ldap = ldap;
        builder.containerRealm = containerRealm;
        builder.delegateUrl = delegateUrl;
        builder.delegateTimeout = delegateTimeout;
        builder.clientCert = clientCert;
        builder.tokensFile = tokensFile;
        builder.adminToken = adminToken;
        builder.upstream = upstream;
        builder.cluster = cluster;
        builder.node = node;
        builder.warmup = warmup;
        builder.tls = tls;
        return builder;
    }

    /**
     * Builds a {@link GateConfig} one typed setting at a time; {@link #builder()} and
     * {@link #toBuilder()} make one. Each setter sets the record component of its name.
     */
    public static final class Builder {
        private String realm;
        private int port;
        private Secret keySecret;
        private boolean keySecretGenerated;
        private List<KeyPart> keyParts;
        private List<Cidr> trustedProxies;
        private String clientIpHeader;
        private boolean stripAllCookies;
        private Set<String> stripCookies;
        private List<String> redactHeaders;
        private Path usersFile;
        private Path groupsFile;
        private Set<String> requireGroups;
        private Set<String> allowUsers;
        private Set<String> denyUsers;
        private Duration idleTimeout;
        private Duration maxLifetime;
        private Duration revalidateAfter;
        private long maxSessions;
        private int maxPerUser;
        private int maxPerIp;
        private boolean rejectOverLimit;
        private int maxFailures;
        private Duration failureWindow;
        private int authThreads;
        private int authQueue;
        private Duration authTimeout;
        private Ldap ldap;
        private boolean containerRealm;
        private URI delegateUrl;
        private Duration delegateTimeout;
        private ClientCert clientCert;
        private Path tokensFile;
        private Secret adminToken;
        private Upstream upstream;
        private Cluster cluster;
        private String node;
        private Duration warmup;
        private Tls tls;

        Builder() {
        }

        /** A builder with nothing set, for {@link ConfigLoader}. */
        static Builder empty() {
            return new Builder();
        }

        /** Whether {@link #keySecret} was generated, not configured. */
        boolean keySecretGenerated() {
            return keySecretGenerated;
        }

        public Builder realm(String realm) {
            this.realm = realm;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder keySecret(Secret keySecret) {
            this.keySecret = keySecret;
            return this;
        }

        public Builder keySecretGenerated(boolean keySecretGenerated) {
            this.keySecretGenerated = keySecretGenerated;
            return this;
        }

        public Builder keyParts(List<KeyPart> keyParts) {
            this.keyParts = keyParts;
            return this;
        }

        public Builder trustedProxies(List<Cidr> trustedProxies) {
            this.trustedProxies = trustedProxies;
            return this;
        }

        public Builder clientIpHeader(String clientIpHeader) {
            this.clientIpHeader = clientIpHeader;
            return this;
        }

        public Builder stripAllCookies(boolean stripAllCookies) {
            this.stripAllCookies = stripAllCookies;
            return this;
        }

        public Builder stripCookies(Set<String> stripCookies) {
            this.stripCookies = stripCookies;
            return this;
        }

        public Builder redactHeaders(List<String> redactHeaders) {
            this.redactHeaders = redactHeaders;
            return this;
        }

        public Builder usersFile(Path usersFile) {
            this.usersFile = usersFile;
            return this;
        }

        public Builder groupsFile(Path groupsFile) {
            this.groupsFile = groupsFile;
            return this;
        }

        public Builder requireGroups(Set<String> requireGroups) {
            this.requireGroups = requireGroups;
            return this;
        }

        public Builder allowUsers(Set<String> allowUsers) {
            this.allowUsers = allowUsers;
            return this;
        }

        public Builder denyUsers(Set<String> denyUsers) {
            this.denyUsers = denyUsers;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        public Builder maxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
            return this;
        }

        public Builder revalidateAfter(Duration revalidateAfter) {
            this.revalidateAfter = revalidateAfter;
            return this;
        }

        public Builder maxSessions(long maxSessions) {
            this.maxSessions = maxSessions;
            return this;
        }

        public Builder maxPerUser(int maxPerUser) {
            this.maxPerUser = maxPerUser;
            return this;
        }

        public Builder maxPerIp(int maxPerIp) {
            this.maxPerIp = maxPerIp;
            return this;
        }

        public Builder rejectOverLimit(boolean rejectOverLimit) {
            this.rejectOverLimit = rejectOverLimit;
            return this;
        }

        public Builder maxFailures(int maxFailures) {
            this.maxFailures = maxFailures;
            return this;
        }

        public Builder failureWindow(Duration failureWindow) {
            this.failureWindow = failureWindow;
            return this;
        }

        public Builder authThreads(int authThreads) {
            this.authThreads = authThreads;
            return this;
        }

        public Builder authQueue(int authQueue) {
            this.authQueue = authQueue;
            return this;
        }

        public Builder authTimeout(Duration authTimeout) {
            this.authTimeout = authTimeout;
            return this;
        }

        public Builder ldap(Ldap ldap) {
            this.ldap = ldap;
            return this;
        }

        public Builder containerRealm(boolean containerRealm) {
            this.containerRealm = containerRealm;
            return this;
        }

        public Builder delegateUrl(URI delegateUrl) {
            this.delegateUrl = delegateUrl;
            return this;
        }

        public Builder delegateTimeout(Duration delegateTimeout) {
            this.delegateTimeout = delegateTimeout;
            return this;
        }

        public Builder clientCert(ClientCert clientCert) {
            this.clientCert = clientCert;
            return this;
        }

        public Builder tokensFile(Path tokensFile) {
            this.tokensFile = tokensFile;
            return this;
        }

        public Builder adminToken(Secret adminToken) {
            this.adminToken = adminToken;
            return this;
        }

        public Builder upstream(Upstream upstream) {
            this.upstream = upstream;
            return this;
        }

        public Builder cluster(Cluster cluster) {
            this.cluster = cluster;
            return this;
        }

        public Builder node(String node) {
            this.node = node;
            return this;
        }

        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        public Builder tls(Tls tls) {
            this.tls = tls;
            return this;
        }

        /** The configuration, immutable. */
        public GateConfig build() {
            return new GateConfig(
                    realm, port, keySecret, keySecretGenerated, keyParts, trustedProxies, clientIpHeader,
                    stripAllCookies, stripCookies, redactHeaders, usersFile, groupsFile, requireGroups,
                    allowUsers, denyUsers, idleTimeout, maxLifetime, revalidateAfter, maxSessions, maxPerUser,
                    maxPerIp, rejectOverLimit, maxFailures, failureWindow, authThreads, authQueue,
                    authTimeout, ldap, containerRealm, delegateUrl, delegateTimeout, clientCert, tokensFile,
                    adminToken, upstream, cluster, node, warmup, tls);
        }
    }
}
