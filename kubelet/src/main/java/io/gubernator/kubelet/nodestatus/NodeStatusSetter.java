package io.gubernator.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.gubernator.kubelet.KubeletConfig;
import io.gubernator.kubelet.kuberuntime.MachineMemory;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Node status a kubelet reports: the machine's capacity, allocatable after the kubelet's
 * default hard eviction threshold (memory.available 100Mi), addresses, node info and the four
 * conditions, Ready following the runtime and the pod network.
 */
public final class NodeStatusSetter {

  /** What the kubelet knows about the runtime when it reports. */
  public record RuntimeState(String runtimeVersion, boolean runtimeReady, boolean networkReady, String notReadyMessage) {}

  public static final String KUBELET_VERSION = "v1.32.0-gubernator";
  static final long EVICTION_MEMORY = 100L * 1024 * 1024;

  private NodeStatusSetter() {}

  public static NodeStatus status(KubeletConfig config, String nodeIp, int port, RuntimeState runtime, NodeStatus previous, Instant now) {
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    long memory = MachineMemory.totalBytes();
    long disk = diskBytes(config.rootDir());
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity(String.valueOf(Runtime.getRuntime().availableProcessors())));
    capacity.put("ephemeral-storage", new Quantity(String.valueOf(disk)));
    capacity.put("memory", new Quantity(memory / 1024 + "Ki"));
    capacity.put("pods", new Quantity(String.valueOf(KubeletConfig.MAX_PODS)));
    Map<String, Quantity> allocatable = new LinkedHashMap<>(capacity);
    allocatable.put("memory", new Quantity(Math.max(0, memory - EVICTION_MEMORY) / 1024 + "Ki"));
    // Kubernetes' default nodefs.available<10% eviction threshold.
    allocatable.put("ephemeral-storage", new Quantity(String.valueOf(disk - disk / 10)));

    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(condition(previous, "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", ts));
    conditions.add(condition(previous, "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", ts));
    conditions.add(condition(previous, "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", ts));
    boolean ready = runtime.runtimeReady() && runtime.networkReady();
    conditions.add(ready
        ? condition(previous, "Ready", "True", "KubeletReady", "kubelet is posting ready status", ts)
        : condition(previous, "Ready", "False", "KubeletNotReady", runtime.notReadyMessage(), ts));

    return new NodeStatusBuilder()
        .withCapacity(capacity).withAllocatable(allocatable).withConditions(conditions)
        .withAddresses(new NodeAddressBuilder().withType("InternalIP").withAddress(nodeIp).build(),
            new NodeAddressBuilder().withType("Hostname").withAddress(config.nodeName()).build())
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(port).endKubeletEndpoint().endDaemonEndpoints()
        .withNewNodeInfo()
        .withMachineID(read("/etc/machine-id")).withSystemUUID(read("/sys/class/dmi/id/product_uuid"))
        .withBootID(read("/proc/sys/kernel/random/boot_id"))
        .withKernelVersion(read("/proc/sys/kernel/osrelease")).withOsImage(osImage()).withOperatingSystem("linux")
        .withArchitecture(architecture()).withContainerRuntimeVersion(runtime.runtimeVersion())
        .withKubeletVersion(KUBELET_VERSION).withKubeProxyVersion(KUBELET_VERSION)
        .endNodeInfo()
        .withImages(previous == null ? List.of() : previous.getImages())
        .build();
  }

  /**
   * The events a kubelet records on its Node for conditions that changed from {@code previous}
   * (or were not there), in condition order: the reason, as Kubernetes names it, of each.
   */
  public static List<String> conditionEvents(NodeStatus previous, NodeStatus next) {
    List<String> reasons = new ArrayList<>();
    for (NodeCondition c : next.getConditions()) {
      NodeCondition before = find(previous, c.getType());
      if (before != null && c.getStatus().equals(before.getStatus())) continue;
      boolean on = "True".equals(c.getStatus());
      String reason = switch (c.getType()) {
        case "MemoryPressure" -> on ? "NodeHasInsufficientMemory" : "NodeHasSufficientMemory";
        case "DiskPressure" -> on ? "NodeHasDiskPressure" : "NodeHasNoDiskPressure";
        case "PIDPressure" -> on ? "NodeHasInsufficientPID" : "NodeHasSufficientPID";
        case "Ready" -> on ? "NodeReady" : "NodeNotReady";
        default -> null;
      };
      if (reason != null) reasons.add(reason);
    }
    return reasons;
  }

  /** Whether {@code status} has Ready Unknown: the node controller's mark on a node that stopped reporting. */
  public static boolean wasUnknown(NodeStatus status) {
    NodeCondition ready = find(status, "Ready");
    return ready != null && "Unknown".equals(ready.getStatus());
  }

  /** The condition of {@code type} in {@code status}; null when there is none. */
  private static NodeCondition find(NodeStatus status, String type) {
    if (status == null || status.getConditions() == null) return null;
    for (NodeCondition c : status.getConditions()) if (type.equals(c.getType())) return c;
    return null;
  }

  private static NodeCondition condition(NodeStatus previous, String type, String status, String reason, String message, String now) {
    NodeCondition before = find(previous, type);
    String transition = before != null && status.equals(before.getStatus()) && before.getLastTransitionTime() != null
        ? before.getLastTransitionTime() : now;
    return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastHeartbeatTime(now).withLastTransitionTime(transition).build();
  }

  static long diskBytes(Path dir) {
    try {
      Path p = dir;
      while (p != null && !Files.exists(p)) p = p.getParent();
      FileStore store = Files.getFileStore(p == null ? Path.of("/") : p);
      return store.getTotalSpace();
    } catch (IOException e) {
      return 0;
    }
  }

  static String architecture() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }

  static String osImage() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) return line.substring(12).replace("\"", "");
      }
    } catch (IOException e) {
      // fall through
    }
    return "Linux";
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "";
    }
  }
}
