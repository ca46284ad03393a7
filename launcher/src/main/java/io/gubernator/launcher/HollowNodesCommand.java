package io.gubernator.launcher;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gubernator.testing.hollow.HollowNodeConfig;
import io.gubernator.testing.hollow.HollowNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gubernator hollow-nodes}: simulated nodes (test and benchmark tool, no containers run)
 * against any cluster reachable with a kubeconfig; also what {@code server --hollow-nodes} starts.
 */
@Command(name = "hollow-nodes", mixinStandardHelpOptions = true,
    description = "Run simulated (hollow) nodes against a cluster: for tests and benchmarks only, no containers run.")
final class HollowNodesCommand implements Callable<Integer> {

  @Option(names = "--count", required = true, description = "How many nodes.")
  int count;

  @Option(names = "--kubeconfig", description = "Kubeconfig file (default $KUBECONFIG, else ~/.kube/config).")
  Path kubeconfig;

  @Option(names = "--name-prefix", defaultValue = HollowNodeConfig.DEFAULT_PREFIX, description = "Node name prefix (default ${DEFAULT-VALUE}).")
  String namePrefix;

  @Option(names = "--cpu", defaultValue = "4", description = "CPU capacity per node (default ${DEFAULT-VALUE}).")
  String cpu;

  @Option(names = "--memory", defaultValue = "16Gi", description = "Memory capacity per node (default ${DEFAULT-VALUE}).")
  String memory;

  @Option(names = "--pods", defaultValue = "110", description = "Pod capacity per node (default ${DEFAULT-VALUE}).")
  String pods;

  @Option(names = "--workers", defaultValue = "4", description = "Threads per work queue (default ${DEFAULT-VALUE}).")
  int workers;

  /** Hollow nodes with the client they own; closing stops both. */
  record Running(KubernetesClient client, HollowNodes nodes) implements AutoCloseable {
    @Override
    public void close() {
      nodes.close();
      client.close();
    }
  }

  /** Starts hollow nodes over a client of their own (their traffic does not queue behind the controllers'). */
  static Running start(Path kubeconfig, HollowNodeConfig config) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    try {
      return new Running(client, HollowNodes.start(client, config));
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  @Override
  public Integer call() throws Exception {
    Path file = kubeconfig != null ? kubeconfig
        : System.getenv("KUBECONFIG") != null ? Path.of(System.getenv("KUBECONFIG").split(java.io.File.pathSeparator)[0])
        : Path.of(System.getProperty("user.home"), ".kube", "config");
    HollowNodeConfig config = HollowNodeConfig.defaults(count).withNamePrefix(namePrefix).withCapacity(cpu, memory, pods).withWorkers(workers);
    Running running = start(file, config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "shutdown"));
    long begin = System.nanoTime();
    if (running.nodes().awaitReady(Duration.ofMinutes(10))) {
      System.out.printf("%d hollow nodes Ready in %d ms (simulated: no containers run); Ctrl-C to stop%n", count, (System.nanoTime() - begin) / 1_000_000);
    } else {
      System.out.printf("only %d of %d hollow nodes Ready after 10 minutes; still trying%n", running.nodes().readyCount(), count);
    }
    System.out.flush();
    stopped.await();
    return 0;
  }
}
