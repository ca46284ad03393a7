package io.gubernator.scheduler.framework.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.FitError;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DefaultPreemption's analysis, worded as upstream's: for each node, whether evicting pods of
 * lower priority could make room. Nodes that failed for a reason eviction cannot change say
 * "Preemption is not helpful for scheduling"; nodes without lower-priority pods say "No
 * preemption victims found for incoming pod"; nodes where the pod still does not fit with all
 * of them gone repeat the filter's reason. Evicting victims is not implemented yet: a node where
 * eviction would help says so, and the pod stays pending rather than preempting.
 */
public final class DefaultPreemption implements Plugin.PostFilter {

  public static final String NAME = "DefaultPreemption";
  public static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
  public static final String NO_VICTIMS = "No preemption victims found for incoming pod";
  public static final String NOT_IMPLEMENTED = "Preemption would help but evicting pods is not implemented yet";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status postFilter(Framework fwk, CycleState state, Pod pod, List<NodeInfo> nodes, Map<String, Status> filtered) {
    if ("Never".equals(pod.getSpec().getPreemptionPolicy())) {
      return Status.unresolvable("preemption: not eligible due to preemptionPolicy=Never");
    }
    int priority = priority(pod);
    Map<String, Status> result = new LinkedHashMap<>();
    for (NodeInfo n : nodes) {
      Status s = filtered.get(n.name());
      if (s == null || s.code() != Status.Code.UNSCHEDULABLE) {
        result.put(n.name(), Status.unresolvable(NOT_HELPFUL));
        continue;
      }
      NodeInfo without = n.copy();
      List<String> lower = new ArrayList<>();
      for (NodeInfo.PodInfo p : n.pods()) {
        if (priority(p.pod()) < priority) lower.add(p.pod().getMetadata().getUid());
      }
      if (lower.isEmpty()) {
        result.put(n.name(), Status.unresolvable(NO_VICTIMS));
        continue;
      }
      for (String uid : lower) without.removePod(uid);
      Status again = fwk.runFilter(state, pod, without, List.of());
      result.put(n.name(), again.isSuccess() ? Status.unschedulable(NOT_IMPLEMENTED) : again);
    }
    FitError e = new FitError(nodes.size(), result, "", "");
    return Status.unschedulable("preemption: " + e.message().substring(0, e.message().length() - 1));
  }

  static int priority(Pod p) {
    Integer v = p.getSpec().getPriority();
    return v == null ? 0 : v;
  }
}
