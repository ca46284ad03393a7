package io.gubernator.bench.scheduler;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.gubernator.bench.BenchServer;
import io.gubernator.bench.ProcessCpu;
import io.gubernator.bench.RequestCounts;
import io.gubernator.bench.scheduler.Shapes.Shape;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * scheduler_perf workloads through the API: for each shape a fresh child Gubernator server (API
 * server, controllers and scheduler in one process, no node agent), plain Node objects, initial
 * pods that must all be bound, then the measured pods. Throughput is upstream's: measured pods over
 * the time from the first measured create to the last measured binding seen on a watch.
 * Usage: SchedulerPerf repoRoot [basic|antiaffinity|spread|preemption|all] [--nodes=N] [--init=N] [--measured=N]
 */
public final class SchedulerPerf {

  private static final int CREATE_THREADS = 16;
  /** No measured binding for this long means the scheduler is stuck, not slow. */
  private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(90);

  /** {@code failure} is why the shape did not finish (then the numbers are NaN), else null. */
  record Result(Shape shape, double podsPerSecond, double createsPerSecond, double serverCores, double benchCores, String failure) {

    static Result failed(Shape shape, Exception e) {
      return new Result(shape, Double.NaN, Double.NaN, Double.NaN, Double.NaN, e.getMessage());
    }
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]).toAbsolutePath().normalize();
    String which = args.length > 1 && !args[1].startsWith("--") ? args[1] : "basic";
    Integer nodes = null;
    Integer init = null;
    Integer measured = null;
    for (String a : args) {
      if (a.startsWith("--nodes=")) nodes = Integer.parseInt(a.substring(8));
      else if (a.startsWith("--init=")) init = Integer.parseInt(a.substring(7));
      else if (a.startsWith("--measured=")) measured = Integer.parseInt(a.substring(11));
    }
    List<Shape> shapes = new ArrayList<>();
    for (Shape s : Shapes.all()) {
      if (which.equals("all") || which.equals(s.name())) shapes.add(s.withCounts(nodes, init, measured));
    }
    if (shapes.isEmpty()) throw new IllegalArgumentException("unknown shape " + which + ": basic|antiaffinity|spread|preemption|all");
    if (!Files.exists(root.resolve("launcher/target/gubernator-launcher.jar"))) throw new IllegalStateException("build the launcher first");
    List<Result> results = new ArrayList<>();
    for (Shape s : shapes) {
      try {
        results.add(run(root, s));
      } catch (Exception e) {
        // One shape failing (a stuck scheduler) should not cost the others' numbers.
        System.out.println(s.name() + " failed: " + e);
        results.add(Result.failed(s, e));
      }
    }
    printTable(results);
  }

  private static Result run(Path root, Shape shape) throws Exception {
    System.out.printf("%n== %s (%s): %d nodes, %d initial pods, %d measured pods%n", shape.name(), shape.upstream(),
        shape.nodes(), shape.initPods(), shape.measuredPods());
    Path dataDir = Files.createTempDirectory("gubernator-bench-sched");
    Path log = root.resolve("bench/target/scheduler-" + shape.name() + ".log");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    // ./gubernator, for its JVM flags, without its rebuild check: bench/scheduler.sh built the jar
    // under the shared build lock, and an edit made since must not start a build beside this run.
    ProcessBuilder builder = new ProcessBuilder(root.resolve("gubernator").toString(),
        // Upstream's scheduler_perf runs no controllers; ours run, except those that act on nodes
        // without kubelets (node lifecycle would taint them unreachable after 40 s, IPAM runs dry).
        "server", "--disable-agent", "--controllers=*,-nodelifecycle,-nodeipam", "--data-dir", dataDir.toString(), "--https-port", Integer.toString(port),
        "--bind-address", "127.0.0.1");
    builder.environment().put("GUBERNATOR_SKIP_BUILD", "1");
    Process server = builder.redirectErrorStream(true).start();
    ExecutorService pool = Executors.newFixedThreadPool(CREATE_THREADS);
    try {
      awaitBanner(server, log);
      try (KubernetesClient client = BenchServer.client(dataDir, 120_000)) {
        for (String ns : List.of(Shapes.INIT_NS, Shapes.MEASURED_NS)) {
          client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        shape.setup().forEach(o -> client.resource(o).create());
        long t0 = System.nanoTime();
        createAll(pool, shape.nodes(), i -> client.nodes().resource(shape.node().apply(i)).create());
        System.out.printf("created %d nodes in %.1f s%n", shape.nodes(), seconds(t0));
        Bindings bindings = new Bindings();
        try (Watch ignored = client.pods().inAnyNamespace().watch(bindings)) {
          long t1 = System.nanoTime();
          createPods(client, pool, shape.initPods(), Shapes.INIT_NS, "init-", shape.initPod()::get);
          bindings.await(bindings.init, shape.initPods(), "initial");
          System.out.printf("scheduled %d initial pods in %.1f s%n", shape.initPods(), seconds(t1));
          long serverCpu0 = ProcessCpu.millis(server.pid());
          var serverThreads0 = ProcessCpu.threadTicks(server.pid());
          long benchCpu0 = ProcessCpu.millis(ProcessHandle.current().pid());
          Map<String, Long> requests0 = RequestCounts.snapshot(client);
          long start = System.nanoTime();
          createPods(client, pool, shape.measuredPods(), Shapes.MEASURED_NS, "m-", shape.measuredPod()::get);
          double createSeconds = seconds(start);
          bindings.await(bindings.measured, shape.measuredPods(), "measured");
          double total = (bindings.lastMeasured.get() - start) / 1e9;
          double wall = seconds(start);
          System.out.println("server CPU by thread while measuring (ms): "
              + ProcessCpu.topThreads(serverThreads0, ProcessCpu.threadTicks(server.pid())));
          System.out.println("API requests per measured pod: "
              + RequestCounts.difference(requests0, RequestCounts.snapshot(client), shape.measuredPods()));
          Result r = new Result(shape, shape.measuredPods() / total, shape.measuredPods() / createSeconds,
              (ProcessCpu.millis(server.pid()) - serverCpu0) / 1e3 / wall,
              (ProcessCpu.millis(ProcessHandle.current().pid()) - benchCpu0) / 1e3 / wall, null);
          System.out.printf("measured pods created in %.1f s (%.0f creates/s), all bound after %.1f s: %.0f pods/s;"
              + " server %.2f cores, bench %.2f cores; log %s%n", createSeconds, r.createsPerSecond(), total,
              r.podsPerSecond(), r.serverCores(), r.benchCores(), root.relativize(log));
          return r;
        }
      }
    } finally {
      pool.shutdownNow();
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) server.destroyForcibly();
      BenchServer.deleteDataDir(dataDir);
    }
  }

  /** Counts first bindings per pod by phase (name prefix), and when the last measured one was seen. */
  private static final class Bindings implements Watcher<Pod> {
    final AtomicInteger init = new AtomicInteger();
    final AtomicInteger measured = new AtomicInteger();
    final AtomicLong lastMeasured = new AtomicLong();
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private final Set<String> bound = ConcurrentHashMap.newKeySet();

    @Override
    public void eventReceived(Action action, Pod p) {
      String node = p.getSpec().getNodeName();
      String name = p.getMetadata().getName();
      if (node == null || node.isEmpty() || !bound.add(name)) return;
      long now = System.nanoTime();
      lastProgress.set(now);
      if (name.startsWith("m-")) {
        measured.incrementAndGet();
        lastMeasured.set(now);
      } else {
        init.incrementAndGet();
      }
    }

    @Override
    public void onClose(WatcherException e) {
      if (e != null) System.err.println("pod watch closed: " + e.getMessage());
    }

    void await(AtomicInteger count, int want, String what) throws InterruptedException {
      lastProgress.set(System.nanoTime());
      long report = System.nanoTime();
      while (count.get() < want) {
        long now = System.nanoTime();
        if (now - lastProgress.get() > STALL_NANOS) throw new IllegalStateException(what + " pods stuck at " + count.get() + "/" + want);
        if (now - report > TimeUnit.SECONDS.toNanos(10)) {
          System.out.printf("  %s: %d/%d bound%n", what, count.get(), want);
          report = now;
        }
        Thread.sleep(20);
      }
    }
  }

  private static void createPods(KubernetesClient client, ExecutorService pool, int n, String ns, String prefix,
      java.util.function.Supplier<Pod> template) throws Exception {
    createAll(pool, n, i -> {
      Pod p = template.get();
      p.getMetadata().setName(prefix + i);
      client.pods().inNamespace(ns).resource(p).create();
    });
  }

  private static void createAll(ExecutorService pool, int n, IntConsumer create) throws Exception {
    List<Future<?>> futures = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(pool.submit(() -> create.accept(k)));
    }
    for (Future<?> f : futures) f.get();
  }

  private static void printTable(List<Result> results) {
    System.out.println();
    System.out.printf("%-12s %-26s %6s %6s %8s %8s %9s %8s %7s %7s %7s%n", "shape", "upstream", "nodes", "init", "measured",
        "pods/s", "threshold", "10x", "ratio", "server", "bench");
    for (Result r : results) {
      Shape s = r.shape();
      int target = 10 * s.threshold();
      System.out.printf("%-12s %-26s %6d %6d %8d %8.0f %9d %8d %7.2f %7.2f %7.2f%n", s.name(), s.upstream(), s.nodes(),
          s.initPods(), s.measuredPods(), r.podsPerSecond(), s.threshold(), target, r.podsPerSecond() / target,
          r.serverCores(), r.benchCores());
      if (r.failure() != null) System.out.println("             ^ did not finish: " + r.failure());
    }
    System.out.println("(threshold: upstream CI's pods/s; ratio: pods/s over 10x threshold; server/bench: cores used while measuring)");
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** Waits for the server's banner, then copies the rest of its output to {@code log} (for profiling the run). */
  private static void awaitBanner(Process server, Path log) throws Exception {
    Files.createDirectories(log.getParent());
    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log), true);
    BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream()));
    String line;
    while ((line = in.readLine()) != null) {
      out.println(line);
      if (line.startsWith("Gubernator is running")) {
        Thread drain = new Thread(() -> {
          try (out) {
            for (String l; (l = in.readLine()) != null; ) out.println(l);
          } catch (Exception ignored) {
            // the server exited
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    out.close();
    throw new IllegalStateException("server did not start; see " + log);
  }
}
