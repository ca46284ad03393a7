package io.gubernator.apiserver.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Authentication by client certificate (CN is the user, O the groups, as in Kubernetes; the TLS
 * layer has already checked the chain against the cluster CA) and by bearer token from a static
 * token file ({@code token,user,uid,"group1,group2"}, Kubernetes' format).
 */
public final class Authenticator {

  private final Map<String, UserInfo> tokens;
  /** Parsing a subject DN costs more than the rest of a small request; clients reuse a handful of certificates. */
  private final Map<X509Certificate, UserInfo> byCertificate = new java.util.concurrent.ConcurrentHashMap<>();

  private Authenticator(Map<String, UserInfo> tokens) {
    this.tokens = tokens;
  }

  public static Authenticator fromTokenFile(Path tokenFile) throws IOException {
    Map<String, UserInfo> tokens = new HashMap<>();
    if (Files.exists(tokenFile)) {
      for (String line : Files.readAllLines(tokenFile)) {
        if (line.isBlank() || line.startsWith("#")) continue;
        List<String> fields = csv(line);
        if (fields.size() < 3) continue;
        List<String> groups = new ArrayList<>();
        if (fields.size() >= 4) for (String g : fields.get(3).split(",")) if (!g.isBlank()) groups.add(g.trim());
        groups.add("system:authenticated");
        tokens.put(fields.get(0), new UserInfo(fields.get(1), List.copyOf(groups)));
      }
    }
    return new Authenticator(tokens);
  }

  /** The user of a request: certificate first, then bearer token; anonymous when neither is there. */
  public UserInfo authenticate(Certificate[] peerCertificates, String authorizationHeader) {
    if (peerCertificates != null && peerCertificates.length > 0 && peerCertificates[0] instanceof X509Certificate cert) {
      UserInfo cached = byCertificate.get(cert);
      if (cached != null) return cached;
      UserInfo user = fromCertificate(cert);
      if (user != null && byCertificate.size() < 10_000) byCertificate.put(cert, user);
      return user;
    }
    if (authorizationHeader != null && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = authorizationHeader.substring(7).trim();
      for (Map.Entry<String, UserInfo> e : tokens.entrySet()) {
        if (MessageDigest.isEqual(e.getKey().getBytes(), token.getBytes())) return e.getValue();
      }
      return null;
    }
    return UserInfo.ANONYMOUS;
  }

  static UserInfo fromCertificate(X509Certificate cert) {
    String user = "";
    List<String> groups = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) user = String.valueOf(rdn.getValue());
        if (rdn.getType().equalsIgnoreCase("O")) groups.add(String.valueOf(rdn.getValue()));
      }
    } catch (Exception e) {
      return null;
    }
    groups.add("system:authenticated");
    return new UserInfo(user, List.copyOf(groups));
  }

  private static List<String> csv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) { out.add(cur.toString()); cur.setLength(0); }
      else cur.append(c);
    }
    out.add(cur.toString());
    return out;
  }
}
