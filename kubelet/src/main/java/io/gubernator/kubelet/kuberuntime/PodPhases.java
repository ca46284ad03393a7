package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import java.util.Optional;

/** Decisions about a pod's life that the runtime manager and the status generator share. */
public final class PodPhases {

  private PodPhases() {}

  /**
   * Whether the pod has run to its end and nothing will be restarted: Succeeded or Failed already,
   * or every app container exited and the restart policy restarts none of them, or an init
   * container failed under {@code restartPolicy: Never}.
   */
  public static boolean isTerminal(Pod pod, RuntimePod rp) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) return true;
    String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
    if ("Always".equals(policy)) return false;
    if ("Never".equals(policy)) {
      for (Container c : pod.getSpec().getInitContainers()) {
        Optional<ContainerStatus> s = rp.latest(c.getName());
        if (s.isPresent() && s.get().getState() == ContainerState.CONTAINER_EXITED && s.get().getExitCode() != 0) return true;
      }
    }
    for (Container c : pod.getSpec().getContainers()) {
      Optional<ContainerStatus> s = rp.latest(c.getName());
      if (s.isEmpty() || s.get().getState() != ContainerState.CONTAINER_EXITED) return false;
      if ("OnFailure".equals(policy) && s.get().getExitCode() != 0) return false;
    }
    return true;
  }

  /** A copy of {@code pod} whose status carries {@code podIp}, so that env and downward API see it before the API does. */
  static Pod withPodIp(Pod pod, String podIp) {
    if (podIp == null || podIp.isEmpty()) return pod;
    if (pod.getStatus() != null && podIp.equals(pod.getStatus().getPodIP())) return pod;
    return new PodBuilder(pod).editOrNewStatus().withPodIP(podIp).endStatus().build();
  }
}
