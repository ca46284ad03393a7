package io.gubernator.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TunedVertxHttpClientFactoryTest {

  private Vertx vertx;
  private HttpServer server;
  private final Set<HttpVersion> versions = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setUseAlpn(true).setHost("127.0.0.1").setPort(0)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1)).setKeyCertOptions(cert.keyCertOptions()))
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> {
          versions.add(req.version());
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          // Slow enough that concurrent requests overlap.
          vertx.setTimer(50, t -> {
            inFlight.decrementAndGet();
            req.response().putHeader("Content-Type", "application/json")
                .end("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"}}");
          });
        });
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopServer() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void clientsAreFoundThroughTheServiceLoader() {
    assertInstanceOf(TunedVertxHttpClientFactory.class, HttpClientUtils.getHttpClientFactory());
  }

  @Test
  void concurrentRequestsShareOneHttp2Connection() throws Exception {
    Config config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:" + server.actualPort()).withTrustCerts(true)
        .withOauthToken("t").build();
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      List<Future<io.fabric8.kubernetes.api.model.ConfigMap>> calls = IntStream.range(0, 50)
          .mapToObj(i -> pool.submit(() -> client.configMaps().inNamespace("default").withName("x").get())).toList();
      for (Future<io.fabric8.kubernetes.api.model.ConfigMap> f : calls) assertEquals("x", f.get(30, TimeUnit.SECONDS).getMetadata().getName());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(Set.of(HttpVersion.HTTP_2), versions);
    assertEquals(1, connections.get());
    // Multiplexed, not queued behind one another on the one connection.
    assertTrue(maxInFlight.get() > 1, "requests in flight at once: " + maxInFlight.get());
  }
}
