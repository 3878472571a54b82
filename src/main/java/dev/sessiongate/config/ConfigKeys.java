package dev.sessiongate.config;

import dev.sessiongate.hook.LoggingResponseHook;
import java.util.Map;
import java.util.TreeMap;

/** The configuration keys of SPEC.md, with their defaults. */
final class ConfigKeys {
    static final String DEFAULT_STRIP_COOKIES =
            "JSESSIONID,MRHSession,LastMRH_Session,APBALANCEID,amlbcookie,iPlanetDirectoryPro";

    /** Keys this version implements, with their default values ({@code ""} = unset). */
    static final Map<String, String> SUPPORTED = new TreeMap<>(Map.ofEntries(
            Map.entry("realm", "SessionGate"),
            Map.entry("port", "8080"),
            Map.entry("warmup", "5s"),
            Map.entry("key.secret", ""),
            Map.entry("key.parts", "password,client-ip,path"),
            Map.entry("trusted-proxies", ""),
            Map.entry("trusted-proxies.header", "X-Forwarded-For"),
            Map.entry("strip-cookies", DEFAULT_STRIP_COOKIES),
            Map.entry("log.redact-headers", String.join(",", LoggingResponseHook.DEFAULT_REDACTED)),
            Map.entry("users.file", ""),
            Map.entry("groups.file", ""),
            Map.entry("policy.require-group", ""),
            Map.entry("policy.allow-users", ""),
            Map.entry("policy.deny-users", ""),
            Map.entry("session.idle-timeout", "900"),
            Map.entry("session.max-lifetime", "28800"),
            Map.entry("session.revalidate-after", "300"),
            Map.entry("sessions.max", "100000"),
            Map.entry("sessions.max-per-user", "50"),
            Map.entry("sessions.max-per-ip", "0"),
            Map.entry("sessions.on-limit", "evict-oldest"),
            Map.entry("admin.token", ""),
            Map.entry("tokens.file", ""),
            Map.entry("ldap.url", ""),
            Map.entry("ldap.user-dn-pattern", ""),
            Map.entry("ldap.search-base", ""),
            Map.entry("ldap.search-filter", "(uid={0})"),
            Map.entry("ldap.bind-dn", ""),
            Map.entry("ldap.bind-password", ""),
            Map.entry("ldap.group-search-base", ""),
            Map.entry("ldap.group-filter", "(member={0})"),
            Map.entry("ldap.start-tls", "false"),
            Map.entry("ldap.trust-store", ""),
            Map.entry("ldap.trust-store-password", ""),
            Map.entry("ldap.timeout", "5s"),
            Map.entry("auth.delegate-url", ""),
            Map.entry("auth.container-realm", "false"),
            Map.entry("auth.delegate-timeout", "5s"),
            Map.entry("auth.client-cert", ""),
            Map.entry("auth.client-ca", ""),
            Map.entry("auth.client-crl", ""),
            Map.entry("auth.max-failures", "5"),
            Map.entry("auth.failure-window", "5m"),
            Map.entry("auth.threads", String.valueOf(Runtime.getRuntime().availableProcessors())),
            Map.entry("auth.queue", "64"),
            Map.entry("auth.timeout", "10s"),
            Map.entry("upstream.url", ""),
            Map.entry("upstream.connect-timeout", "5s"),
            Map.entry("upstream.timeout", "30s"),
            Map.entry("upstream.pass-cookies", "false"),
            Map.entry("upstream.forward-authorization", "true"),
            Map.entry("upstream.encoded-slash", "forward"),
            Map.entry("store.redis-uri", ""),
            Map.entry("store.timeout", "500ms"),
            Map.entry("store.redis-cluster", "false"),
            Map.entry("node.name", ""),
            Map.entry("tls.cert", ""),
            Map.entry("tls.key", ""),
            Map.entry("tls.keystore", ""),
            Map.entry("tls.keystore-password", ""),
            Map.entry("tls.client-auth", "none"),
            Map.entry("tls.client-ca", ""),
            Map.entry("tls.redirect-port", "")));

    private ConfigKeys() {
    }

    static boolean isSecret(String key) {
        // store.redis-uri may carry the Redis password (redis://:password@host).
        return key.equals("key.secret") || key.equals("admin.token") || key.endsWith("password")
                || key.equals("store.redis-uri");
    }
}
