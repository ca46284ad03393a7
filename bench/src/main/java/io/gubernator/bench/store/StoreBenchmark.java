package io.gubernator.bench.store;

import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import io.gubernator.store.StoreOptions;
import io.gubernator.store.Stores;
import io.gubernator.store.etcd.LocalEtcd;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load driver comparing the embedded store with etcd 3.4 on the same machine in one run: write
 * throughput and latency at 1, 16 and 64 writers for 256 B and 4 KiB values, watch delivery to 100
 * watchers, and a list of 10,000 keys. Both backends fsync every acknowledged write (etcd by
 * default, the embedded store by design). Run it with bench/store.sh.
 */
public final class StoreBenchmark {
  private static final int[] WRITERS = {1, 16, 64};
  private static final int[] VALUE_SIZES = {256, 4096};
  private static final int WATCHERS = 100;
  private static final int WATCH_EVENTS = 2000;
  private static final int LIST_KEYS = 10_000;

  private StoreBenchmark() {}

  record Stats(double opsPerSecond, double p50Millis, double p99Millis) {}

  public static void main(String[] args) throws Exception {
    double secondsPerCell = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    Path dir = Files.createTempDirectory("gubernator-bench-embedded-");
    Map<String, Map<String, Stats>> results = new LinkedHashMap<>();
    try (LocalEtcd etcd = LocalEtcd.start()) {
      try (Store embedded = Stores.open("embedded://" + dir.toAbsolutePath(), StoreOptions.defaults())) {
        results.put("embedded", run("embedded", embedded, secondsPerCell));
      }
      try (Store etcdStore = Stores.open(etcd.url(), StoreOptions.defaults())) {
        results.put("etcd", run("etcd", etcdStore, secondsPerCell));
      }
    } finally {
      deleteRecursively(dir);
    }
    print(results);
  }

  private static Map<String, Stats> run(String name, Store store, double secondsPerCell) throws Exception {
    Map<String, Stats> out = new LinkedHashMap<>();
    System.err.printf("%s: warming up%n", name);
    writes(store, "/warmup/", 16, 256, 1.0);
    for (int size : VALUE_SIZES) {
      for (int writers : WRITERS) {
        Stats s = writes(store, "/bench/" + size + "/" + writers + "/", writers, size, secondsPerCell);
        String cell = "write " + writers + "w " + size + "B";
        System.err.printf("%s: %s %.0f ops/s p50 %.2f ms p99 %.2f ms%n", name, cell, s.opsPerSecond(), s.p50Millis(), s.p99Millis());
        out.put(cell, s);
      }
    }
    Stats watch = watchFanOut(store);
    System.err.printf("%s: watch fan-out p50 %.2f ms p99 %.2f ms%n", name, watch.p50Millis(), watch.p99Millis());
    out.put("watch " + WATCHERS + " watchers", watch);
    Stats list = list(store);
    System.err.printf("%s: list %d keys p50 %.2f ms p99 %.2f ms%n", name, LIST_KEYS, list.p50Millis(), list.p99Millis());
    out.put("list " + LIST_KEYS + " keys", list);
    return out;
  }

  /** Each writer creates fresh keys back to back for the given time; every create is one durable write. */
  private static Stats writes(Store store, String prefix, int writers, int valueSize, double seconds) throws Exception {
    byte[] value = new byte[valueSize];
    Arrays.fill(value, (byte) 'x');
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    List<long[]> perWriter = new ArrayList<>();
    int[] counts = new int[writers];
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      long[] latencies = new long[1 << 17];
      perWriter.add(latencies);
      int writer = w;
      threads.add(Thread.ofPlatform().start(() -> {
        int n = 0;
        while (System.nanoTime() < deadline && n < latencies.length) {
          long t0 = System.nanoTime();
          store.create(prefix + writer + "/" + n, value, 0);
          latencies[n++] = System.nanoTime() - t0;
        }
        counts[writer] = n;
      }));
    }
    long started = System.nanoTime();
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int w = 0; w < writers; w++) {
      System.arraycopy(perWriter.get(w), 0, all, at, counts[w]);
      at += counts[w];
    }
    return new Stats(total / elapsed, percentile(all, 50), percentile(all, 99));
  }

  /**
   * One writer writes events stamped with the time the write started; 100 watchers on the prefix
   * record how long each event took to reach them, so the figure includes the durable commit.
   */
  private static Stats watchFanOut(Store store) throws Exception {
    String prefix = "/watch/" + System.nanoTime() + "/";
    long[] delays = new long[WATCHERS * WATCH_EVENTS];
    AtomicInteger received = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(WATCHERS);
    List<Store.Watch> watches = new ArrayList<>();
    for (int i = 0; i < WATCHERS; i++) {
      int[] seen = {0};
      watches.add(store.watch(prefix, 0, new Store.WatchListener() {
        @Override
        public void onEvents(List<Store.Event> events) {
          long now = System.nanoTime();
          for (Store.Event e : events) {
            long sent = ByteBuffer.wrap(e.kv().value()).getLong();
            int slot = received.getAndIncrement();
            if (slot < delays.length) {
              delays[slot] = now - sent;
            }
          }
          seen[0] += events.size();
          if (seen[0] >= WATCH_EVENTS) {
            done.countDown();
          }
        }

        @Override
        public void onError(StoreException error) {
          System.err.println("watch failed: " + error);
          done.countDown();
        }
      }));
    }
    // Give every watch (an etcd watch is a stream set up asynchronously) time to be established.
    Thread.sleep(1000);
    for (int i = 0; i < WATCH_EVENTS; i++) {
      byte[] value = ByteBuffer.allocate(256).putLong(System.nanoTime()).array();
      store.create(prefix + i, value, 0);
    }
    boolean complete = done.await(60, TimeUnit.SECONDS);
    watches.forEach(Store.Watch::close);
    if (!complete || received.get() < delays.length) {
      System.err.printf("watch: only %d of %d deliveries arrived%n", received.get(), delays.length);
    }
    long[] got = Arrays.copyOf(delays, Math.min(received.get(), delays.length));
    return new Stats(got.length, percentile(got, 50), percentile(got, 99));
  }

  /** Lists 10,000 keys of 256 bytes in one request, twenty times. */
  private static Stats list(Store store) throws Exception {
    String prefix = "/list/" + System.nanoTime() + "/";
    byte[] value = new byte[256];
    List<Thread> fillers = new ArrayList<>();
    for (int w = 0; w < 16; w++) {
      int writer = w;
      fillers.add(Thread.ofPlatform().start(() -> {
        for (int i = writer; i < LIST_KEYS; i += 16) {
          store.create(prefix + String.format("%05d", i), value, 0);
        }
      }));
    }
    for (Thread t : fillers) {
      t.join();
    }
    long[] times = new long[20];
    for (int i = 0; i < times.length; i++) {
      long t0 = System.nanoTime();
      int n = store.list(prefix, null, 0, 0).items().size();
      times[i] = System.nanoTime() - t0;
      if (n != LIST_KEYS) {
        throw new IllegalStateException("listed " + n + " keys, expected " + LIST_KEYS);
      }
    }
    return new Stats(0, percentile(times, 50), percentile(times, 99));
  }

  private static double percentile(long[] nanos, int p) {
    if (nanos.length == 0) {
      return Double.NaN;
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
  }

  private static void print(Map<String, Map<String, Stats>> results) {
    Map<String, Stats> e = results.get("embedded");
    Map<String, Stats> d = results.get("etcd");
    System.out.println();
    System.out.printf(Locale.ROOT, "%-22s | %12s %9s %9s | %12s %9s %9s | %8s %8s %8s%n", "case",
        "emb ops/s", "p50 ms", "p99 ms", "etcd ops/s", "p50 ms", "p99 ms", "thr x", "p50 x", "p99 x");
    for (String cell : e.keySet()) {
      Stats a = e.get(cell);
      Stats b = d.get(cell);
      boolean writes = cell.startsWith("write");
      System.out.printf(Locale.ROOT, "%-22s | %12s %9.2f %9.2f | %12s %9.2f %9.2f | %8s %8.2f %8.2f%n", cell,
          writes ? String.format(Locale.ROOT, "%.0f", a.opsPerSecond()) : "-", a.p50Millis(), a.p99Millis(),
          writes ? String.format(Locale.ROOT, "%.0f", b.opsPerSecond()) : "-", b.p50Millis(), b.p99Millis(),
          writes ? String.format(Locale.ROOT, "%.2f", a.opsPerSecond() / b.opsPerSecond()) : "-",
          a.p50Millis() / b.p50Millis(), a.p99Millis() / b.p99Millis());
    }
    System.out.println("thr x = embedded/etcd throughput (higher is better); p50 x, p99 x = embedded/etcd latency (lower is better)");
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
