package io.gubernator.apiserver.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's TLS material, generated on the first start and kept under {@code DIR/tls}: a CA,
 * the API server's serving certificate, the admin client certificate (group
 * {@code system:masters}) and the API server's client certificate towards kubelets. Later starts
 * load what is there, so kubeconfigs stay valid.
 */
public final class Pki {

  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration LEAF_VALIDITY = Duration.ofDays(365);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String KUBELET_CLIENT = "apiserver-kubelet-client";
  public static final String KUBELET_CLIENT_CN = "kube-apiserver-kubelet-client";

  /** A certificate with its key, and both as PEM text. */
  public record CertifiedKey(X509Certificate certificate, PrivateKey key, String certificatePem, String keyPem) {}

  private final Path dir;
  private final CertifiedKey ca;
  private final CertifiedKey serving;
  private final CertifiedKey admin;
  private final CertifiedKey kubeletClient;

  private Pki(Path dir, CertifiedKey ca, CertifiedKey serving, CertifiedKey admin, CertifiedKey kubeletClient) {
    this.dir = dir;
    this.ca = ca;
    this.serving = serving;
    this.admin = admin;
    this.kubeletClient = kubeletClient;
  }

  /**
   * Loads the material under {@code dir}, generating what is missing. The serving certificate is
   * re-issued when a requested SAN is not in it (a new host address, say).
   */
  public static Pki loadOrCreate(Path dir, List<String> dnsNames, List<String> ipAddresses) throws IOException {
    Files.createDirectories(dir);
    try {
      CertifiedKey ca = load(dir, "ca");
      if (ca == null) {
        ca = issue(dir, "ca", name("gubernator-ca", null), null, true, List.of(), List.of(), CA_VALIDITY, false, false);
      }
      CertifiedKey serving = load(dir, "server");
      if (serving == null || !coversAll(serving.certificate(), dnsNames, ipAddresses)) {
        serving = issue(dir, "server", name("kube-apiserver", null), ca, false, dnsNames, ipAddresses, LEAF_VALIDITY, true, false);
      }
      CertifiedKey admin = load(dir, "admin");
      if (admin == null) {
        admin = issue(dir, "admin", name("admin", "system:masters"), ca, false, List.of(), List.of(), LEAF_VALIDITY, false, true);
      }
      // kubeadm's apiserver-kubelet-client: what the API server presents when it proxies logs,
      // exec, attach and port-forward to a kubelet, which authorizes it as a cluster admin.
      CertifiedKey kubeletClient = load(dir, KUBELET_CLIENT);
      if (kubeletClient == null) {
        kubeletClient = issue(dir, KUBELET_CLIENT, name(KUBELET_CLIENT_CN, "system:masters"), ca, false,
            List.of(), List.of(), LEAF_VALIDITY, false, true);
      }
      return new Pki(dir, ca, serving, admin, kubeletClient);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException("cannot create TLS material in " + dir + ": " + e.getMessage(), e);
    }
  }

  public CertifiedKey ca() { return ca; }
  public CertifiedKey serving() { return serving; }
  public CertifiedKey admin() { return admin; }
  public CertifiedKey kubeletClient() { return kubeletClient; }
  public Path dir() { return dir; }

  /**
   * A self-signed serving certificate under {@code dir}, kept while it covers the names: what a
   * kubelet that joins with a token serves with, as Kubernetes' kubelet does without
   * --tls-cert-file (the API server does not verify kubelets by default).
   */
  public static CertifiedKey selfSignedServing(Path dir, String base, String commonName, List<String> dnsNames, List<String> ipAddresses)
      throws IOException {
    Files.createDirectories(dir);
    try {
      CertifiedKey existing = load(dir, base);
      if (existing != null && coversAll(existing.certificate(), dnsNames, ipAddresses)) return existing;
      return issue(dir, base, name(commonName, null), null, false, dnsNames, ipAddresses, LEAF_VALIDITY, true, false);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException("cannot create a serving certificate in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The SHA-256 of the CA certificate (DER), hex: what a join token pins. */
  public String caHash() {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(ca.certificate().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A serving certificate signed by the cluster CA, kept under {@code dir/base.crt} and
   * {@code .key}: loaded when it is there and still covers the names, else issued again. The
   * launcher gives one to each kubelet it runs, so that the API server can verify kubelets
   * against the cluster CA when it is told to.
   */
  public CertifiedKey issueServing(String base, String commonName, List<String> dnsNames, List<String> ipAddresses)
      throws IOException {
    if (!base.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) throw new IllegalArgumentException("invalid file name: " + base);
    try {
      CertifiedKey existing = load(dir, base);
      if (existing != null && coversAll(existing.certificate(), dnsNames, ipAddresses)
          && existing.certificate().getSubjectX500Principal().equals(new javax.security.auth.x500.X500Principal(
              name(commonName, null).getEncoded()))) {
        return existing;
      }
      return issue(dir, base, name(commonName, null), ca, false, dnsNames, ipAddresses, LEAF_VALIDITY, true, false);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException("cannot issue a serving certificate in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * An admin kubeconfig for {@code server} with the CA and the admin certificate inline, the one
   * the launcher writes; {@code namespace} (may be null) becomes the context's default namespace.
   */
  public String adminKubeconfig(String server, String namespace) {
    java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
    var utf8 = java.nio.charset.StandardCharsets.UTF_8;
    var cfg = io.gubernator.api.serialization.Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Config");
    cfg.putArray("clusters").addObject().put("name", "gubernator").putObject("cluster")
        .put("server", server)
        .put("certificate-authority-data", b64.encodeToString(ca.certificatePem().getBytes(utf8)));
    cfg.putArray("users").addObject().put("name", "admin").putObject("user")
        .put("client-certificate-data", b64.encodeToString(admin.certificatePem().getBytes(utf8)))
        .put("client-key-data", b64.encodeToString(admin.keyPem().getBytes(utf8)));
    var context = cfg.putArray("contexts").addObject().put("name", "gubernator").putObject("context")
        .put("cluster", "gubernator").put("user", "admin");
    if (namespace != null) context.put("namespace", namespace);
    cfg.put("current-context", "gubernator");
    return new String(io.gubernator.api.serialization.Json.yamlBytes(cfg), utf8);
  }
  private static X500Name name(String cn, String org) {
    X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
    if (org != null) b.addRDN(BCStyle.O, org);
    b.addRDN(BCStyle.CN, cn);
    return b.build();
  }

  private static boolean coversAll(X509Certificate cert, List<String> dnsNames, List<String> ips) {
    try {
      List<String> present = new ArrayList<>();
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) present.add(String.valueOf(san.get(1)));
      }
      for (String d : dnsNames) if (!present.contains(d)) return false;
      for (String ip : ips) {
        String normalized = InetAddress.getByName(ip).getHostAddress();
        if (present.stream().noneMatch(p -> p.equals(ip) || p.equals(normalized))) return false;
      }
      return cert.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(30)));
    } catch (Exception e) {
      return false;
    }
  }

  private static CertifiedKey issue(Path dir, String base, X500Name subject, CertifiedKey issuer, boolean isCa,
      List<String> dnsNames, List<String> ips, Duration validity, boolean server, boolean client)
      throws GeneralSecurityException, IOException, org.bouncycastle.operator.OperatorCreationException {
    // Client keys and the CA are RSA, as kubeadm makes them: every client reads those (fabric8 assumes
    // RSA for PKCS#8 keys). Serving keys, which only our own servers read, are ECDSA P-256, as k3s
    // makes them: the server signs in every TLS handshake, and an RSA-2048 signature costs a
    // millisecond or more of CPU where P-256 costs a small fraction of that.
    boolean ec = server && !client && !isCa;
    KeyPairGenerator gen = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
    if (ec) gen.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"), RANDOM);
    else gen.initialize(2048, RANDOM);
    KeyPair pair = gen.generateKeyPair();
    Instant now = Instant.now();
    X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(127, RANDOM),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject, pair.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
    if (isCa) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    } else {
      // Key encipherment is an RSA key-transport use; an EC key only signs.
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(ec ? KeyUsage.digitalSignature : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (server) purposes.add(KeyPurposeId.id_kp_serverAuth);
      if (client) purposes.add(KeyPurposeId.id_kp_clientAuth);
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
      if (issuer != null) builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.certificate()));
    }
    if (!dnsNames.isEmpty() || !ips.isEmpty()) {
      List<GeneralName> names = new ArrayList<>();
      for (String d : dnsNames) names.add(new GeneralName(GeneralName.dNSName, d));
      for (String ip : ips) names.add(new GeneralName(GeneralName.iPAddress, ip));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
    }
    PrivateKey signingKey = issuer == null ? pair.getPrivate() : issuer.key();
    ContentSigner signer = new JcaContentSignerBuilder(signingKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
        .build(signingKey);
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    // PKCS#8 ("PRIVATE KEY"): the form every consumer reads (Vert.x, Go's crypto/tls, openssl).
    CertifiedKey result = new CertifiedKey(cert, pair.getPrivate(), pem(cert),
        pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null).generate()));
    if (dir != null) {
      writePrivate(dir.resolve(base + ".key"), result.keyPem());
      Files.writeString(dir.resolve(base + ".crt"), result.certificatePem());
    }
    return result;
  }

  private static CertifiedKey load(Path dir, String base) throws IOException, GeneralSecurityException {
    Path crt = dir.resolve(base + ".crt");
    Path key = dir.resolve(base + ".key");
    if (!Files.exists(crt) || !Files.exists(key)) return null;
    String certPem = Files.readString(crt);
    String keyPem = Files.readString(key);
    X509Certificate cert;
    PrivateKey privateKey;
    try (PEMParser p = new PEMParser(new StringReader(certPem))) {
      cert = new JcaX509CertificateConverter().getCertificate((org.bouncycastle.cert.X509CertificateHolder) p.readObject());
    }
    try (PEMParser p = new PEMParser(new StringReader(keyPem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      privateKey = o instanceof PEMKeyPair kp ? conv.getKeyPair(kp).getPrivate()
          : conv.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) o);
    }
    return new CertifiedKey(cert, privateKey, certPem, keyPem);
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }

  private static void writePrivate(Path path, String content) throws IOException {
    Files.deleteIfExists(path);
    Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(path, content);
  }
}
