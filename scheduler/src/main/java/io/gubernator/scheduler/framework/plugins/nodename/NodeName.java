package io.gubernator.scheduler.framework.plugins.nodename;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;

/**
 * NodeName: a pod that names its node (spec.nodeName set before scheduling, which only happens for
 * pods given to us through an extender or a test) fits only there.
 */
public final class NodeName implements Plugin.Filter {

  public static final String NAME = "NodeName";
  public static final String ERR_REASON = "node(s) didn't match the requested node name";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, Pod pod, NodeInfo node) {
    String want = pod.getSpec().getNodeName();
    if (want == null || want.isEmpty() || want.equals(node.name())) return Status.success();
    return Status.unresolvable(ERR_REASON);
  }
}
