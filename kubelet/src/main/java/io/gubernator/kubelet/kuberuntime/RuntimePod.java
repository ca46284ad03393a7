package io.gubernator.kubelet.kuberuntime;

import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.cri.v1.PodSandboxState;
import io.gubernator.kubelet.cri.v1.PodSandboxStatus;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the runtime holds for one pod UID: its sandboxes and containers, newest first. The kubelet
 * keeps no other record of running pods; this is read fresh before every sync.
 */
public record RuntimePod(String uid, List<PodSandboxStatus> sandboxes, List<ContainerStatus> containers) {

  public RuntimePod {
    sandboxes = sandboxes.stream().sorted(Comparator.comparingLong(PodSandboxStatus::getCreatedAt).reversed()).toList();
    containers = containers.stream().sorted(Comparator.comparingLong(ContainerStatus::getCreatedAt).reversed()).toList();
  }

  public static RuntimePod empty(String uid) {
    return new RuntimePod(uid, List.of(), List.of());
  }

  public boolean isEmpty() {
    return sandboxes.isEmpty() && containers.isEmpty();
  }

  public Optional<PodSandboxStatus> latestSandbox() {
    return sandboxes.stream().findFirst();
  }

  public Optional<PodSandboxStatus> readySandbox() {
    return latestSandbox().filter(s -> s.getState() == PodSandboxState.SANDBOX_READY);
  }

  /** Containers of {@code name}, newest first (the head is the current attempt, the next its "last state"). */
  public List<ContainerStatus> containersNamed(String name) {
    return containers.stream().filter(c -> name.equals(c.getMetadata().getName())).toList();
  }

  public Optional<ContainerStatus> latest(String name) {
    return containers.stream().filter(c -> name.equals(c.getMetadata().getName())).findFirst();
  }

  public boolean anyRunning() {
    return containers.stream().anyMatch(c -> c.getState() == ContainerState.CONTAINER_RUNNING)
        || sandboxes.stream().anyMatch(s -> s.getState() == PodSandboxState.SANDBOX_READY);
  }

  public static int restartCount(ContainerStatus c) {
    String v = c.getAnnotationsMap().get(Labels.RESTART_COUNT);
    if (v == null) return (int) c.getMetadata().getAttempt();
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return (int) c.getMetadata().getAttempt();
    }
  }
}
