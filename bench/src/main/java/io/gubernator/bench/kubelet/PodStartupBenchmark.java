package io.gubernator.bench.kubelet;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.gubernator.bench.BenchServer;
import io.gubernator.bench.ProcessCpu;
import io.gubernator.bench.RequestCounts;
import io.gubernator.kubelet.cri.RemoteRuntime;
import io.gubernator.kubelet.cri.v1.ContainerConfig;
import io.gubernator.kubelet.cri.v1.PodSandboxConfig;
import io.gubernator.kubelet.kuberuntime.ContainerConfigs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Pod startup latency on one real node, in the style of Kubernetes' density test: batches of
 * busybox pods ({@code sleep 3600}) created at once through the API, each measured from its
 * client-side create call to the first watch event that shows it Running (creationTimestamp has
 * one-second resolution). The floor is the same number of containers started in parallel with
 * {@code ctr run -d} against the same containerd, each measured from launching ctr to ctr
 * returning (it returns once the task has started). Between the two, the runtime's share of a
 * pod: the same number of pods started in parallel straight through the CRI, with the sandbox and
 * container configurations the kubelet sends for the bench's pod (RunPodSandbox, CreateContainer,
 * StartContainer), no API server or kubelet in between. A batch is deleted, and its containers are
 * gone from containerd, before the next one. The measured batches follow a warm-up of three
 * 30-pod batches; the first of those is printed too, as the cold start a fresh server gives.
 *
 * <p>Usage: PodStartupBenchmark repoRoot [batches=10,30,100]. The child server's log (with
 * timestamps) goes to bench/target/pods-server.log and its containerd's to
 * bench/target/pods-containerd.log, for a look at where the time went.
 */
public final class PodStartupBenchmark {

  private static final String IMAGE = "localhost/busybox:1";
  private static final String NS = "density";
  private static final long TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(5);
  private static final int WARMUP_BATCH = 30;
  private static final int WARMUP_ROUNDS = 3;

  private final long serverPid;
  private final Path ctrSocket;
  private final Path criLogs;
  private final KubernetesClient client;
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, Long> bound = new ConcurrentHashMap<>();
  private final Map<String, Long> firstStatus = new ConcurrentHashMap<>();
  private final Map<String, Long> running = new ConcurrentHashMap<>();

  private PodStartupBenchmark(long serverPid, Path ctrSocket, Path criLogs, KubernetesClient client) {
    this.serverPid = serverPid;
    this.ctrSocket = ctrSocket;
    this.criLogs = criLogs;
    this.client = client;
  }

  /** Nearest-rank percentiles of one measurement, in milliseconds. */
  record Stats(double p50, double p99, double max) {
    static Stats of(long[] nanos) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      return new Stats(rank(s, 0.50), rank(s, 0.99), s[s.length - 1] / 1e6);
    }

    private static double rank(long[] sorted, double p) {
      return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
  }

  /** One batch; {@code serverCpuMillis} is the server's CPU from the first create until the last pod was seen Running. */
  record Result(int n, Stats pods, Stats scheduled, Stats boundToRunning, long serverCpuMillis, Stats cri, Stats floor) {
    Result withFloors(Stats c, Stats f) {
      return new Result(n, pods, scheduled, boundToRunning, serverCpuMillis, c, f);
    }
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    int[] batches = Arrays.stream((args.length > 1 ? args[1] : "10,30,100").split(",")).mapToInt(Integer::parseInt).toArray();
    Path dataDir = Files.createTempDirectory("gub-bench-pods");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = root.resolve("bench/target/pods-server.log");
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(root.resolve("gubernator").toString(), "server", "--data-dir", dataDir.toString(),
        "--bind-address", "127.0.0.1", "--https-port", Integer.toString(port), "--kubelet-port", "0", "--node-ip", "127.0.0.1")
        .redirectErrorStream(true);
    // Timestamps in the server log, to line its kubelet up with containerd's log (kept beside it).
    builder.environment().merge("GUBERNATOR_JAVA_OPTS", "-Dorg.slf4j.simpleLogger.showDateTime=true"
        + " -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS", (user, ours) -> ours + " " + user);
    Process server = builder.start();
    System.out.printf("server pid %d, data dir %s, log %s%n", server.pid(), dataDir, log);
    PodStartupBenchmark bench = null;
    try {
      awaitBanner(server, log);
      try (KubernetesClient client = BenchServer.client(dataDir, 120_000)) {
        bench = new PodStartupBenchmark(server.pid(), dataDir.resolve("agent/containerd/containerd.sock"), dataDir.resolve("bench-cri-logs"), client);
        bench.run(batches);
      }
    } finally {
      if (bench != null) bench.pool.shutdownNow();
      // Pods were deleted (and their containers gone) before this: containers outlive a server on purpose.
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
      }
      Path containerdLog = dataDir.resolve("agent/containerd/containerd.log");
      if (Files.exists(containerdLog)) Files.copy(containerdLog, log.resolveSibling("pods-containerd.log"), StandardCopyOption.REPLACE_EXISTING);
      try {
        BenchServer.deleteDataDir(dataDir);
      } catch (IOException e) {
        System.out.println("data dir not removed: " + e);
      }
    }
  }

  private void run(int[] batches) throws Exception {
    awaitReadyNode();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    try (Watch w = client.pods().inNamespace(NS).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod p) {
        observe(p, System.nanoTime());
      }

      @Override
      public void onClose(WatcherException e) {
        if (e != null) System.out.println("watch closed: " + e);
      }
    })) {
      // Warm-up, as a density test runs on a cluster that has been up: class loading and the JIT
      // in the server (a fresh JVM spends about half its CPU compiling through its first hundred
      // pods, on the same two cores that start the containers), the page cache for the image.
      // The first warm-up batch is printed as the cold start it is.
      Result cold = podBatch("cold", WARMUP_BATCH);
      cold = cold.withFloors(criBatch("cold", WARMUP_BATCH), floorBatch("cold", WARMUP_BATCH));
      for (int i = 1; i < WARMUP_ROUNDS; i++) podBatch("warm" + i, WARMUP_BATCH);
      List<Result> results = new ArrayList<>();
      for (int n : batches) {
        // Named by position too: the watch's first sightings are kept by name, so two batches of
        // one size must not share names.
        String prefix = "b" + (results.size() + 1) + "-" + n;
        Result r = podBatch(prefix, n);
        r = r.withFloors(criBatch(prefix, n), floorBatch(prefix, n));
        results.add(r);
        System.out.printf("batch %d: pods p50 %.0f ms p99 %.0f ms; ctr p50 %.0f ms p99 %.0f ms%n", n, r.pods().p50(), r.pods().p99(),
            r.floor().p50(), r.floor().p99());
      }
      print(cold, results);
    } finally {
      deletePods("");
    }
  }

  private void observe(Pod p, long now) {
    String name = p.getMetadata().getName();
    if (p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty()) bound.putIfAbsent(name, now);
    if (p.getStatus() != null && !p.getStatus().getContainerStatuses().isEmpty()) firstStatus.putIfAbsent(name, now);
    if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) running.putIfAbsent(name, now);
  }

  /** Creates {@code n} pods at once and waits until the watch has seen each Running. */
  private Result podBatch(String prefix, int n) throws Exception {
    long[] created = new long[n];
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> creates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      creates.add(pool.submit(() -> {
        go.await();
        created[k] = System.nanoTime();
        client.pods().inNamespace(NS).resource(pod(prefix + "-" + k)).create();
        return null;
      }));
    }
    long cpu0 = ProcessCpu.millis(serverPid);
    Map<String, Long> threads0 = ProcessCpu.threadTicks(serverPid);
    Map<String, Long> requests0 = RequestCounts.snapshot(client);
    go.countDown();
    for (Future<?> f : creates) f.get();
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    for (int i = 0; i < n; i++) {
      while (!running.containsKey(prefix + "-" + i)) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("pod " + prefix + "-" + i + " not Running within 5 min");
        Thread.sleep(5);
      }
    }
    long cpu = ProcessCpu.millis(serverPid) - cpu0;
    System.err.printf("[bench] %s: server CPU by thread (ms): %s%n", prefix, ProcessCpu.topThreads(threads0, ProcessCpu.threadTicks(serverPid)));
    System.err.printf("[bench] %s: API requests per pod until the last Running: %s%n", prefix,
        RequestCounts.difference(requests0, RequestCounts.snapshot(client), n));
    long[] total = new long[n];
    long[] sched = new long[n];
    long[] rest = new long[n];
    for (int i = 0; i < n; i++) {
      String name = prefix + "-" + i;
      total[i] = running.get(name) - created[i];
      long b = bound.getOrDefault(name, running.get(name));
      sched[i] = b - created[i];
      rest[i] = running.get(name) - b;
    }
    deletePods(prefix + "-");
    return new Result(n, Stats.of(total), Stats.of(sched), Stats.of(rest), cpu, null, null);
  }

  /**
   * Starts {@code n} pods at once straight through the CRI, as the kubelet would start the bench's
   * pod; each measured from its RunPodSandbox call until its StartContainer returns. The labels
   * that mark the kubelet's own pods are left off, so that the kubelet beside leaves these alone.
   */
  private Stats criBatch(String prefix, int n) throws Exception {
    long[] took = new long[n];
    List<String> sandboxes = Collections.synchronizedList(new ArrayList<>());
    try (RemoteRuntime runtime = new RemoteRuntime(ctrSocket)) {
      List<Future<?>> runs = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int i = 0; i < n; i++) {
        Pod pod = new PodBuilder(pod("cri-" + prefix + "-" + i)).editMetadata().withNamespace(NS)
            .withUid(UUID.randomUUID().toString()).endMetadata().build();
        PodSandboxConfig sandbox = ContainerConfigs.sandbox(pod, 0, criLogs).toBuilder().clearLabels().putLabels("bench", "cri").build();
        ContainerConfig container = ContainerConfigs.container(pod, pod.getSpec().getContainers().get(0), false, 0, IMAGE, Map.of(), List.of())
            .toBuilder().clearLabels().putLabels("bench", "cri").build();
        Files.createDirectories(Path.of(sandbox.getLogDirectory()));
        int k = i;
        runs.add(pool.submit(() -> {
          go.await();
          long t0 = System.nanoTime();
          String id = runtime.runPodSandbox(sandbox);
          sandboxes.add(id);
          runtime.startContainer(runtime.createContainer(id, container, sandbox));
          took[k] = System.nanoTime() - t0;
          return null;
        }));
      }
      go.countDown();
      try {
        for (Future<?> f : runs) f.get();
      } finally {
        List<Future<?>> removals = new ArrayList<>();
        for (String id : sandboxes) {
          removals.add(pool.submit(() -> {
            runtime.stopPodSandbox(id);
            runtime.removePodSandbox(id);
            return null;
          }));
        }
        for (Future<?> f : removals) f.get();
      }
    }
    return Stats.of(took);
  }

  /** Starts {@code n} containers at once with ctr run -d; each measured until its ctr returns. */
  private Stats floorBatch(String prefix, int n) throws Exception {
    long[] took = new long[n];
    List<Future<?>> runs = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < n; i++) {
      int k = i;
      runs.add(pool.submit(() -> {
        go.await();
        long t0 = System.nanoTime();
        ctr("run", "-d", IMAGE, "floor-" + prefix + "-" + k, "sleep", "3600");
        took[k] = System.nanoTime() - t0;
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : runs) f.get();
    List<Future<?>> removals = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "floor-" + prefix + "-" + i;
      removals.add(pool.submit(() -> {
        ctr("tasks", "rm", "-f", id);
        ctr("containers", "rm", id);
        return null;
      }));
    }
    for (Future<?> f : removals) f.get();
    return Stats.of(took);
  }

  /** Deletes the pods whose names start with {@code prefix} and waits until containerd holds no container of theirs. */
  private void deletePods(String prefix) throws Exception {
    List<Future<?>> deletes = new ArrayList<>();
    for (Pod p : client.pods().inNamespace(NS).list().getItems()) {
      if (!p.getMetadata().getName().startsWith(prefix)) continue;
      deletes.add(pool.submit(() -> client.pods().inNamespace(NS).resource(p).withGracePeriod(1).delete()));
    }
    for (Future<?> f : deletes) f.get();
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (!client.pods().inNamespace(NS).list().getItems().stream().filter(p -> p.getMetadata().getName().startsWith(prefix)).toList().isEmpty()
        || !ctr("containers", "ls", "-q").isBlank()) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("pods or containers left after 5 min: " + ctr("containers", "ls", "-q"));
      Thread.sleep(200);
    }
  }

  private void awaitReadyNode() throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (true) {
      for (Node node : client.nodes().list().getItems()) {
        if (node.getStatus() != null && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) return;
      }
      if (System.nanoTime() > deadline) throw new IllegalStateException("no Ready node");
      Thread.sleep(200);
    }
  }

  static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("bench", "density").endMetadata()
        .withNewSpec().withTerminationGracePeriodSeconds(1L)
        .addNewContainer().withName("main").withImage(IMAGE).withCommand("sleep", "3600").endContainer()
        .endSpec().build();
  }

  private String ctr(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", ctrSocket.toString(), "-n", "k8s.io"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
    return out;
  }

  private static void row(String label, Result r) {
    System.out.printf("%8s | %7.0fms %7.0fms | %7.0fms %7.0fms | %6.1fx %6.1fx | %5.0f/%-6.0f %5.0f/%-6.0f | %5.0f/%-6.0f %4.1fx | %6.1f%n", label,
        r.pods().p50(), r.pods().p99(), r.floor().p50(), r.floor().p99(), r.pods().p50() / r.floor().p50(),
        r.pods().p99() / r.floor().p99(), r.scheduled().p50(), r.scheduled().p99(), r.boundToRunning().p50(), r.boundToRunning().p99(),
        r.cri().p50(), r.cri().p99(), r.cri().p50() / r.floor().p50(), r.serverCpuMillis() / (double) r.n());
  }

  private static void print(Result cold, List<Result> results) {
    System.out.println();
    System.out.println("Pod startup latency (create call -> watch sees Running), localhost/busybox:1 'sleep 3600', one node");
    System.out.println("floor: the same number of 'ctr run -d' in parallel against the same containerd (launch -> ctr returns)");
    System.out.println();
    System.out.printf("%8s | %9s %9s | %9s %9s | %7s %7s | %12s %12s | %12s %5s | %6s%n", "pods", "pods p50", "pods p99", "ctr p50", "ctr p99",
        "p50 x", "p99 x", "bind p50/99", "run p50/99", "cri p50/99", "x", "cpu/pod");
    row(String.valueOf(cold.n()) + " cold", cold);
    for (Result r : results) row(String.valueOf(r.n()), r);
    System.out.println();
    System.out.println("cold: the first " + WARMUP_BATCH + " pods after the server started; the batches below follow "
        + WARMUP_ROUNDS + " warm-up batches of " + WARMUP_BATCH + ".");
    System.out.println("bind: create call -> watch sees spec.nodeName; run: that -> watch sees Running (ms)");
    System.out.println("cri: the same pods straight through the CRI, RunPodSandbox -> StartContainer returns (ms), and its p50 over ctr's");
    System.out.println("cpu/pod: the server's CPU (all threads, ms) from the first create to the last pod Running, per pod");
    results.stream().filter(r -> r.n() == 30).findFirst().ifPresent(r -> System.out.printf(
        "targets: p50 within 2x the floor (%s), p99 of the 30-pod batch under 2 s (%.0f ms: %s)%n",
        results.stream().allMatch(x -> x.pods().p50() <= 2 * x.floor().p50()) ? "met" : "missed", r.pods().p99(),
        r.pods().p99() < 2000 ? "met" : "missed"));
  }

  private static void awaitBanner(Process server, Path log) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
           PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
        String line;
        while ((line = in.readLine()) != null) {
          out.println(line);
          if (line.startsWith("Gubernator is running")) up.countDown();
        }
      } catch (IOException e) {
        // the server exited
      } finally {
        up.countDown();
      }
    }, "server-log");
    pump.setDaemon(true);
    pump.start();
    if (!up.await(5, TimeUnit.MINUTES) || !server.isAlive()) throw new IllegalStateException("server did not start; see " + log);
  }
}
