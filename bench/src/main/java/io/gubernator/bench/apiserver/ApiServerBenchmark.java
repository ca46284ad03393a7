package io.gubernator.bench.apiserver;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.gubernator.bench.BenchServer;
import io.gubernator.bench.ProcessCpu;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server benchmark of issue 3, against a child {@code gubernator server} (the real
 * launcher jar, embedded store, TLS) and, for the sequential case, fabric8's KubernetesMockServer
 * in CRUD mode over plain HTTP, both driven by the same fabric8 client in one run.
 *
 * <pre>bench/apiserver.sh [all|seq|concurrent|paced|watch|list]...</pre>
 *
 * <p>The server runs with {@code --disable-agent}: this measures the API server, and the LIST phase's
 * 10,000 pods would otherwise be scheduled and started by the node agent while they are listed.
 * The controllers and scheduler run, as in a default server.
 */
public final class ApiServerBenchmark {

  private static final int SEQUENTIAL = 2_000;
  private static final int WARMUP = 10_000;
  private static final int CONCURRENCY = 32;
  private static final long CONCURRENT_MILLIS = 10_000;
  private static final long CONCURRENT_WARMUP_MILLIS = 10_000;
  private static final int PACED_RATE = 1_000;
  private static final long PACED_MILLIS = 10_000;
  private static final int WATCHERS = 100;
  private static final int WATCH_UPDATES = 200;
  private static final int LIST_PODS = 10_000;

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    java.util.Set<String> phases = new java.util.HashSet<>(java.util.Arrays.asList(args).subList(Math.min(1, args.length), args.length));
    if (phases.isEmpty() || phases.contains("all")) phases = java.util.Set.of("seq", "concurrent", "paced", "watch", "list");
    Path jar = root.resolve("launcher/target/gubernator-launcher.jar");
    Path dataDir = Files.createTempDirectory("gubernator-bench");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    // Started as users start it, through ./gubernator (which execs the JVM, so the pid is the server's).
    if (!Files.exists(jar)) throw new IllegalStateException("build the launcher first: " + jar);
    Process server = new ProcessBuilder(root.resolve("gubernator").toString(), "server", "--data-dir", dataDir.toString(),
        "--https-port", Integer.toString(port), "--bind-address", "127.0.0.1", "--disable-agent").redirectErrorStream(true).start();
    try {
      awaitBanner(server);
      // Twice: 2 s after the banner (start-up's transient: class loading, JIT, the controllers'
      // first lists) and 15 s after it, once the idle server has settled (the JVM returns freed
      // native memory every 5 s).
      Thread.sleep(2_000);
      long rssMb = rssKb(server.pid()) / 1024;
      Thread.sleep(13_000);
      long settledRssMb = rssKb(server.pid()) / 1024;
      try (KubernetesClient gub = BenchServer.client(dataDir, 60_000)) {
        KubernetesMockServer mock = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(), false);
        mock.init(InetAddress.getLoopbackAddress(), 0);
        double gubSeq = Double.NaN;
        double mockSeq = Double.NaN;
        double seqCpuPerCreate = Double.NaN;
        double seqClientCpuPerCreate = Double.NaN;
        for (String ns : List.of("bench", "warm")) {
          gub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        if (phases.contains("seq")) {
          try (KubernetesClient mockClient = mock.createClient(new VertxHttpClientFactory())) {
            warmUp(gub, WARMUP);
            warmUp(mockClient, WARMUP);
            long cpu0 = ProcessCpu.millis(server.pid());
            long clientCpu0 = ProcessCpu.millis(ProcessHandle.current().pid());
            Map<String, Long> threads0 = ProcessCpu.threadTicks(server.pid());
            gubSeq = sequential(gub, "bench", SEQUENTIAL);
            seqCpuPerCreate = (ProcessCpu.millis(server.pid()) - cpu0) / (double) SEQUENTIAL;
            seqClientCpuPerCreate = (ProcessCpu.millis(ProcessHandle.current().pid()) - clientCpu0) / (double) SEQUENTIAL;
            System.err.println("[bench] server CPU by thread (ms): " + ProcessCpu.topThreads(threads0, ProcessCpu.threadTicks(server.pid())));
            mockSeq = sequential(mockClient, "bench", SEQUENTIAL);
          }
        }
        mock.destroy();
        Result none = new Result(Double.NaN, Double.NaN, Double.NaN);
        // Like the sequential phase, measured after a warm-up at the same concurrency: 32 clients open
        // their own connections (TLS handshakes) and take paths (lock contention, batching) that the
        // sequential warm-up never compiled; without it the JIT spends a third of the window compiling.
        Result concurrentWarmUp = phases.contains("concurrent") ? concurrent(gub, "cwarm-", CONCURRENCY, CONCURRENT_WARMUP_MILLIS, 0) : none;
        Map<String, Long> concurrentThreads0 = ProcessCpu.threadTicks(server.pid());
        long benchCpu0 = ProcessCpu.millis(ProcessHandle.current().pid());
        Result concurrent = phases.contains("concurrent") ? concurrent(gub, "conc-", CONCURRENCY, CONCURRENT_MILLIS, 0) : none;
        if (phases.contains("concurrent")) {
          System.err.println("[bench] server CPU by thread (ms): " + ProcessCpu.topThreads(concurrentThreads0, ProcessCpu.threadTicks(server.pid())));
          progress("client (this JVM) CPU ms: " + (ProcessCpu.millis(ProcessHandle.current().pid()) - benchCpu0));
        }
        Result paced = phases.contains("paced") ? concurrent(gub, "paced-", CONCURRENCY, PACED_MILLIS, PACED_RATE) : none;
        long[] watch = phases.contains("watch") ? watchLatency(gub) : new long[] {-1, -1};
        double listMs = phases.contains("list") ? listPods(gub) : Double.NaN;
        System.out.println();
        System.out.println("API server benchmark (one fabric8 7.9 client against both servers)");
        System.out.printf("%-58s %12s%n", "measure", "value");
        if (phases.contains("seq")) {
          System.out.printf("%-58s %12.0f%n", "sequential ConfigMap creates/s, gubernator (TLS)", gubSeq);
          System.out.printf("%-58s %12.0f%n", "sequential ConfigMap creates/s, KubernetesMockServer 7.8.0", mockSeq);
          System.out.printf("%-58s %11.1fx%n", "ratio gubernator/mock (target >= 10x)", gubSeq / mockSeq);
          System.out.printf("%-58s %12.2f%n", "server CPU ms per sequential create (all threads)", seqCpuPerCreate);
          // The client alone bounds a sequential rate: it cannot go faster than its own CPU per call.
          System.out.printf("%-58s %12.2f%n", "client CPU ms per sequential create to gubernator (TLS)", seqClientCpuPerCreate);
          System.out.printf("%-58s %12.0f%n", "  so at most creates/s with a server costing nothing", 1000 / seqClientCpuPerCreate);
        }
        if (phases.contains("concurrent")) {
          System.out.printf("%-58s %12.0f%n", CONCURRENCY + " clients: creates/s in the warm-up (JIT compiling)", concurrentWarmUp.rate());
          System.out.printf("%-58s %12.0f%n", CONCURRENCY + " clients: creates/s (target >= 5000)", concurrent.rate());
          System.out.printf("%-58s %12.1f%n", CONCURRENCY + " clients: p50 ms", concurrent.p50());
          System.out.printf("%-58s %12.1f%n", CONCURRENCY + " clients: p99 ms", concurrent.p99());
        }
        if (phases.contains("paced")) {
          System.out.printf("%-58s %12.0f%n", "paced at " + PACED_RATE + " writes/s: achieved/s", paced.rate());
          System.out.printf("%-58s %12.1f%n", "paced at " + PACED_RATE + " writes/s: p99 ms (target < 50)", paced.p99());
        }
        if (phases.contains("watch")) {
          System.out.printf("%-58s %12.1f%n", WATCHERS + " watchers: delivery p50 ms", watch[0] / 1000.0);
          System.out.printf("%-58s %12.1f%n", WATCHERS + " watchers: delivery p99 ms", watch[1] / 1000.0);
        }
        if (phases.contains("list")) System.out.printf("%-58s %12.1f%n", "LIST of " + LIST_PODS + " pods: median ms", listMs);
        System.out.printf("%-58s %12d%n", "server RSS 2 s after start, MB", rssMb);
        System.out.printf("%-58s %12d%n", "server RSS 15 s after start, idle, MB (target < 200)", settledRssMb);
      }
    } finally {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) server.destroyForcibly();
      BenchServer.deleteDataDir(dataDir);
    }
  }

  private static void awaitBanner(Process server) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
    long deadline = System.currentTimeMillis() + 60_000;
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
      if (System.currentTimeMillis() > deadline) break;
    }
    throw new IllegalStateException("server did not start");
  }

  /** Resident set size of a process, from /proc. */
  private static long rssKb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }

  private static ConfigMap configMap(String name) {
    return configMap("bench", name);
  }

  private static ConfigMap configMap(String namespace, String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .addToData("key", "x".repeat(64)).build();
  }

  private static void progress(String what) {
    System.err.println("[bench] " + what);
  }

  private static double sequential(KubernetesClient client, String namespace, int n) {
    progress("sequential creates: " + namespace + " x" + n);
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) client.configMaps().inNamespace(namespace).resource(configMap(namespace, "seq-" + i)).create();
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * Warms a server's (and the client's) JIT up with {@code n} creates, then deletes them, so that the
   * measured phase starts from the same object count on both servers: the mock's CRUD dispatcher
   * scans every stored object on each create and slows down as they pile up.
   */
  private static void warmUp(KubernetesClient client, int n) {
    sequential(client, "warm", n);
    client.configMaps().inNamespace("warm").delete();
    progress("warm-up objects deleted, " + client.configMaps().inNamespace("warm").list().getItems().size() + " left");
  }

  record Result(double rate, double p50, double p99) {}

  /** {@code threads} clients creating for {@code millis}; {@code rate} > 0 paces the total to that many per second. */
  private static Result concurrent(KubernetesClient client, String prefix, int threads, long millis, int rate) throws Exception {
    progress("concurrent creates: " + prefix + " threads=" + threads + " rate=" + rate);
    AtomicInteger seq = new AtomicInteger();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    long end = start + millis * 1_000_000;
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      pool.execute(() -> {
        try {
          while (true) {
            int i = seq.getAndIncrement();
            if (rate > 0) {
              long due = start + (long) (i * (1e9 / rate));
              long wait = due - System.nanoTime();
              if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            long t0 = System.nanoTime();
            if (t0 > end) break;
            client.configMaps().inNamespace("bench").resource(configMap(prefix + i)).create();
            latencies.add(System.nanoTime() - t0);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    pool.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    return new Result(sorted.size() / seconds, pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6);
  }

  private static long pct(List<Long> sorted, double p) {
    if (sorted.isEmpty()) return 0;
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** p50 and p99 (microseconds) from an update's acknowledgement... to its arrival at each of 100 watchers. */
  private static long[] watchLatency(KubernetesClient client) throws Exception {
    progress("watch fan-out");
    client.configMaps().inNamespace("bench").resource(configMap("watched")).create();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch all = new CountDownLatch(WATCHERS * WATCH_UPDATES);
    List<Watch> watches = new ArrayList<>();
    for (int w = 0; w < WATCHERS; w++) {
      watches.add(client.configMaps().inNamespace("bench").withName("watched").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, ConfigMap cm) {
          String sent = cm.getData() == null ? null : cm.getData().get("sentNanos");
          if (action == Action.MODIFIED && sent != null) {
            latencies.add((System.nanoTime() - Long.parseLong(sent)) / 1000);
            all.countDown();
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      }));
    }
    Thread.sleep(2_000);
    for (int i = 0; i < WATCH_UPDATES; i++) {
      ConfigMap cm = configMap("watched");
      cm.getData().put("sentNanos", Long.toString(System.nanoTime()));
      client.configMaps().inNamespace("bench").resource(cm).update();
      Thread.sleep(20);
    }
    all.await(60, TimeUnit.SECONDS);
    watches.forEach(Watch::close);
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    return new long[] {pct(sorted, 0.50), pct(sorted, 0.99)};
  }

  private static double listPods(KubernetesClient client) throws Exception {
    progress("creating " + LIST_PODS + " pods to list");
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("list").endMetadata().build()).create();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(CONCURRENCY);
    for (int t = 0; t < CONCURRENCY; t++) {
      pool.execute(() -> {
        int i;
        while ((i = next.getAndIncrement()) < LIST_PODS) {
          client.pods().inNamespace("list").resource(new PodBuilder().withNewMetadata().withName("p-" + i)
              .addToLabels("app", "bench").endMetadata().withNewSpec().addNewContainer().withName("c")
              .withImage("localhost/busybox:1").endContainer().endSpec().build()).create();
        }
        done.countDown();
      });
    }
    done.await();
    pool.shutdown();
    List<Long> times = new ArrayList<>();
    for (int r = 0; r < 7; r++) {
      long t0 = System.nanoTime();
      int n = client.pods().inNamespace("list").list().getItems().size();
      times.add(System.nanoTime() - t0);
      if (n != LIST_PODS) throw new IllegalStateException("listed " + n + " pods, expected " + LIST_PODS);
    }
    Collections.sort(times);
    return times.get(times.size() / 2) / 1e6;
  }
}
