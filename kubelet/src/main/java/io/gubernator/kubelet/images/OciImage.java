package io.gubernator.kubelet.images;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A single-layer image for the node's own platform: its reference, the runtime defaults of its
 * config (entrypoint, cmd, env) and the files of its one layer, kept sorted by path.
 */
public record OciImage(String ref, List<String> entrypoint, List<String> cmd, List<String> env,
    List<LayerEntry> files) {

  public OciImage {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
    // Sorting makes the layer's bytes independent of the order files were listed in, and puts
    // every directory before its contents.
    files = files.stream().sorted(Comparator.comparing(LayerEntry::path)).toList();
    Set<String> seen = new HashSet<>();
    for (LayerEntry e : files) {
      if (!seen.add(e.path())) {
        throw new IllegalArgumentException("image " + ref + " lists " + e.path() + " twice");
      }
    }
  }

  /** The GOARCH name of the JVM's architecture, as image configs and platforms spell it. */
  public static String hostArchitecture() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      default -> arch;
    };
  }
}
