package io.gubernator.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;

/**
 * Runs one probe against one container, once, within the probe's timeout. Implementations never
 * throw for an unhealthy target: that is a {@link ProbeResult.Result#FAILURE}; a probe that cannot
 * be run is {@link ProbeResult.Result#UNKNOWN}.
 */
@FunctionalInterface
public interface Prober {

  /**
   * @param podIp       where httpGet (without host), tcpSocket (without host) and grpc probes go
   * @param containerId the CRI container ID that exec probes run in
   */
  ProbeResult probe(Pod pod, String podIp, Container container, String containerId, Probe probe);
}
