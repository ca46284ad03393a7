package io.gubernator.kubelet.volume;

import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** tmpfs mounts for memory-backed emptyDir volumes, through mount(8) and umount(8). */
final class Tmpfs {

  private Tmpfs() {}

  static void ensureMounted(Path dir, Quantity sizeLimit) throws IOException {
    if (mountPoints().contains(dir.toAbsolutePath().toString())) return;
    List<String> cmd = new ArrayList<>(List.of("mount", "-t", "tmpfs"));
    if (sizeLimit != null) cmd.addAll(List.of("-o", "size=" + sizeLimit.getNumericalAmount().longValue()));
    cmd.addAll(List.of("tmpfs", dir.toAbsolutePath().toString()));
    run(cmd);
  }

  static void unmountUnder(Path dir) throws IOException {
    String prefix = dir.toAbsolutePath() + "/";
    List<String> under = mountPoints().stream().filter(m -> m.startsWith(prefix)).sorted(Comparator.reverseOrder()).toList();
    for (String m : under) run(List.of("umount", m));
  }

  private static List<String> mountPoints() throws IOException {
    List<String> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4) points.add(f[4].replace("\\040", " "));
    }
    return points;
  }

  private static void run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": " + new String(p.getInputStream().readAllBytes()).trim());
  }
}
