package io.gubernator.kubelet.kuberuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's memory from /proc/meminfo (not the JVM's view, which a heap limit would skew). */
public final class MachineMemory {

  private static volatile long total = -1;

  private MachineMemory() {}

  public static long totalBytes() {
    long t = total;
    if (t < 0) total = t = read("MemTotal:");
    return t;
  }

  public static long availableBytes() {
    return read("MemAvailable:");
  }

  private static long read(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
