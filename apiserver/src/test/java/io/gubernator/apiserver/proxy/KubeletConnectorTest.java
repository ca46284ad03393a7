package io.gubernator.apiserver.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.proxy.UpgradeProxy;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.pki.Pki;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which kubelet the API server dials, and whether it checks the kubelet's serving certificate. */
class KubeletConnectorTest {

  @TempDir
  Path dir;
  Vertx vertx;
  Pki cluster;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    cluster = Pki.loadOrCreate(dir.resolve("cluster"), List.of("localhost"), List.of("127.0.0.1"));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int kubelet(Pki.CertifiedKey serving) throws Exception {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1").setPort(0)
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
            .setKeyValue(Buffer.buffer(serving.keyPem()))))
        .requestHandler(req -> req.response().end("ok"));
    return server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  private static String get(KubeletConnector connector, boolean insecure, int port) {
    return UpgradeProxy.await(connector.http(insecure)
        .request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI("/healthz"))
        .compose(r -> r.send().compose(a -> a.body())), "error dialing backend").toString();
  }

  @Test
  void servingCertificatesAreCheckedAgainstTheClusterCaOnlyWhenAskedTo() throws Exception {
    // A kubelet whose certificate comes from another CA (a self-signed kubelet, as kubeadm's are).
    Pki foreign = Pki.loadOrCreate(dir.resolve("foreign"), List.of("localhost"), List.of("127.0.0.1"));
    int foreignPort = kubelet(foreign.issueServing("kubelet", "node-a", List.of("node-a"), List.of("127.0.0.1")));
    int ownPort = kubelet(cluster.issueServing("kubelet", "node-b", List.of("node-b"), List.of("127.0.0.1")));

    try (KubeletConnector lenient = new KubeletConnector(vertx, cluster, KubeletClientConfig.DEFAULT);
        KubeletConnector strict = new KubeletConnector(vertx, cluster, KubeletClientConfig.DEFAULT.withVerifyServingCertificate(true))) {
      assertThat(get(lenient, false, foreignPort)).isEqualTo("ok");
      assertThat(get(strict, false, ownPort)).isEqualTo("ok");
      assertThatThrownBy(() -> get(strict, false, foreignPort)).isInstanceOf(StatusException.class)
          .hasMessageContaining("error dialing backend");
      // insecureSkipTLSVerifyBackend: the user's waiver for one request.
      assertThat(get(strict, true, foreignPort)).isEqualTo("ok");
    }
  }

  @Test
  void theServingCertificateIsKeptAcrossCallsAndReissuedForNewNames() throws Exception {
    Pki.CertifiedKey first = cluster.issueServing("kubelet", "node-a", List.of("node-a"), List.of("127.0.0.1"));
    assertThat(cluster.issueServing("kubelet", "node-a", List.of("node-a"), List.of("127.0.0.1")).certificate())
        .isEqualTo(first.certificate());
    assertThat(cluster.issueServing("kubelet", "node-a", List.of("node-a"), List.of("10.0.0.7")).certificate())
        .isNotEqualTo(first.certificate());
    assertThat(first.certificate().getIssuerX500Principal()).isEqualTo(cluster.ca().certificate().getSubjectX500Principal());
    assertThat(cluster.kubeletClient().certificate().getSubjectX500Principal().getName())
        .isEqualTo("CN=kube-apiserver-kubelet-client,O=system:masters");
  }

  @Test
  void theAddressFollowsThePreferenceAndThePortDefaultsToTheKubeletPort() {
    try (KubeletConnector connector = new KubeletConnector(vertx, cluster, KubeletClientConfig.DEFAULT)) {
      ObjectNode node = Json.parseObject(("{\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"h\"},"
          + "{\"type\":\"ExternalIP\",\"address\":\"1.2.3.4\"},{\"type\":\"InternalIP\",\"address\":\"10.0.0.5\"}]}}").getBytes());
      assertThat(connector.endpoint(node)).isEqualTo(new KubeletConnector.Endpoint("10.0.0.5", 10250));
      ((ObjectNode) node.path("status")).putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 11250);
      ((ObjectNode) node.path("status").path("addresses").get(2)).put("type", "InternalDNS");
      assertThat(connector.endpoint(node)).isEqualTo(new KubeletConnector.Endpoint("h", 11250));
      ObjectNode bare = Json.parseObject("{\"status\":{}}".getBytes());
      assertThatThrownBy(() -> connector.endpoint(bare)).isInstanceOf(StatusException.class)
          .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(503));
    }
  }
}
