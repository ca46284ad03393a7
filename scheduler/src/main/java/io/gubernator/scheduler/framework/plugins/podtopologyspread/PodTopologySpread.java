package io.gubernator.scheduler.framework.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.helper.LabelSelectors;
import io.gubernator.scheduler.framework.plugins.helper.Taints;
import io.gubernator.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PodTopologySpread, hard constraints (whenUnsatisfiable: DoNotSchedule): placing the pod in a
 * node's domain must not make that domain's count of matching pods exceed the least-loaded
 * domain's by more than maxSkew. Domains are counted over the nodes that carry every constraint's
 * topology key and, with nodeAffinityPolicy Honor (the default), match the pod's node affinity;
 * minDomains makes the minimum 0 while fewer domains exist. ScheduleAnyway constraints (scoring)
 * and the cluster-default constraints are not implemented yet.
 */
public final class PodTopologySpread implements Plugin.PreFilter, Plugin.Filter {

  public static final String NAME = "PodTopologySpread";
  public static final String ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
  public static final String ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)";
  static final String STATE_KEY = "PreFilter" + NAME;

  /** One hard constraint with its selector (matchLabelKeys folded in) and its counts per domain. */
  record Constraint(String topologyKey, int maxSkew, int minDomains, LabelSelector selector, boolean selfMatch,
      Map<String, Integer> counts, int minMatch) {
  }

  record State(List<Constraint> constraints) {
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status preFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes) {
    List<TopologySpreadConstraint> hard = new ArrayList<>();
    if (pod.getSpec().getTopologySpreadConstraints() != null) {
      for (TopologySpreadConstraint c : pod.getSpec().getTopologySpreadConstraints()) {
        if ("DoNotSchedule".equals(c.getWhenUnsatisfiable())) hard.add(c);
      }
    }
    if (hard.isEmpty()) return Status.skip();
    String ns = pod.getMetadata().getNamespace();
    List<LabelSelector> selectors = new ArrayList<>();
    for (TopologySpreadConstraint c : hard) selectors.add(selector(c, pod));
    List<Map<String, Integer>> counts = new ArrayList<>();
    for (int i = 0; i < hard.size(); i++) counts.add(new HashMap<>());
    for (NodeInfo n : nodes) {
      if (!eligible(pod, n, hard)) continue;
      Map<String, String> labels = n.node().getMetadata().getLabels();
      for (int i = 0; i < hard.size(); i++) {
        int matching = 0;
        for (NodeInfo.PodInfo p : n.pods()) {
          Pod other = p.pod();
          if (other.getMetadata().getDeletionTimestamp() == null && ns.equals(other.getMetadata().getNamespace())
              && LabelSelectors.matches(selectors.get(i), other.getMetadata().getLabels())) {
            matching++;
          }
        }
        counts.get(i).merge(labels.get(hard.get(i).getTopologyKey()), matching, Integer::sum);
      }
    }
    List<Constraint> constraints = new ArrayList<>();
    for (int i = 0; i < hard.size(); i++) {
      TopologySpreadConstraint c = hard.get(i);
      int minDomains = c.getMinDomains() == null ? 1 : c.getMinDomains();
      Map<String, Integer> m = counts.get(i);
      int min = m.values().stream().mapToInt(Integer::intValue).min().orElse(0);
      if (m.size() < minDomains) min = 0;
      constraints.add(new Constraint(c.getTopologyKey(), c.getMaxSkew(), minDomains, selectors.get(i),
          LabelSelectors.matches(selectors.get(i), pod.getMetadata().getLabels()), m, min));
    }
    state.write(STATE_KEY, new State(constraints));
    return Status.success();
  }

  /** matchLabelKeys add "key In (the pod's value)" to the selector, as upstream merges them. */
  static LabelSelector selector(TopologySpreadConstraint c, Pod pod) {
    LabelSelector base = c.getLabelSelector();
    if (c.getMatchLabelKeys() == null || c.getMatchLabelKeys().isEmpty() || base == null) return base;
    LabelSelectorBuilder b = new LabelSelectorBuilder(base);
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    for (String key : c.getMatchLabelKeys()) {
      String v = labels.get(key);
      if (v != null) b.addNewMatchExpression().withKey(key).withOperator("In").withValues(v).endMatchExpression();
    }
    return b.build();
  }

  private static boolean eligible(Pod pod, NodeInfo n, List<TopologySpreadConstraint> hard) {
    if (n.node() == null) return false;
    Map<String, String> labels = n.node().getMetadata().getLabels();
    for (TopologySpreadConstraint c : hard) {
      if (labels == null || !labels.containsKey(c.getTopologyKey())) return false;
      if (!"Ignore".equals(c.getNodeAffinityPolicy()) && !NodeAffinity.matches(pod, n)) return false;
      if ("Honor".equals(c.getNodeTaintsPolicy()) && n.node().getSpec() != null && n.node().getSpec().getTaints() != null) {
        for (Taint t : n.node().getSpec().getTaints()) {
          if (("NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
              && !Taints.tolerated(pod.getSpec().getTolerations(), t)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  @Override
  public Status filter(CycleState cycle, Pod pod, NodeInfo node) {
    State state = cycle.read(STATE_KEY, State.class);
    if (state == null) return Status.success();
    Map<String, String> labels = node.node().getMetadata().getLabels();
    for (Constraint c : state.constraints()) {
      String domain = labels == null ? null : labels.get(c.topologyKey());
      if (domain == null) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      int skew = c.counts().getOrDefault(domain, 0) + (c.selfMatch() ? 1 : 0) - c.minMatch();
      if (skew > c.maxSkew()) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return Status.success();
  }
}
