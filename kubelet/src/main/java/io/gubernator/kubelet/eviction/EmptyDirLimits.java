package io.gubernator.kubelet.eviction;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evicts a pod whose disk-backed emptyDir holds more than its {@code sizeLimit}, as Kubernetes'
 * eviction manager does for local storage. Nothing on disk stops the writes (a memory-backed
 * emptyDir is a tmpfs of that size and needs no check), so the limit is kept by measuring.
 */
public final class EmptyDirLimits implements EvictionCheck {

  /** Measures the bytes a volume's directory holds. */
  @FunctionalInterface
  public interface Usage {
    long bytes(Path dir) throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(EmptyDirLimits.class);

  private final BiFunction<String, String, Path> directory;
  private final Usage usage;

  /**
   * @param directory where the emptyDir of a pod (by UID) and volume name lives
   * @param usage     how a directory is measured ({@link DiskUsage#bytes} on a node)
   */
  public EmptyDirLimits(BiFunction<String, String, Path> directory, Usage usage) {
    this.directory = directory;
    this.usage = usage;
  }

  @Override
  public List<Eviction> select(List<Pod> activePods) {
    List<Eviction> out = new ArrayList<>();
    for (Pod pod : activePods) {
      for (Volume v : pod.getSpec().getVolumes()) {
        if (!limited(v)) continue;
        Quantity limit = v.getEmptyDir().getSizeLimit();
        long used;
        try {
          used = usage.bytes(directory.apply(pod.getMetadata().getUid(), v.getName()));
        } catch (IOException | RuntimeException e) {
          LOG.debug("emptyDir not measured: pod={}/{} volume={} error={}", pod.getMetadata().getNamespace(),
              pod.getMetadata().getName(), v.getName(), e.toString());
          continue;
        }
        if (BigDecimal.valueOf(used).compareTo(limit.getNumericalAmount()) > 0) {
          out.add(new Eviction(pod, message(v.getName(), limit)));
          // One reason is enough: the pod goes either way.
          break;
        }
      }
    }
    return out;
  }

  /** A disk-backed emptyDir with a positive size limit; other media are not the node's disk. */
  static boolean limited(Volume v) {
    if (v.getEmptyDir() == null || v.getEmptyDir().getSizeLimit() == null) return false;
    String medium = v.getEmptyDir().getMedium();
    if (medium != null && !medium.isEmpty()) return false;
    return v.getEmptyDir().getSizeLimit().getNumericalAmount().signum() > 0;
  }

  /** Kubernetes' wording, trailing space included, so that tools matching on it work here too. */
  static String message(String volume, Quantity limit) {
    return "Usage of EmptyDir volume \"" + volume + "\" exceeds the limit \"" + limit + "\". ";
  }
}
