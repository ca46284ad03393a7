package io.gubernator.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** What every benchmark does with the child server it starts: a client for it, and its data removed after. */
public final class BenchServer {

  private BenchServer() {}

  /**
   * A fabric8 client from the server's admin kubeconfig, allowed the long timeouts and the many
   * concurrent requests a load generator needs: fabric8's plain Vert.x client (HTTP/1.1, a
   * connection per request in flight), the client the API server benchmark also points at
   * fabric8's mock server.
   */
  public static KubernetesClient client(Path dataDir, int requestTimeoutMillis) throws IOException {
    Config config = Config.fromKubeconfig(Files.readString(dataDir.resolve("kubeconfig.yaml")));
    config.setRequestTimeout(requestTimeoutMillis);
    config.setMaxConcurrentRequests(256);
    config.setMaxConcurrentRequestsPerHost(256);
    // Named, not left to ServiceLoader: the kubelet's classes on the bench's class path bring our
    // own HTTP/2 factory, and every benchmark's numbers so far come from this one.
    return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new VertxHttpClientFactory()).build();
  }

  /** Removes the server's data dir (store, TLS material): each run's alone. */
  public static void deleteDataDir(Path dataDir) throws IOException {
    try (var files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
