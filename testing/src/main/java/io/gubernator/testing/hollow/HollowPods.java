package io.gubernator.testing.hollow;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The kubelet half of hollow nodes: for a pod bound to one of them, writes through pods/status
 * what a kubelet writes once the containers run (without running anything), turns annotated
 * run-to-completion pods Succeeded, and finishes the graceful deletion the API server waits for.
 * One reconciler serves every hollow node; it reads the shared pod informer's cache.
 */
final class HollowPods implements Controller.Reconciler {

  static final String BY_NODE = "nodeName";

  private final KubernetesClient client;
  private final SharedIndexInformer<Pod> pods;
  /** Node name → index, or -1 for a node that is not ours. */
  private final ToIntFunction<String> nodeIndex;
  /** Nodes whose kubelet plays dead: their pods' status is left alone. */
  private final Predicate<String> silent;
  private final HollowNodeConfig config;
  private final PodIps ips = new PodIps();
  private Controller controller;

  HollowPods(KubernetesClient client, SharedIndexInformer<Pod> pods, ToIntFunction<String> nodeIndex,
      Predicate<String> silent, HollowNodeConfig config) {
    this.client = client;
    this.pods = pods;
    this.nodeIndex = nodeIndex;
    this.silent = silent;
    this.config = config;
  }

  void bind(Controller controller) {
    this.controller = controller;
  }

  @Override
  public void sync(String key) throws Exception {
    Pod pod = pods.getStore().getByKey(key);
    if (pod == null) {
      ips.release(key);
      return;
    }
    String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (nodeName == null || nodeIndex.applyAsInt(nodeName) < 0) return;
    int index = nodeIndex.applyAsInt(nodeName);
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      // Containers "stop" at once: confirm the deletion as the kubelet does after killing them.
      try {
        client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) throw e;
      }
      return;
    }
    if (silent.test(nodeName)) return;
    PodStatus status = pod.getStatus();
    String phase = status == null ? null : status.getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) return;
    Instant now = Instant.now();
    if ("Running".equals(phase) && runningComplete(pod)) {
      Long after = completeAfter(pod);
      if (after == null) return;
      Instant started = Instant.parse(status.getStartTime());
      Instant due = started.plusSeconds(after);
      if (due.isAfter(now)) {
        controller.enqueueAfter(key, Duration.between(now, due).plusMillis(50));
        return;
      }
      Pod done = new io.fabric8.kubernetes.api.model.PodBuilder(pod).withStatus(succeeded(pod, now)).build();
      client.pods().inNamespace(ns).resource(done).updateStatus();
      return;
    }
    String cidr = NodeObjects.podCidr(index);
    String podIp = ips.assign(nodeName, cidr, key, status == null ? null : status.getPodIP(), () -> addressesOn(nodeName));
    Pod running = new io.fabric8.kubernetes.api.model.PodBuilder(pod).withStatus(running(pod, NodeObjects.internalIp(index), podIp, now)).build();
    client.pods().inNamespace(ns).resource(running).updateStatus();
    Long after = completeAfter(pod);
    if (after != null) controller.enqueueAfter(key, Duration.ofSeconds(after).plusMillis(50));
  }

  private List<String> addressesOn(String nodeName) {
    List<String> out = new ArrayList<>();
    for (Pod p : pods.getIndexer().byIndex(BY_NODE, nodeName)) {
      if (p.getStatus() != null && p.getStatus().getPodIP() != null) out.add(p.getStatus().getPodIP());
    }
    return out;
  }

  /** Seconds after start at which the pod completes, for restartPolicy Never/OnFailure pods that ask for it. */
  static Long completeAfter(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(HollowNodeConfig.COMPLETE_AFTER_ANNOTATION);
    String policy = pod.getSpec().getRestartPolicy();
    if (value == null || !("Never".equals(policy) || "OnFailure".equals(policy))) return null;
    try {
      long seconds = Long.parseLong(value.trim());
      return seconds < 0 ? null : seconds;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Whether the status already shows every container running and ready, with an address: nothing to write. */
  private static boolean runningComplete(Pod pod) {
    PodStatus s = pod.getStatus();
    if (s.getPodIP() == null || s.getStartTime() == null || s.getContainerStatuses() == null) return false;
    if (s.getContainerStatuses().size() != pod.getSpec().getContainers().size()) return false;
    for (ContainerStatus cs : s.getContainerStatuses()) {
      if (!Boolean.TRUE.equals(cs.getReady()) || cs.getState() == null || cs.getState().getRunning() == null) return false;
    }
    return conditionTrue(s, "Ready") == gatesReady(pod) && conditionTrue(s, "ContainersReady") && conditionTrue(s, "Initialized");
  }

  /** As the kubelet: Ready needs every readiness gate's condition True as well as the containers. */
  private static boolean gatesReady(Pod pod) {
    if (pod.getSpec().getReadinessGates() == null) return true;
    PodStatus s = pod.getStatus();
    return pod.getSpec().getReadinessGates().stream().allMatch(g -> s != null && conditionTrue(s, g.getConditionType()));
  }

  private static boolean conditionTrue(PodStatus s, String type) {
    if (s.getConditions() == null) return false;
    for (PodCondition c : s.getConditions()) if (type.equals(c.getType())) return "True".equals(c.getStatus());
    return false;
  }

  /** The status a kubelet reports once all containers started; qosClass and other fields are kept. */
  static PodStatus running(Pod pod, String hostIp, String podIp, Instant now) {
    PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    String startTime = old.getStartTime() != null ? old.getStartTime() : ts;
    List<ContainerStatus> statuses = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      statuses.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(imageId(c.getImage()))
          .withContainerID(containerId(pod, c)).withReady(true).withStarted(true).withRestartCount(0)
          .withNewState().withNewRunning().withStartedAt(startTime).endRunning().endState().build());
    }
    List<ContainerStatus> inits = new ArrayList<>();
    for (Container c : pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers()) {
      inits.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(imageId(c.getImage()))
          .withContainerID(containerId(pod, c)).withReady(true).withStarted(false).withRestartCount(0)
          .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").withStartedAt(startTime)
          .withFinishedAt(startTime).withContainerID(containerId(pod, c)).endTerminated().endState().build());
    }
    PodStatus s = new io.fabric8.kubernetes.api.model.PodStatusBuilder(old)
        .withPhase("Running").withHostIP(hostIp).withHostIPs(new io.fabric8.kubernetes.api.model.HostIPBuilder().withIp(hostIp).build())
        .withPodIP(podIp).withPodIPs(new PodIPBuilder().withIp(podIp).build())
        .withStartTime(startTime).withContainerStatuses(statuses).withInitContainerStatuses(inits)
        .build();
    s.setConditions(conditions(old.getConditions(), ts, "True", null));
    if (!gatesReady(pod)) {
      s.getConditions().replaceAll(c -> "Ready".equals(c.getType())
          ? condition(old.getConditions(), "Ready", "False", "ReadinessGatesNotReady", ts) : c);
    }
    return s;
  }

  /** What the kubelet reports when every container exited 0 and the restart policy does not restart them. */
  static PodStatus succeeded(Pod pod, Instant now) {
    PodStatus old = pod.getStatus();
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    List<ContainerStatus> statuses = new ArrayList<>();
    for (ContainerStatus cs : old.getContainerStatuses()) {
      String started = cs.getState() != null && cs.getState().getRunning() != null ? cs.getState().getRunning().getStartedAt() : old.getStartTime();
      statuses.add(new ContainerStatusBuilder(cs).withReady(false).withStarted(false)
          .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").withStartedAt(started)
          .withFinishedAt(ts).withContainerID(cs.getContainerID()).endTerminated().endState().build());
    }
    PodStatus s = new io.fabric8.kubernetes.api.model.PodStatusBuilder(old).withPhase("Succeeded").withContainerStatuses(statuses).build();
    s.setConditions(conditions(old.getConditions(), ts, "False", "PodCompleted"));
    return s;
  }

  /** PodScheduled and Initialized True; Ready and ContainersReady as given; transition times kept when unchanged. */
  private static List<PodCondition> conditions(List<PodCondition> old, String now, String ready, String reason) {
    List<PodCondition> out = new ArrayList<>();
    out.add(condition(old, "PodReadyToStartContainers", "True", null, now));
    out.add(condition(old, "Initialized", "True", null, now));
    out.add(condition(old, "Ready", ready, reason, now));
    out.add(condition(old, "ContainersReady", ready, reason, now));
    out.add(condition(old, "PodScheduled", "True", null, now));
    // Conditions others own (readiness gates, DisruptionTarget) are kept.
    if (old != null) {
      for (PodCondition c : old) if (out.stream().noneMatch(o -> o.getType().equals(c.getType()))) out.add(c);
    }
    return out;
  }

  private static PodCondition condition(List<PodCondition> old, String type, String status, String reason, String now) {
    String transition = now;
    if (old != null) {
      for (PodCondition c : old) {
        if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) transition = c.getLastTransitionTime();
      }
    }
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withLastTransitionTime(transition).build();
  }

  private static String imageId(String image) {
    String repo = image == null ? "" : image;
    int at = repo.indexOf('@');
    if (at >= 0) return repo;
    return stripTag(repo) + "@sha256:" + sha256(repo);
  }

  private static String stripTag(String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon > slash ? image.substring(0, colon) : image;
  }

  private static String containerId(Pod pod, Container c) {
    return "hollow://" + sha256(Objects.toString(pod.getMetadata().getUid()) + "/" + c.getName());
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
