package io.gubernator.testing.hollow;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gubernator.apiserver.ApiServer;
import io.gubernator.apiserver.ApiServerConfig;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.store.Store;
import io.gubernator.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real API server with the embedded store on a free 127.0.0.1 port and a temporary directory;
 * hollow nodes and the test reach it only over HTTPS, each with a fabric8 client of its own.
 */
final class ApiServerFixture implements AutoCloseable {

  private final Path dir;
  private final Store store;
  private final ApiServer server;
  private final String kubeconfig;
  private final KubernetesClient client;

  private ApiServerFixture(Path dir, Store store, ApiServer server, String kubeconfig) {
    this.dir = dir;
    this.store = store;
    this.server = server;
    this.kubeconfig = kubeconfig;
    this.client = newClient();
  }

  static ApiServerFixture start() throws Exception {
    Path dir = Files.createTempDirectory("gubernator-hollow-it").toAbsolutePath();
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
    return new ApiServerFixture(dir, store, server, pki.adminKubeconfig("https://127.0.0.1:" + server.port(), "default"));
  }

  /** The test's client. */
  KubernetesClient client() {
    return client;
  }

  /** A separate client, as another process would have. */
  KubernetesClient newClient() {
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setRequestTimeout(30_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  public void close() throws Exception {
    client.close();
    server.close();
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
