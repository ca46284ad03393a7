package io.gubernator.kubelet.kuberuntime;

/**
 * The labels and annotations the kubelet puts on sandboxes and containers, with Kubernetes' names:
 * the runtime is the kubelet's memory, so a restarted kubelet finds its pods (and `crictl ps` shows
 * the same keys as on Kubernetes).
 */
public final class Labels {
  public static final String POD_NAME = "io.kubernetes.pod.name";
  public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
  public static final String POD_UID = "io.kubernetes.pod.uid";
  public static final String CONTAINER_NAME = "io.kubernetes.container.name";
  /** Marks what this kubelet created, so that it never touches other users of the runtime. */
  public static final String MANAGED = "io.gubernator.kubelet.managed";

  public static final String CONTAINER_HASH = "io.kubernetes.container.hash";
  public static final String RESTART_COUNT = "io.kubernetes.container.restartCount";
  public static final String TERMINATION_GRACE = "io.kubernetes.pod.terminationGracePeriod";
  public static final String TERMINATION_MESSAGE_PATH = "io.kubernetes.container.terminationMessagePath";
  /** "init" for init containers, absent for app containers. */
  public static final String CONTAINER_TYPE = "io.gubernator.kubelet.container.type";

  private Labels() {}
}
