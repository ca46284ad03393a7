package io.gubernator.bench.scheduler;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * scheduler_perf's SchedulingBasic through the API: a child {@code ./gubernator server} (API
 * server, controllers and scheduler in one process, as users run it), N plain Node objects shaped
 * as upstream's node-default.yaml (4 cpu, 32 GiB, 110 pods; no kubelet, as scheduler_perf), a
 * batch of initial pods, then the measured pods (pod-default.yaml: 100m cpu, 500 MiB). Prints
 * pods/s from the first measured create to the last measured binding seen by a watch.
 * Usage: SchedulingBasicBenchmark [repoRoot] [nodes=5000] [initPods=1000] [measuredPods=10000]
 */
public final class SchedulingBasicBenchmark {

  private static final int CREATE_THREADS = 16;

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    int initPods = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    int measured = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
    if (!Files.exists(root.resolve("launcher/target/gubernator-launcher.jar"))) throw new IllegalStateException("build the launcher first");
    Path dataDir = Files.createTempDirectory("gubernator-bench-sched");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process server = new ProcessBuilder(root.resolve("gubernator").toString(), "server", "--data-dir", dataDir.toString(),
        "--https-port", Integer.toString(port), "--bind-address", "127.0.0.1").redirectErrorStream(true).start();
    ExecutorService pool = Executors.newFixedThreadPool(CREATE_THREADS);
    try {
      awaitBanner(server);
      Config config = Config.fromKubeconfig(Files.readString(dataDir.resolve("kubeconfig.yaml")));
      config.setRequestTimeout(120_000);
      config.setMaxConcurrentRequests(256);
      config.setMaxConcurrentRequestsPerHost(256);
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("sched").endMetadata().build()).create();
        long t0 = System.nanoTime();
        createAll(pool, nodes, i -> {
          client.nodes().resource(node("node-" + i)).create();
          return null;
        });
        System.out.printf("created %d nodes in %.1f s%n", nodes, seconds(t0));
        Set<String> bound = ConcurrentHashMap.newKeySet();
        Map<String, Long> boundAt = new ConcurrentHashMap<>();
        try (Watch w = client.pods().inNamespace("sched").watch(new Watcher<>() {
          @Override
          public void eventReceived(Action action, Pod p) {
            String n = p.getSpec().getNodeName();
            if (n != null && !n.isEmpty() && bound.add(p.getMetadata().getName())) boundAt.put(p.getMetadata().getName(), System.nanoTime());
          }

          @Override
          public void onClose(WatcherException e) {
          }
        })) {
          long t1 = System.nanoTime();
          createAll(pool, initPods, i -> {
            client.pods().inNamespace("sched").resource(pod("init-" + i)).create();
            return null;
          });
          awaitBound(bound, initPods, "initial");
          System.out.printf("scheduled %d initial pods in %.1f s%n", initPods, seconds(t1));
          long start = System.nanoTime();
          createAll(pool, measured, i -> {
            client.pods().inNamespace("sched").resource(pod("m-" + i)).create();
            return null;
          });
          double createSeconds = seconds(start);
          awaitBound(bound, initPods + measured, "measured");
          long last = boundAt.entrySet().stream().filter(e -> e.getKey().startsWith("m-")).mapToLong(Map.Entry::getValue).max().orElseThrow();
          double total = (last - start) / 1e9;
          System.out.println();
          System.out.printf("SchedulingBasic: %d nodes, %d initial pods, %d measured pods%n", nodes, initPods, measured);
          System.out.printf("  measured pods created in %.1f s (%.0f creates/s)%n", createSeconds, measured / createSeconds);
          System.out.printf("  scheduling throughput: %.0f pods/s (upstream CI threshold 270; target 2700)%n", measured / total);
        }
      }
    } finally {
      pool.shutdownNow();
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) server.destroyForcibly();
      try (var files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  static Node node(String name) {
    Map<String, Quantity> cap = Map.of("cpu", new Quantity("4"), "memory", new Quantity("32Gi"), "pods", new Quantity("110"));
    return new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus().withCapacity(cap).withAllocatable(cap)
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
  }

  static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
        .addNewContainer().withName("pause").withImage("registry.k8s.io/pause:3.10")
        .withNewResources().withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("500Mi"))).endResources()
        .endContainer().endSpec().build();
  }

  private static void createAll(ExecutorService pool, int n, IntFunction<Void> create) throws Exception {
    var futures = new java.util.ArrayList<java.util.concurrent.Future<Void>>(n);
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(pool.submit(() -> create.apply(k)));
    }
    for (var f : futures) f.get();
  }

  private static void awaitBound(Set<String> bound, int want, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (bound.size() < want) {
      if (System.nanoTime() > deadline) throw new IllegalStateException(what + " pods not all bound: " + bound.size() + "/" + want);
      Thread.sleep(20);
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void awaitBanner(Process server) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("Gubernator is running")) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) { /* keep the pipe from filling */ }
          } catch (Exception ignored) {
            // the server exited
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IllegalStateException("server did not start");
  }
}
