package io.gubernator.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** What every benchmark does with the child server it starts: a client for it, and its data removed after. */
public final class BenchServer {

  private BenchServer() {}

  /**
   * A fabric8 client from the server's admin kubeconfig, allowed the long timeouts and the many
   * concurrent requests a load generator needs.
   */
  public static KubernetesClient client(Path dataDir, int requestTimeoutMillis) throws IOException {
    Config config = Config.fromKubeconfig(Files.readString(dataDir.resolve("kubeconfig.yaml")));
    config.setRequestTimeout(requestTimeoutMillis);
    config.setMaxConcurrentRequests(256);
    config.setMaxConcurrentRequestsPerHost(256);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Removes the server's data dir (store, TLS material): each run's alone. */
  public static void deleteDataDir(Path dataDir) throws IOException {
    try (var files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
