package dev.sessiongate.testing;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small test PKI made with BouncyCastle: CAs, partner and server certificates (EC P-256, fast to
 * make), CRLs, PEM files and key stores. Nothing is checked in; every test makes its own.
 */
public final class PartnerPki {
    /** The password of every key store made here. */
    public static final char[] PASSWORD = "changeit".toCharArray();
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xFFFF_FFFFL);

    private PartnerPki() {
    }

    /** A certificate and its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keys) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    /** A self-signed CA, valid from a day ago for ten years. */
    public static Issued ca(String dn) {
        KeyPair keys = keys();
        Instant now = Instant.now();
        return build(new X500Principal(dn), keys, new X500Principal(dn), keys.getPublic(), keys, now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(3650)), true, null, List.of());
    }

    /**
     * A certificate for client authentication issued by {@code ca}, valid from a day ago for
     * {@code validFor}, with SANs written {@code dns:…}, {@code email:…}, {@code uri:…} or {@code ip:…}.
     */
    public static Issued client(Issued ca, String dn, Duration validFor, String... sans) {
        return leaf(ca, dn, Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(validFor),
                KeyPurposeId.id_kp_clientAuth, sans);
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public static Issued server(Issued ca) {
        return leaf(ca, "CN=localhost", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)),
                KeyPurposeId.id_kp_serverAuth, "ip:127.0.0.1", "dns:localhost");
    }

    /** Any leaf, with one extended key usage. */
    public static Issued leaf(Issued ca, String dn, Instant notBefore, Instant notAfter, KeyPurposeId usage,
                              String... sans) {
        KeyPair keys = keys();
        return build(ca.certificate().getSubjectX500Principal(), ca.keys(), new X500Principal(dn), keys.getPublic(), keys,
                notBefore, notAfter, false, usage, List.of(sans));
    }

    /** A CRL of {@code ca}, current from an hour ago for a week, revoking {@code revoked}. */
    public static X509CRL crl(Issued ca, Issued... revoked) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder builder = new X509v2CRLBuilder(name(ca.certificate().getSubjectX500Principal()),
                    Date.from(now.minus(Duration.ofHours(1))));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
            for (Issued certificate : revoked) {
                builder.addCRLEntry(certificate.serial(), Date.from(now.minus(Duration.ofMinutes(30))), CRLReason.keyCompromise);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
            return new JcaX509CRLConverter().getCRL(builder.build(signer(ca.keys())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes certificates and CRLs as PEM, replacing {@code file} in one move as an operator's tools do. */
    public static Path writePem(Path file, Object... items) {
        try {
            Path next = file.resolveSibling(file.getFileName() + ".next");
            try (Writer out = Files.newBufferedWriter(next, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(out)) {
                for (Object item : items) {
                    pem.writeObject(item instanceof Issued issued ? issued.certificate() : item);
                }
            }
            return Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS12 key store with {@code leaf}'s key and its chain up to {@code issuers}. */
    public static KeyStore keyStore(Issued leaf, Issued... issuers) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            List<Certificate> chain = new ArrayList<>();
            chain.add(leaf.certificate());
            for (Issued issuer : issuers) {
                chain.add(issuer.certificate());
            }
            store.setKeyEntry("key", leaf.keys().getPrivate(), PASSWORD, chain.toArray(new Certificate[0]));
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS12 trust store of {@code cas}. */
    public static KeyStore trustStore(Issued... cas) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.length; i++) {
                store.setCertificateEntry("ca" + i, cas[i].certificate());
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Issued build(X500Principal issuer, KeyPair issuerKeys, X500Principal subject,
                                java.security.PublicKey key, KeyPair keys, Instant notBefore, Instant notAfter,
                                boolean ca, KeyPurposeId usage, List<String> sans) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject, key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (usage != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage));
            }
            if (!sans.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String san : sans) {
                    int colon = san.indexOf(':');
                    String value = san.substring(colon + 1);
                    switch (san.substring(0, colon)) {
                        case "dns" -> names.add(new GeneralName(GeneralName.dNSName, value));
                        case "email" -> names.add(new GeneralName(GeneralName.rfc822Name, value));
                        case "uri" -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, value));
                        case "ip" -> names.add(new GeneralName(GeneralName.iPAddress, value));
                        default -> throw new IllegalArgumentException(san);
                    }
                }
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer(issuerKeys)));
            return new Issued(certificate, keys);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X500Name name(X500Principal principal) {
        return X500Name.getInstance(principal.getEncoded());
    }

    private static ContentSigner signer(KeyPair keys) throws OperatorCreationException {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
