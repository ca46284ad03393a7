package io.gubernator.scheduler;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gubernator.apiserver.ApiServer;
import io.gubernator.apiserver.ApiServerConfig;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.store.Store;
import io.gubernator.store.Stores;
import java.nio.file.Path;
import java.util.List;

/**
 * A real API server with the embedded store on a free 127.0.0.1 port, and a scheduler that
 * reaches it only through a fabric8 client of its own (as the launcher wires it). Tests use a
 * second client.
 */
final class ClusterFixture implements AutoCloseable {

  private final Store store;
  private final ApiServer server;
  private final KubernetesClient schedulerClient;
  private final KubernetesClient testClient;
  private final Scheduler scheduler;

  private ClusterFixture(Store store, ApiServer server, KubernetesClient schedulerClient, KubernetesClient testClient) {
    this.store = store;
    this.server = server;
    this.schedulerClient = schedulerClient;
    this.testClient = testClient;
    this.scheduler = Scheduler.start(schedulerClient);
  }

  static ClusterFixture start(Path dataDir) throws Exception {
    Path dir = dataDir.toAbsolutePath();
    Pki pki = Pki.loadOrCreate(dir.resolve("tls"), List.of("localhost"), List.of("127.0.0.1"));
    String endpoint = "embedded://" + dir.resolve("store");
    Store store = Stores.open(endpoint);
    ApiServer server = new ApiServer(new ApiServerConfig("127.0.0.1", 0, dir, endpoint, ApiServerConfig.DEFAULT_SERVICE_CIDR, null), store, pki);
    try {
      server.start();
    } catch (Exception e) {
      server.close();
      store.close();
      throw e;
    }
    String kubeconfig = pki.adminKubeconfig("https://127.0.0.1:" + server.port(), "default");
    return new ClusterFixture(store, server, client(kubeconfig), client(kubeconfig));
  }

  private static KubernetesClient client(String kubeconfig) {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setRequestTimeout(30_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  KubernetesClient client() {
    return testClient;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public void close() {
    scheduler.close();
    testClient.close();
    schedulerClient.close();
    server.close();
    store.close();
  }
}
