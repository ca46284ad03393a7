package io.gubernator.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kubeadm's discovery: read kube-public/cluster-info without credentials (and without trusting the
 * server yet), take the CA from it and check it against the join token's hash. Only after that
 * does the agent talk to the server with its secret, over TLS verified against that CA.
 */
final class ClusterInfo {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterInfo.class);

  private ClusterInfo() {}

  static String fetchCa(String server, JoinToken token) throws Exception {
    SSLContext trustAll = SSLContext.getInstance("TLS");
    trustAll.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, new SecureRandom());
    HttpClient http = HttpClient.newBuilder().sslContext(trustAll).connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(server + "/api/v1/namespaces/kube-public/configmaps/cluster-info"))
        .header("Accept", "application/json").timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) throw new IllegalStateException("cannot read cluster-info from " + server + ": HTTP " + res.statusCode());
    JsonNode cm = new ObjectMapper().readTree(res.body());
    JsonNode kubeconfig = new YAMLMapper().readTree(cm.path("data").path("kubeconfig").asText());
    String caData = kubeconfig.path("clusters").path(0).path("cluster").path("certificate-authority-data").asText();
    if (caData.isEmpty()) throw new IllegalStateException("cluster-info from " + server + " carries no CA");
    String pem = new String(Base64.getDecoder().decode(caData), StandardCharsets.UTF_8);
    X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.getEncoded()));
    if (token.caHash() == null) {
      LOG.warn("the join token does not pin the cluster CA: trusting the CA the server sent (sha256 {})", hash);
    } else if (!token.caHash().equals(hash)) {
      throw new IllegalStateException("the server's CA (sha256 " + hash + ") does not match the join token: refusing to join " + server);
    }
    return pem;
  }
}
