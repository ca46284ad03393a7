package io.gubernator.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ComponentClientsTest {

  private Vertx vertx;
  private HttpServer server;
  private final Set<HttpVersion> versions = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger upgrades = new AtomicInteger();

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setUseAlpn(true).setHost("127.0.0.1").setPort(0)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1)).setKeyCertOptions(cert.keyCertOptions()))
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> {
          versions.add(req.version());
          if (req.headers().contains("Upgrade")) {
            // Refused, so that a client trying WebSockets falls back at once instead of waiting.
            upgrades.incrementAndGet();
            req.response().setStatusCode(400).end();
            return;
          }
          // A watch that sends one event and stays open, as an API server's does.
          req.response().setChunked(true).putHeader("Content-Type", "application/json");
          req.response().write("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
              + "\"metadata\":{\"name\":\"x\",\"namespace\":\"default\",\"resourceVersion\":\"1\"}}}\n");
        });
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopServer() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(60)
  void watchesAreStreamsOnOneHttp2Connection() throws Exception {
    int watches = 5;
    CountDownLatch added = new CountDownLatch(watches);
    List<Watch> open = new ArrayList<>();
    try (KubernetesClient client = ComponentClients.build(new ConfigBuilder()
        .withMasterUrl("https://127.0.0.1:" + server.actualPort()).withTrustCerts(true).withOauthToken("t").build())) {
      for (int i = 0; i < watches; i++) {
        open.add(client.configMaps().inNamespace("default").watch(new Watcher<ConfigMap>() {
          @Override
          public void eventReceived(Action action, ConfigMap resource) {
            if (action == Action.ADDED) added.countDown();
          }

          @Override
          public void onClose(WatcherException cause) {}
        }));
      }
      assertTrue(added.await(30, TimeUnit.SECONDS), "watch events not received: " + added.getCount() + " missing");
      open.forEach(Watch::close);
    }
    assertEquals(0, upgrades.get(), "WebSocket upgrades");
    assertEquals(Set.of(HttpVersion.HTTP_2), versions);
    assertEquals(1, connections.get());
  }
}
