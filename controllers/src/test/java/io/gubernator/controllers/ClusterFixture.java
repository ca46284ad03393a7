package io.gubernator.controllers;

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
 * A real API server with the embedded store on a free 127.0.0.1 port, and a controller manager
 * that reaches it only through a fabric8 client built from an admin kubeconfig (as the launcher
 * wires them). Tests use a second client of their own.
 */
public final class ClusterFixture implements AutoCloseable {

  private final Store store;
  private final ApiServer server;
  private final KubernetesClient controllerClient;
  private final KubernetesClient testClient;
  private ControllerManager manager;

  private ClusterFixture(Store store, ApiServer server, KubernetesClient controllerClient, KubernetesClient testClient) {
    this.store = store;
    this.server = server;
    this.controllerClient = controllerClient;
    this.testClient = testClient;
  }

  public static ClusterFixture start(Path dataDir, boolean withControllers) throws Exception {
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
    ClusterFixture f = new ClusterFixture(store, server, client(kubeconfig), client(kubeconfig));
    if (withControllers) f.startControllers();
    return f;
  }

  public void startControllers() {
    startControllers(ControllerManager.Options.defaults());
  }

  public void startControllers(ControllerManager.Options options) {
    manager = ControllerManager.start(controllerClient, options);
  }

  public void stopControllers() {
    if (manager != null) manager.close();
    manager = null;
  }

  private static KubernetesClient client(String kubeconfig) {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setRequestTimeout(30_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public KubernetesClient client() {
    return testClient;
  }

  @Override
  public void close() {
    stopControllers();
    testClient.close();
    controllerClient.close();
    server.close();
    store.close();
  }
}
