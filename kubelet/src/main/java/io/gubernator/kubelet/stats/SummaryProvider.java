package io.gubernator.kubelet.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.kubelet.cri.RemoteRuntime;
import io.gubernator.kubelet.cri.v1.ContainerStats;
import io.gubernator.kubelet.cri.v1.FilesystemUsage;
import io.gubernator.kubelet.kuberuntime.Labels;
import io.gubernator.kubelet.kuberuntime.MachineMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The kubelet's {@code /stats/summary} (stats/v1alpha1 Summary): the node's CPU and memory from
 * /proc, and per pod and container the CPU and memory the runtime reports through CRI
 * ListContainerStats. CPU rates ({@code usageNanoCores}) come from the difference between this
 * call's cumulative counters and the previous call's, as cadvisor derives them.
 */
public final class SummaryProvider {

  private record Sample(long nanos, long cumulativeCoreNanos) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String nodeName;
  private final RemoteRuntime runtime;
  private final Supplier<List<Pod>> pods;
  private final Path rootDir;
  private final Instant startTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final Map<String, Sample> previous = new LinkedHashMap<>();
  /** Counters read in this call; the others (containers gone) are forgotten afterwards. */
  private final java.util.Set<String> seenKeys = new java.util.HashSet<>();

  public SummaryProvider(String nodeName, RemoteRuntime runtime, Supplier<List<Pod>> pods, Path rootDir) {
    this.nodeName = nodeName;
    this.runtime = runtime;
    this.pods = pods;
    this.rootDir = rootDir;
  }

  public synchronized ObjectNode summary() {
    long now = System.nanoTime();
    String time = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    ObjectNode root = JSON.createObjectNode();
    ObjectNode node = root.putObject("node");
    node.put("nodeName", nodeName);
    node.put("startTime", startTime.toString());
    node.set("cpu", cpu(time, "node", now, nodeCpuCoreNanos()));
    long total = MachineMemory.totalBytes();
    long available = MachineMemory.availableBytes();
    ObjectNode memory = node.putObject("memory");
    memory.put("time", time);
    memory.put("availableBytes", available);
    memory.put("usageBytes", total - available);
    memory.put("workingSetBytes", total - available);
    ObjectNode fs = node.putObject("fs");
    fs.put("time", time);
    try {
      var store = Files.getFileStore(rootDir);
      fs.put("capacityBytes", store.getTotalSpace());
      fs.put("availableBytes", store.getUsableSpace());
      fs.put("usedBytes", store.getTotalSpace() - store.getUnallocatedSpace());
    } catch (IOException e) {
      // A missing root dir only leaves the filesystem figures out.
    }

    Map<String, List<ContainerStats>> byPod = new LinkedHashMap<>();
    for (ContainerStats s : runtime.listContainerStats()) {
      String uid = s.getAttributes().getLabelsMap().get(Labels.POD_UID);
      if (uid != null) byPod.computeIfAbsent(uid, k -> new ArrayList<>()).add(s);
    }
    ArrayNode podsArray = root.putArray("pods");
    for (Pod pod : pods.get()) {
      String uid = pod.getMetadata().getUid();
      ObjectNode p = podsArray.addObject();
      ObjectNode ref = p.putObject("podRef");
      ref.put("name", pod.getMetadata().getName());
      ref.put("namespace", pod.getMetadata().getNamespace());
      ref.put("uid", uid);
      if (pod.getStatus() != null && pod.getStatus().getStartTime() != null) p.put("startTime", pod.getStatus().getStartTime());
      ArrayNode containers = p.putArray("containers");
      long podCpu = 0;
      long podWorkingSet = 0;
      long podUsage = 0;
      for (ContainerStats s : byPod.getOrDefault(uid, List.of())) {
        ObjectNode c = containers.addObject();
        c.put("name", s.getAttributes().getMetadata().getName());
        long cumulative = s.getCpu().getUsageCoreNanoSeconds().getValue();
        c.set("cpu", cpu(time, s.getAttributes().getId(), now, cumulative));
        ObjectNode m = c.putObject("memory");
        m.put("time", time);
        m.put("workingSetBytes", s.getMemory().getWorkingSetBytes().getValue());
        m.put("usageBytes", s.getMemory().getUsageBytes().getValue());
        m.put("rssBytes", s.getMemory().getRssBytes().getValue());
        if (s.hasWritableLayer()) c.set("rootfs", filesystem(time, s.getWritableLayer()));
        podCpu += cumulative;
        podWorkingSet += s.getMemory().getWorkingSetBytes().getValue();
        podUsage += s.getMemory().getUsageBytes().getValue();
      }
      p.set("cpu", cpu(time, "pod/" + uid, now, podCpu));
      ObjectNode m = p.putObject("memory");
      m.put("time", time);
      m.put("workingSetBytes", podWorkingSet);
      m.put("usageBytes", podUsage);
    }
    previous.keySet().retainAll(seenKeys);
    seenKeys.clear();
    return root;
  }

  private ObjectNode cpu(String time, String key, long nowNanos, long cumulativeCoreNanos) {
    ObjectNode cpu = JSON.createObjectNode();
    cpu.put("time", time);
    cpu.put("usageCoreNanoSeconds", cumulativeCoreNanos);
    Sample before = previous.put(key, new Sample(nowNanos, cumulativeCoreNanos));
    seenKeys.add(key);
    if (before != null && nowNanos > before.nanos() && cumulativeCoreNanos >= before.cumulativeCoreNanos()) {
      double cores = (double) (cumulativeCoreNanos - before.cumulativeCoreNanos()) / (nowNanos - before.nanos());
      cpu.put("usageNanoCores", Math.round(cores * 1_000_000_000L));
    }
    return cpu;
  }

  private static ObjectNode filesystem(String time, FilesystemUsage fs) {
    ObjectNode n = JSON.createObjectNode();
    n.put("time", time);
    n.put("usedBytes", fs.getUsedBytes().getValue());
    n.put("inodesUsed", fs.getInodesUsed().getValue());
    return n;
  }

  /** The machine's cumulative busy CPU time from /proc/stat, in core-nanoseconds. */
  static long nodeCpuCoreNanos() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      long busy = 0;
      // user nice system idle iowait irq softirq steal: all but idle and iowait are busy time.
      for (int i = 1; i < f.length && i <= 8; i++) if (i != 4 && i != 5) busy += Long.parseLong(f[i]);
      long hz = 100;
      return busy * (1_000_000_000L / hz);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
