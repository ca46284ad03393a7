package io.gubernator.apiserver.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.apiserver.pki.Pki;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TCPSSLOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS clients towards kubelets (presenting the API server's kubelet client certificate) and
 * the choice of a Node's address and port, as Kubernetes' NodeConnectionInfoGetter makes it.
 */
final class KubeletConnector implements AutoCloseable {

  /** Where a kubelet listens. */
  record Endpoint(String host, int port) {
    String hostPort() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private static final int CONNECT_TIMEOUT_MS = 30_000;
  /**
   * Connections per kubelet. Each {@code logs -f} holds one for as long as it follows, and a
   * request beyond the pool would wait for one to end, so the pool is far larger than the
   * handful that short requests need.
   */
  private static final int MAX_CONNECTIONS_PER_KUBELET = 4096;

  private final KubeletClientConfig config;
  private final HttpClient http;
  private final HttpClient insecureHttp;
  private final NetClient net;

  KubeletConnector(Vertx vertx, Pki pki, KubeletClientConfig config) {
    this.config = config;
    this.http = vertx.createHttpClient(tls(new HttpClientOptions(), pki, config.verifyServingCertificate())
        .setProtocolVersion(HttpVersion.HTTP_1_1).setConnectTimeout(CONNECT_TIMEOUT_MS).setMaxPoolSize(MAX_CONNECTIONS_PER_KUBELET)
        .setMaxHeaderSize(64 * 1024));
    // pods/log's insecureSkipTLSVerifyBackend: the user accepts an unverified kubelet for this
    // one request (a kubelet whose serving certificate expired should not hide the logs).
    this.insecureHttp = config.verifyServingCertificate()
        ? vertx.createHttpClient(tls(new HttpClientOptions(), pki, false)
            .setProtocolVersion(HttpVersion.HTTP_1_1).setConnectTimeout(CONNECT_TIMEOUT_MS).setMaxPoolSize(MAX_CONNECTIONS_PER_KUBELET))
        : http;
    this.net = vertx.createNetClient(tls(new NetClientOptions(), pki, config.verifyServingCertificate())
        .setConnectTimeout(CONNECT_TIMEOUT_MS)
        .setHostnameVerificationAlgorithm(config.verifyServingCertificate() ? "HTTPS" : ""));
  }

  private static <T extends TCPSSLOptions> T tls(T options, Pki pki, boolean verify) {
    options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertValue(Buffer.buffer(pki.kubeletClient().certificatePem()))
        .setKeyValue(Buffer.buffer(pki.kubeletClient().keyPem())));
    if (options instanceof HttpClientOptions h) {
      h.setVerifyHost(verify);
      h.setTrustAll(!verify);
    } else if (options instanceof NetClientOptions n) {
      n.setTrustAll(!verify);
    }
    if (verify) options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pki.ca().certificatePem())));
    return options;
  }

  HttpClient http(boolean insecureSkipVerify) {
    return insecureSkipVerify ? insecureHttp : http;
  }

  NetClient net() {
    return net;
  }

  /** The kubelet of {@code node} (a Node object): its preferred address and its kubelet port. */
  Endpoint endpoint(JsonNode node) {
    JsonNode addresses = node.path("status").path("addresses");
    String host = null;
    for (String type : config.preferredAddressTypes()) {
      for (JsonNode a : addresses) {
        if (type.equals(a.path("type").asText()) && !a.path("address").asText().isEmpty()) {
          host = a.path("address").asText();
          break;
        }
      }
      if (host != null) break;
    }
    if (host == null) {
      List<String> known = new ArrayList<>();
      for (JsonNode a : addresses) known.add("{" + a.path("type").asText() + " " + a.path("address").asText() + "}");
      // Kubernetes answers this with an internal error; it is the node's state, not the request,
      // so it is a 503 here: retrying once the kubelet has reported its addresses succeeds.
      throw StatusException.serviceUnavailable("no preferred addresses found; known addresses: [" + String.join(" ", known) + "]");
    }
    int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
    return new Endpoint(host, port > 0 && port <= 65535 ? port : config.defaultPort());
  }

  @Override
  public void close() {
    http.close();
    if (insecureHttp != http) insecureHttp.close();
    net.close();
  }
}
