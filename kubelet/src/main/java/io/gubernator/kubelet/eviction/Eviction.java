package io.gubernator.kubelet.eviction;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/**
 * A pod the kubelet takes off its node, and why: the message goes into the pod's status and into
 * its Warning event, both with the reason {@link #REASON}.
 */
public record Eviction(Pod pod, String message) {

  /** The reason in the pod's status and event, as Kubernetes' eviction manager reports it. */
  public static final String REASON = "Evicted";

  /** {@code pod} as an eviction leaves it: Failed, with the reason and {@code message}, the rest of its status kept. */
  public static Pod failed(Pod pod, String message) {
    return new PodBuilder(pod).editOrNewStatus().withPhase("Failed").withReason(REASON).withMessage(message).endStatus().build();
  }
}
