package dev.sessiongate.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made in the test (BouncyCastle), and what it issues: server
 * certificates for {@code localhost} and {@code 127.0.0.1}, intermediates, client certificates,
 * written as the PEM and PKCS12 files an operator would hand to SessionGate.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A key pair and its certificate, with the issuers up to (not including) the root. */
    public record Issued(KeyPair keys, X509Certificate certificate, List<X509Certificate> issuers) {
        /** The certificate, then its issuers: what a server sends. */
        public List<X509Certificate> chain() {
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(certificate);
            chain.addAll(issuers);
            return chain;
        }

        /** An issuing CA below this one. */
        public Issued intermediate(String name) throws GeneralSecurityException {
            return TestPki.issue(this, rsa(), name, true, new GeneralName[0], null);
        }

        /** A server certificate for localhost and 127.0.0.1 signed by this CA. */
        public Issued server(KeyPair keys) throws GeneralSecurityException {
            return TestPki.issue(this, keys, "localhost", false, new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")},
                KeyPurposeId.id_kp_serverAuth);
        }

        /** A client certificate of {@code name} signed by this CA. */
        public Issued client(String name) throws GeneralSecurityException {
            return TestPki.issue(this, rsa(), name, false, new GeneralName[0], KeyPurposeId.id_kp_clientAuth);
        }
    }

    private TestPki() {
    }

    /** A self-signed root CA. */
    public static Issued root(String name) throws GeneralSecurityException {
        KeyPair keys = rsa();
        return sign(keys, keys, new X500Name("CN=" + name), new X500Name("CN=" + name), true, new GeneralName[0], null,
                List.of());
    }

    public static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    public static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static Issued issue(Issued issuer, KeyPair keys, String name, boolean ca, GeneralName[] names,
                                KeyPurposeId purpose) throws GeneralSecurityException {
        List<X509Certificate> issuers = new ArrayList<>();
        if (!issuer.certificate().getSubjectX500Principal().equals(issuer.certificate().getIssuerX500Principal())) {
            issuers.add(issuer.certificate());
        }
        issuers.addAll(issuer.issuers());
        return sign(keys, issuer.keys(), new X500Name("CN=" + name),
                X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()), ca, names, purpose, issuers);
    }

    private static Issued sign(KeyPair keys, KeyPair signer, X500Name subject, X500Name issuer, boolean ca,
                               GeneralName[] names, KeyPurposeId purpose, List<X509Certificate> issuers)
            throws GeneralSecurityException {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, ca ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                    : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (names.length > 0) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            if (purpose != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            String algorithm = signer.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            ContentSigner contentSigner = new JcaContentSignerBuilder(algorithm).build(signer.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
            return new Issued(keys, certificate, List.copyOf(issuers));
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** Writes {@code objects} (certificates; keys in the traditional PKCS#1 or SEC1 form) as PEM, replacing {@code file} atomically. */
    public static Path pem(Path file, Object... objects) throws IOException {
        Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), "pem", ".tmp");
        try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(writer)) {
            for (Object object : objects) {
                pem.writeObject(object);
            }
        }
        return Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes {@code keys}' private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public static Path pkcs8(Path file, KeyPair keys) throws IOException {
        return pem(file, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
    }

    /**
     * Writes {@code keys}' EC private key in SEC1 form ({@code BEGIN EC PRIVATE KEY}) with the curve
     * and the public key, as {@code openssl ecparam -genkey} does.
     */
    public static Path sec1(Path file, KeyPair keys) throws IOException {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(
                keys.getPrivate().getEncoded());
        java.security.interfaces.ECPrivateKey ec = (java.security.interfaces.ECPrivateKey) keys.getPrivate();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                ec.getParams().getOrder().bitLength(), ec.getS(),
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
                info.getPrivateKeyAlgorithm().getParameters());
        return pem(file, new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }

    /** Writes {@code issued}'s key and chain as a PKCS12 key store protected by {@code password}. */
    public static Path pkcs12(Path file, Issued issued, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", issued.keys().getPrivate(), password.toCharArray(),
                issued.chain().toArray(new Certificate[0]));
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    /** A client context that trusts {@code root} only, and presents {@code client} when asked (or nothing). */
    public static SSLContext clientContext(X509Certificate root, Issued client) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", root);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.keys().getPrivate(), new char[] {'x'}, client.chain().toArray(new Certificate[0]));
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, new char[] {'x'});
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    /** The certificate the server at {@code port} presents in a fresh handshake. */
    public static X509Certificate served(SSLContext context, int port) throws IOException {
        try (Socket socket = context.getSocketFactory().createSocket("localhost", port)) {
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) socket;
            tls.startHandshake();
            return (X509Certificate) tls.getSession().getPeerCertificates()[0];
        }
    }
}
