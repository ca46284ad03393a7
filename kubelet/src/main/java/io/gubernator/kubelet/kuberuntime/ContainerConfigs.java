package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.gubernator.api.resource.Containers;
import io.gubernator.kubelet.cri.v1.Capability;
import io.gubernator.kubelet.cri.v1.ContainerConfig;
import io.gubernator.kubelet.cri.v1.ContainerMetadata;
import io.gubernator.kubelet.cri.v1.DNSConfig;
import io.gubernator.kubelet.cri.v1.ImageSpec;
import io.gubernator.kubelet.cri.v1.Int64Value;
import io.gubernator.kubelet.cri.v1.KeyValue;
import io.gubernator.kubelet.cri.v1.LinuxContainerConfig;
import io.gubernator.kubelet.cri.v1.LinuxContainerResources;
import io.gubernator.kubelet.cri.v1.LinuxContainerSecurityContext;
import io.gubernator.kubelet.cri.v1.LinuxPodSandboxConfig;
import io.gubernator.kubelet.cri.v1.LinuxSandboxSecurityContext;
import io.gubernator.kubelet.cri.v1.Mount;
import io.gubernator.kubelet.cri.v1.NamespaceMode;
import io.gubernator.kubelet.cri.v1.NamespaceOption;
import io.gubernator.kubelet.cri.v1.PodSandboxConfig;
import io.gubernator.kubelet.cri.v1.PodSandboxMetadata;
import io.gubernator.kubelet.cri.v1.PortMapping;
import io.gubernator.kubelet.cri.v1.Protocol;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** Pure translations of a Pod into CRI sandbox and container configurations. */
public final class ContainerConfigs {

  /** The paths runc hides or makes read-only unless a container is privileged (the CRI leaves the defaults to the kubelet). */
  static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");
  static final List<String> READONLY_PATHS = List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger");
  static final long CPU_PERIOD = 100_000;

  private ContainerConfigs() {}

  public static Map<String, String> podLabels(Pod pod) {
    Map<String, String> labels = new HashMap<>();
    labels.put(Labels.POD_NAME, pod.getMetadata().getName());
    labels.put(Labels.POD_NAMESPACE, pod.getMetadata().getNamespace());
    labels.put(Labels.POD_UID, pod.getMetadata().getUid());
    labels.put(Labels.MANAGED, "true");
    return labels;
  }

  /** {@code <logs>/<namespace>_<name>_<uid>}, the layout `kubectl logs` readers and log shippers expect. */
  public static Path podLogDirectory(Path podLogsRoot, Pod pod) {
    var m = pod.getMetadata();
    return podLogsRoot.resolve(m.getNamespace() + "_" + m.getName() + "_" + m.getUid());
  }

  public static PodSandboxConfig sandbox(Pod pod, int attempt, Path podLogsRoot) {
    var spec = pod.getSpec();
    boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
    PodSandboxConfig.Builder b = PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(pod.getMetadata().getName()).setNamespace(pod.getMetadata().getNamespace())
            .setUid(pod.getMetadata().getUid()).setAttempt(attempt))
        .setLogDirectory(podLogDirectory(podLogsRoot, pod).toString())
        .putAllLabels(pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels())
        .putAllLabels(podLabels(pod))
        .putAllAnnotations(pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations());
    if (!hostNetwork) b.setHostname(hostname(pod));
    if ("None".equals(spec.getDnsPolicy()) && spec.getDnsConfig() != null) {
      b.setDnsConfig(DNSConfig.newBuilder().addAllServers(spec.getDnsConfig().getNameservers())
          .addAllSearches(spec.getDnsConfig().getSearches())
          .addAllOptions(spec.getDnsConfig().getOptions().stream().map(o -> o.getValue() == null ? o.getName() : o.getName() + ":" + o.getValue()).toList()));
    }
    for (Container c : spec.getContainers()) {
      for (ContainerPort p : c.getPorts()) {
        if (p.getHostPort() == null || p.getHostPort() == 0) continue;
        b.addPortMappings(PortMapping.newBuilder().setContainerPort(p.getContainerPort()).setHostPort(p.getHostPort())
            .setProtocol(protocol(p.getProtocol())).setHostIp(p.getHostIP() == null ? "" : p.getHostIP()));
      }
    }
    LinuxSandboxSecurityContext.Builder sc = LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces(pod));
    PodSecurityContext psc = spec.getSecurityContext();
    if (psc != null) {
      if (psc.getRunAsUser() != null) sc.setRunAsUser(Int64Value.newBuilder().setValue(psc.getRunAsUser()));
      if (psc.getRunAsGroup() != null) sc.setRunAsGroup(Int64Value.newBuilder().setValue(psc.getRunAsGroup()));
      psc.getSupplementalGroups().forEach(sc::addSupplementalGroups);
    }
    // Ephemeral ones count too: the configuration is sent again with each container created, and the
    // runtime refuses a privileged container (kubectl debug --profile=sysadmin) in an unprivileged sandbox.
    boolean privileged = java.util.stream.Stream.of(spec.getInitContainers().stream(), spec.getContainers().stream(),
            spec.getEphemeralContainers().stream().map(Containers::of)).flatMap(s -> s)
        .anyMatch(c -> c.getSecurityContext() != null && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged()));
    sc.setPrivileged(privileged);
    b.setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(sc));
    return b.build();
  }

  /** The pod's host name: spec.hostname or the pod name, cut to a DNS label as Kubernetes does. */
  static String hostname(Pod pod) {
    String h = pod.getSpec().getHostname() != null && !pod.getSpec().getHostname().isEmpty()
        ? pod.getSpec().getHostname() : pod.getMetadata().getName();
    if (h.length() > 63) h = h.substring(0, 63);
    while (h.endsWith("-") || h.endsWith(".")) h = h.substring(0, h.length() - 1);
    return h;
  }

  static NamespaceOption namespaces(Pod pod) {
    var spec = pod.getSpec();
    return NamespaceOption.newBuilder()
        .setNetwork(Boolean.TRUE.equals(spec.getHostNetwork()) ? NamespaceMode.NODE : NamespaceMode.POD)
        .setPid(Boolean.TRUE.equals(spec.getHostPID()) ? NamespaceMode.NODE
            : Boolean.TRUE.equals(spec.getShareProcessNamespace()) ? NamespaceMode.POD : NamespaceMode.CONTAINER)
        .setIpc(Boolean.TRUE.equals(spec.getHostIPC()) ? NamespaceMode.NODE : NamespaceMode.POD)
        .build();
  }

  private static Protocol protocol(String p) {
    if ("UDP".equals(p)) return Protocol.UDP;
    if ("SCTP".equals(p)) return Protocol.SCTP;
    return Protocol.TCP;
  }

  /**
   * The configuration of one attempt of {@code container}. {@code env} is already resolved,
   * {@code mounts} come from the volume manager.
   */
  public static ContainerConfig container(Pod pod, Container container, boolean init, int restartCount, String image,
      Map<String, String> env, List<Mount> mounts) {
    Map<String, String> labels = podLabels(pod);
    labels.put(Labels.CONTAINER_NAME, container.getName());
    Map<String, String> annotations = new HashMap<>();
    annotations.put(Labels.CONTAINER_HASH, hash(container));
    annotations.put(Labels.RESTART_COUNT, String.valueOf(restartCount));
    Long grace = pod.getSpec().getTerminationGracePeriodSeconds();
    annotations.put(Labels.TERMINATION_GRACE, String.valueOf(grace == null ? 30 : grace));
    if (container.getTerminationMessagePath() != null) annotations.put(Labels.TERMINATION_MESSAGE_PATH, container.getTerminationMessagePath());
    if (init) annotations.put(Labels.CONTAINER_TYPE, "init");
    ContainerConfig.Builder b = ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(container.getName()).setAttempt(restartCount))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .addAllCommand(EnvVars.expand(container.getCommand(), env))
        .addAllArgs(EnvVars.expand(container.getArgs(), env))
        .setWorkingDir(container.getWorkingDir() == null ? "" : container.getWorkingDir())
        .putAllLabels(labels)
        .putAllAnnotations(annotations)
        .setLogPath(container.getName() + "/" + restartCount + ".log")
        .setStdin(Boolean.TRUE.equals(container.getStdin()))
        .setStdinOnce(Boolean.TRUE.equals(container.getStdinOnce()))
        .setTty(Boolean.TRUE.equals(container.getTty()))
        .addAllMounts(mounts);
    env.forEach((k, v) -> b.addEnvs(KeyValue.newBuilder().setKey(k).setValue(v)));
    b.setLinux(LinuxContainerConfig.newBuilder().setResources(resources(pod, container)).setSecurityContext(security(pod, container)));
    return b.build();
  }

  /**
   * An ephemeral container's configuration: marked as one, and sharing the process namespace of
   * the container {@code targetId} when it names one (kubectl debug --target), as CRI's TARGET mode.
   */
  public static ContainerConfig ephemeral(ContainerConfig config, String targetId) {
    ContainerConfig.Builder b = config.toBuilder().putAnnotations(Labels.CONTAINER_TYPE, "ephemeral");
    if (targetId != null) {
      b.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.TARGET).setTargetId(targetId);
    }
    return b.build();
  }

  static LinuxContainerResources resources(Pod pod, Container container) {
    var r = container.getResources();
    Map<String, Quantity> requests = r == null || r.getRequests() == null ? Map.of() : r.getRequests();
    Map<String, Quantity> limits = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
    LinuxContainerResources.Builder b = LinuxContainerResources.newBuilder();
    // cpu.shares from the request (or the limit, which defaults it), 2 being the kernel's minimum.
    Quantity cpuRequest = requests.containsKey("cpu") ? requests.get("cpu") : limits.get("cpu");
    long milli = cpuRequest == null ? 0 : millis(cpuRequest);
    b.setCpuShares(Math.max(2, milli * 1024 / 1000));
    if (limits.containsKey("cpu")) {
      b.setCpuPeriod(CPU_PERIOD);
      b.setCpuQuota(Math.max(1000, millis(limits.get("cpu")) * CPU_PERIOD / 1000));
    }
    if (limits.containsKey("memory")) b.setMemoryLimitInBytes(limits.get("memory").getNumericalAmount().longValue());
    b.setOomScoreAdj(oomScoreAdj(pod, container));
    return b.build();
  }

  static long millis(Quantity q) {
    return q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.CEILING).longValue();
  }

  /** Kubernetes' QoS policy: Guaranteed pods are killed last, BestEffort first, Burstable by request share. */
  static long oomScoreAdj(Pod pod, Container container) {
    String qos = pod.getStatus() == null || pod.getStatus().getQosClass() == null ? "BestEffort" : pod.getStatus().getQosClass();
    if ("Guaranteed".equals(qos)) return -997;
    if ("BestEffort".equals(qos)) return 1000;
    var r = container.getResources();
    Quantity mem = r == null || r.getRequests() == null ? null : r.getRequests().get("memory");
    long capacity = Math.max(1, MachineMemory.totalBytes());
    long request = mem == null ? 0 : mem.getNumericalAmount().longValue();
    long adj = 1000 - (1000 * request) / capacity;
    return Math.max(3, Math.min(999, adj));
  }

  static LinuxContainerSecurityContext security(Pod pod, Container container) {
    LinuxContainerSecurityContext.Builder b = LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(namespaces(pod));
    PodSecurityContext psc = pod.getSpec().getSecurityContext();
    SecurityContext sc = container.getSecurityContext();
    Long user = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : psc == null ? null : psc.getRunAsUser();
    Long group = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup() : psc == null ? null : psc.getRunAsGroup();
    if (user != null) b.setRunAsUser(Int64Value.newBuilder().setValue(user));
    if (group != null) b.setRunAsGroup(Int64Value.newBuilder().setValue(group));
    if (psc != null) {
      psc.getSupplementalGroups().forEach(b::addSupplementalGroups);
      if (psc.getFsGroup() != null) b.addSupplementalGroups(psc.getFsGroup());
    }
    boolean privileged = sc != null && Boolean.TRUE.equals(sc.getPrivileged());
    b.setPrivileged(privileged);
    if (sc != null) {
      b.setReadonlyRootfs(Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()));
      if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) b.setNoNewPrivs(true);
      if (sc.getCapabilities() != null) {
        b.setCapabilities(Capability.newBuilder()
            .addAllAddCapabilities(sc.getCapabilities().getAdd().stream().map(ContainerConfigs::capability).toList())
            .addAllDropCapabilities(sc.getCapabilities().getDrop().stream().map(ContainerConfigs::capability).toList()));
      }
    }
    if (!privileged) {
      b.addAllMaskedPaths(MASKED_PATHS);
      b.addAllReadonlyPaths(READONLY_PATHS);
    }
    return b.build();
  }

  /** Kubernetes writes capabilities without the prefix ("NET_ADMIN"); the runtime wants "CAP_NET_ADMIN". */
  static String capability(String name) {
    if ("ALL".equalsIgnoreCase(name)) return "ALL";
    return name.startsWith("CAP_") ? name : "CAP_" + name;
  }

  /**
   * A fingerprint of what the container spec asks for; when it changes (an image changed with
   * {@code kubectl set image}), the kubelet replaces the running container, as Kubernetes does.
   */
  public static String hash(Container container) {
    CRC32 crc = new CRC32();
    String s = String.join("\u0000", String.valueOf(container.getImage()), String.valueOf(container.getCommand()),
        String.valueOf(container.getArgs()), String.valueOf(container.getEnv()), String.valueOf(container.getWorkingDir()),
        String.valueOf(container.getPorts()), String.valueOf(container.getVolumeMounts()), String.valueOf(container.getSecurityContext()));
    crc.update(s.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(crc.getValue());
  }
}
