package dev.sessiongate.standalone;

import dev.sessiongate.config.ConfigException;
import dev.sessiongate.config.GateConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The standalone's key, certificate chain and client CAs, read from PEM files (BouncyCastle's
 * {@link PEMParser}) or a PKCS12 key store, checked, and held in in-memory key stores for Jetty's
 * {@code SslContextFactory}. Every problem is a {@link ConfigException} naming the key and the
 * file, never the password.
 */
final class TlsMaterial {
    static final String ALIAS = "sessiongate";

    private final KeyStore keyStore;
    private final KeyStore trustStore;
    private final String keyPassword;
    private final X509Certificate certificate;

    private TlsMaterial(KeyStore keyStore, KeyStore trustStore, String keyPassword, X509Certificate certificate) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.keyPassword = keyPassword;
        this.certificate = certificate;
    }

    /** Reads and checks the files of {@code tls}. */
    static TlsMaterial load(GateConfig.Tls tls) {
        PrivateKey key;
        List<X509Certificate> chain;
        if (tls.keyStore() != null) {
            KeyStore.PrivateKeyEntry entry = keyStoreEntry(tls);
            key = entry.getPrivateKey();
            chain = new ArrayList<>();
            for (Certificate c : entry.getCertificateChain()) {
                chain.add((X509Certificate) c);
            }
        } else {
            chain = certificates("tls.cert", tls.cert());
            key = privateKey(tls.key());
            if (!matches(key, chain.get(0).getPublicKey())) {
                throw ConfigException.badValue("tls.key", tls.key().toString(), "does not match the first certificate in "
                        + "tls.cert (" + chain.get(0).getSubjectX500Principal().getName() + "); the server's own comes first");
            }
        }
        // The in-memory store's password guards nothing; a random one keeps the user's out of Jetty.
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getEncoder().encodeToString(random);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password.toCharArray(), chain.toArray(new Certificate[0]));
            KeyStore trust = null;
            if (tls.clientCa() != null) {
                trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                List<X509Certificate> cas = certificates("tls.client-ca", tls.clientCa());
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
            }
            return new TlsMaterial(store, trust, password, chain.get(0));
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("invalid configuration: the TLS key cannot be used (" + e.getMessage() + ")");
        }
    }

    KeyStore keyStore() {
        return keyStore;
    }

    /** The client CAs, or {@code null} without {@code tls.client-ca}. */
    KeyStore trustStore() {
        return trustStore;
    }

    String keyPassword() {
        return keyPassword;
    }

    /** The server's own certificate, the first of the chain. */
    X509Certificate certificate() {
        return certificate;
    }

    /** Every certificate in the PEM file, in order; at least one. */
    static List<X509Certificate> certificates(String setting, Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object object; (object = parser.readObject()) != null; ) {
                if (object instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw ConfigException.badValue(setting, file.toString(), "not a PEM certificate file (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw ConfigException.badValue(setting, file.toString(), "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** The one private key in the PEM file: PKCS#1 ({@code RSA PRIVATE KEY}), PKCS#8 or SEC1 ({@code EC PRIVATE KEY}). */
    static PrivateKey privateKey(Path file) {
        // BouncyCastle names EC keys "ECDSA", a key factory of its own provider; the JDK's is "EC".
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setAlgorithmMapping(X9ObjectIdentifiers.id_ecPublicKey, "EC");
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object object; (object = parser.readObject()) != null; ) {
                if (object instanceof PEMKeyPair pair) {
                    // The private half only: a SEC1 key may come without its public key.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                } else if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw ConfigException.badValue("tls.key", file.toString(), "the key is encrypted; store it "
                            + "unencrypted with owner-only permissions (openssl pkey -in KEY -out KEY.plain), or use tls.keystore");
                }
                // Anything else (EC PARAMETERS, a certificate in a combined file) is not the key.
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException c) {
                throw c;
            }
            // BouncyCastle's message may quote the file; a key's bytes stay out of the log.
            throw ConfigException.badValue("tls.key", file.toString(), "not a readable PEM private key");
        }
        throw ConfigException.badValue("tls.key", file.toString(), "holds no PEM private key (-----BEGIN PRIVATE KEY-----, "
                + "RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static KeyStore.PrivateKeyEntry keyStoreEntry(GateConfig.Tls tls) {
        Path file = tls.keyStore();
        byte[] bytes = tls.keyStorePassword().bytes();
        char[] password = new String(bytes, StandardCharsets.UTF_8).toCharArray();
        java.util.Arrays.fill(bytes, (byte) 0);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                store.load(in, password);
            } catch (IOException e) {
                if (e.getCause() instanceof UnrecoverableKeyException) {
                    throw ConfigException.badValue("tls.keystore-password", "", "wrong password for tls.keystore " + file);
                }
                throw ConfigException.badValue("tls.keystore", file.toString(), "not a PKCS12 key store (" + e.getMessage() + ")");
            }
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    try {
                        return (KeyStore.PrivateKeyEntry) store.getEntry(alias, new KeyStore.PasswordProtection(password));
                    } catch (UnrecoverableKeyException e) {
                        throw ConfigException.badValue("tls.keystore", file.toString(),
                                "the key's own password differs from tls.keystore-password; give both the same");
                    }
                }
            }
            throw ConfigException.badValue("tls.keystore", file.toString(), "holds no private key");
        } catch (GeneralSecurityException e) {
            throw ConfigException.badValue("tls.keystore", file.toString(), "cannot be read (" + e.getMessage() + ")");
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: the pair belongs together. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        byte[] probe = "sessiongate key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
