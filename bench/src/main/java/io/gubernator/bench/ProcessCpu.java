package io.gubernator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of a process from procfs, the stable measure on a shared, noisy machine: latencies
 * drift with the neighbours, the CPU a batch of work costs hardly does.
 */
public final class ProcessCpu {

  private static final long MILLIS_PER_TICK = 10;

  private ProcessCpu() {}

  /** User plus system time of {@code pid}, all threads, in milliseconds. */
  public static long millis(long pid) throws IOException {
    String[] f = fields(Files.readString(Path.of("/proc/" + pid + "/stat")));
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MILLIS_PER_TICK;
  }

  /** CPU ticks per thread-name family (digits folded), to tell request threads from JIT, GC and controllers. */
  public static Map<String, Long> threadTicks(long pid) throws IOException {
    Map<String, Long> ticks = new TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
          String[] f = fields(stat);
          ticks.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
          // kernel time apart: syscalls (fsync, epoll, futex, socket writes) do not show in a Java profile
          ticks.merge("(kernel)", Long.parseLong(f[12]), Long::sum);
        } catch (IOException gone) {
          // the thread ended between the listing and the read
        }
      }
    }
    return ticks;
  }

  /** The ten thread families that used the most CPU between two {@link #threadTicks} readings, in milliseconds. */
  public static String topThreads(Map<String, Long> before, Map<String, Long> after) {
    List<Map.Entry<String, Long>> deltas = new ArrayList<>();
    after.forEach((name, t) -> deltas.add(Map.entry(name, t - before.getOrDefault(name, 0L))));
    deltas.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    StringBuilder line = new StringBuilder();
    deltas.stream().limit(10).filter(e -> e.getValue() > 0)
        .forEach(e -> line.append(' ').append(e.getKey()).append('=').append(e.getValue() * MILLIS_PER_TICK));
    return line.toString().strip();
  }

  /** The fields after the command name, which may itself hold spaces and parentheses. */
  private static String[] fields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }
}
