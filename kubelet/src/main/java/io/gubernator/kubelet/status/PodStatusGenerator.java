package io.gubernator.kubelet.status;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.gubernator.api.resource.Containers;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.kuberuntime.KubeRuntimeManager.Waiting;
import io.gubernator.kubelet.kuberuntime.PodPhases;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The API status of a pod from what the runtime reports, as the kubelet computes it: container
 * states with reasons, restart counts and last states, the phase, and the Initialized,
 * ContainersReady, Ready and PodReadyToStartContainers conditions (PodScheduled is the
 * scheduler's and is kept).
 */
public final class PodStatusGenerator {

  private PodStatusGenerator() {}

  /**
   * @param waiting why containers are not running, from the last sync
   * @param ready   whether a running container passes its readiness probe (true without one)
   * @param started whether a running container passed its startup probe (true without one)
   */
  public static PodStatus generate(Pod pod, RuntimePod rp, Map<String, Waiting> waiting, Predicate<String> ready,
      Predicate<String> started, String hostIp, Instant now) {
    PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    PodStatus s = new PodStatus();
    s.setQosClass(old.getQosClass());
    s.setNominatedNodeName(old.getNominatedNodeName());
    s.setStartTime(old.getStartTime() != null ? old.getStartTime() : ts);
    s.setHostIP(hostIp);
    s.setHostIPs(List.of(new HostIP(hostIp)));
    String podIp = Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) ? hostIp
        : rp.readySandbox().map(x -> x.getNetwork().getIp()).filter(ip -> !ip.isEmpty()).orElse(old.getPodIP());
    if (podIp != null && !podIp.isEmpty()) {
      s.setPodIP(podIp);
      s.setPodIPs(List.of(new PodIP(podIp)));
    }

    boolean initDone = true;
    List<String> incompleteInit = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.ContainerStatus> inits = new ArrayList<>();
    for (Container c : pod.getSpec().getInitContainers()) {
      var cs = containerStatus(c, rp, waiting, x -> false, x -> true, "PodInitializing");
      cs.setReady(cs.getState().getTerminated() != null && cs.getState().getTerminated().getExitCode() == 0);
      inits.add(cs);
      if (!(cs.getState().getTerminated() != null && cs.getState().getTerminated().getExitCode() == 0)) {
        initDone = false;
        incompleteInit.add(c.getName());
      }
    }
    s.setInitContainerStatuses(inits);

    List<io.fabric8.kubernetes.api.model.ContainerStatus> apps = new ArrayList<>();
    List<String> unready = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      var cs = containerStatus(c, rp, waiting, ready, started, initDone ? "ContainerCreating" : "PodInitializing");
      apps.add(cs);
      if (!Boolean.TRUE.equals(cs.getReady())) unready.add(c.getName());
    }
    s.setContainerStatuses(apps);
    // Ephemeral containers count for no condition: never ready, and their end ends nothing.
    List<io.fabric8.kubernetes.api.model.ContainerStatus> ephemeral = new ArrayList<>();
    for (EphemeralContainer e : pod.getSpec().getEphemeralContainers()) {
      ephemeral.add(containerStatus(Containers.of(e), rp, waiting, x -> false, x -> true, "ContainerCreating"));
    }
    s.setEphemeralContainerStatuses(ephemeral);

    String phase = phase(pod, rp, inits, apps, initDone);
    s.setPhase(phase);
    boolean terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
    if ("Succeeded".equals(old.getPhase()) || "Failed".equals(old.getPhase())) {
      // A finished pod's status is final: why it ended (an eviction's reason and message) stays.
      s.setReason(old.getReason());
      s.setMessage(old.getMessage());
    }

    List<PodCondition> conditions = new ArrayList<>();
    boolean sandboxReady = rp.readySandbox().isPresent() && !terminal;
    conditions.add(condition(old, "PodReadyToStartContainers", sandboxReady, null, null, ts));
    conditions.add(condition(old, "Initialized", initDone, initDone ? null : "ContainersNotInitialized",
        initDone ? null : "containers with incomplete status: " + incompleteInit, ts));
    String notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
    String notReadyMessage = terminal ? null : "containers with unready status: " + unready;
    boolean allReady = unready.isEmpty() && !terminal;
    conditions.add(condition(old, "ContainersReady", allReady, allReady ? null : notReadyReason, allReady ? null : notReadyMessage, ts));
    conditions.add(condition(old, "Ready", allReady, allReady ? null : notReadyReason, allReady ? null : notReadyMessage, ts));
    for (PodCondition c : old.getConditions()) {
      if (conditions.stream().noneMatch(x -> x.getType().equals(c.getType()))) conditions.add(c);
    }
    s.setConditions(conditions);
    return s;
  }

  private static io.fabric8.kubernetes.api.model.ContainerStatus containerStatus(Container c, RuntimePod rp, Map<String, Waiting> waiting,
      Predicate<String> ready, Predicate<String> started, String defaultWaiting) {
    List<ContainerStatus> attempts = rp.containersNamed(c.getName());
    ContainerStatusBuilder b = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
        .withImageID("").withRestartCount(0).withReady(false).withStarted(false);
    Waiting w = waiting.get(c.getName());
    if (attempts.isEmpty()) {
      b.withState(new ContainerStateBuilder().withNewWaiting().withReason(w != null ? w.reason() : defaultWaiting)
          .withMessage(w == null ? null : w.message()).endWaiting().build());
      return b.build();
    }
    ContainerStatus current = attempts.get(0);
    b.withContainerID("containerd://" + current.getId()).withImageID(current.getImageRef())
        .withRestartCount(RuntimePod.restartCount(current));
    if (current.getState() == ContainerState.CONTAINER_RUNNING) {
      b.withState(new ContainerStateBuilder().withNewRunning().withStartedAt(time(current.getStartedAt())).endRunning().build());
      boolean hasStarted = started.test(c.getName());
      b.withStarted(hasStarted).withReady(hasStarted && ready.test(c.getName()));
      if (attempts.size() > 1) b.withLastState(terminated(attempts.get(1)));
    } else if (current.getState() == ContainerState.CONTAINER_EXITED) {
      if (w != null) {
        // Waiting to be restarted (CrashLoopBackOff): the exit just seen becomes the last state.
        b.withState(new ContainerStateBuilder().withNewWaiting().withReason(w.reason()).withMessage(w.message()).endWaiting().build());
        b.withLastState(terminated(current));
      } else {
        b.withState(terminated(current));
        if (attempts.size() > 1) b.withLastState(terminated(attempts.get(1)));
      }
    } else {
      b.withState(new ContainerStateBuilder().withNewWaiting().withReason(w != null ? w.reason() : defaultWaiting)
          .withMessage(w == null ? null : w.message()).endWaiting().build());
    }
    return b.build();
  }

  private static io.fabric8.kubernetes.api.model.ContainerState terminated(ContainerStatus c) {
    String reason = !c.getReason().isEmpty() ? c.getReason() : c.getExitCode() == 0 ? "Completed" : "Error";
    return new ContainerStateBuilder().withNewTerminated().withExitCode(c.getExitCode()).withReason(reason)
        .withMessage(c.getMessage().isEmpty() ? null : c.getMessage())
        .withStartedAt(c.getStartedAt() == 0 ? null : time(c.getStartedAt()))
        .withFinishedAt(c.getFinishedAt() == 0 ? null : time(c.getFinishedAt()))
        .withContainerID("containerd://" + c.getId()).endTerminated().build();
  }

  static String time(long nanos) {
    return Instant.ofEpochSecond(0, nanos).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Kubernetes' getPhase over the statuses just computed. */
  static String phase(Pod pod, RuntimePod rp, List<io.fabric8.kubernetes.api.model.ContainerStatus> inits,
      List<io.fabric8.kubernetes.api.model.ContainerStatus> apps, boolean initDone) {
    String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
    String old = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(old) || "Failed".equals(old)) return old;
    if (!initDone) {
      boolean failed = "Never".equals(policy) && inits.stream().anyMatch(i -> i.getState().getTerminated() != null
          && i.getState().getTerminated().getExitCode() != 0);
      return failed ? "Failed" : "Pending";
    }
    int running = 0, waiting = 0, stopped = 0, succeeded = 0;
    for (var cs : apps) {
      var st = cs.getState();
      if (st.getRunning() != null) running++;
      else if (st.getTerminated() != null) {
        stopped++;
        if (st.getTerminated().getExitCode() == 0) succeeded++;
      } else if (cs.getLastState() != null && cs.getLastState().getTerminated() != null) {
        stopped++;
        if (cs.getLastState().getTerminated().getExitCode() == 0) succeeded++;
      } else waiting++;
    }
    if (waiting > 0) return "Pending";
    if (running > 0) return "Running";
    if (stopped > 0) {
      if ("Always".equals(policy)) return "Running";
      if (stopped == succeeded) return "Succeeded";
      if ("Never".equals(policy)) return "Failed";
      return PodPhases.isTerminal(pod, rp) ? "Failed" : "Running";
    }
    return "Pending";
  }

  private static PodCondition condition(PodStatus old, String type, boolean status, String reason, String message, String now) {
    String value = status ? "True" : "False";
    String transition = now;
    for (PodCondition c : old.getConditions()) {
      if (type.equals(c.getType()) && value.equals(c.getStatus()) && c.getLastTransitionTime() != null) transition = c.getLastTransitionTime();
    }
    return new PodConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withLastProbeTime(null).withLastTransitionTime(transition).build();
  }
}
