package io.gubernator.scheduler.framework.plugins.noderesources;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;

/**
 * NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in similar
 * proportions after placing the pod: (1 - standard deviation of the fractions) * 100, fractions
 * capped at 1. With two resources the deviation is half their difference.
 */
public final class BalancedAllocation implements Plugin.Score {

  public static final String NAME = "NodeResourcesBalancedAllocation";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long score(CycleState state, Pod pod, NodeInfo node) {
    PodRequests r = state.read(Fit.STATE_KEY, PodRequests.class);
    if (r == null) r = PodRequests.of(pod);
    if (node.allocatable().milliCpu == 0 || node.allocatable().memory == 0) return 0;
    double cpu = Math.min(1.0, (double) (node.nonZeroMilliCpu() + r.nonZeroMilliCpu()) / node.allocatable().milliCpu);
    double mem = Math.min(1.0, (double) (node.nonZeroMemory() + r.nonZeroMemory()) / node.allocatable().memory);
    double std = Math.abs(cpu - mem) / 2;
    return (long) ((1 - std) * MAX_NODE_SCORE);
  }
}
