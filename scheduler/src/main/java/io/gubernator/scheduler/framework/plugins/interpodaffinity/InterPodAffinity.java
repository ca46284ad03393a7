package io.gubernator.scheduler.framework.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.helper.LabelSelectors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * InterPodAffinity, required terms: the node's topology domain must already hold a pod matching
 * each of the pod's affinity terms (unless no pod matches anywhere and the pod matches its own
 * terms: the first of a group), must hold no pod matching its anti-affinity terms, and must hold
 * no pod whose own anti-affinity terms match the incoming pod. Counts are taken once per cycle in
 * PreFilter as (topology key, value) pairs. Namespaces come from a term's namespaces list, or an
 * empty namespaceSelector (all namespaces), else the term owner's namespace; a namespaceSelector
 * with labels is not supported yet (it needs namespace labels), nor is preferred-term scoring.
 */
public final class InterPodAffinity implements Plugin.PreFilter, Plugin.Filter {

  public static final String NAME = "InterPodAffinity";
  public static final String ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
  public static final String ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
  public static final String ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
  static final String STATE_KEY = "PreFilter" + NAME;

  record Pair(String key, String value) {
  }

  record State(List<PodAffinityTerm> affinity, List<PodAffinityTerm> antiAffinity, Map<Pair, Integer> existingAnti,
      Map<Pair, Integer> affinityCounts, Map<Pair, Integer> antiCounts) {
  }

  @Override
  public String name() {
    return NAME;
  }

  static List<PodAffinityTerm> required(Pod p, boolean anti) {
    Affinity a = p.getSpec().getAffinity();
    if (a == null) return List.of();
    List<PodAffinityTerm> terms = anti
        ? (a.getPodAntiAffinity() == null ? null : a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        : (a.getPodAffinity() == null ? null : a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution());
    return terms == null ? List.of() : terms;
  }

  /** Whether {@code target} matches {@code term} owned by {@code owner}. */
  static boolean matches(PodAffinityTerm term, Pod owner, Pod target) {
    String ns = target.getMetadata().getNamespace();
    boolean nsOk;
    if (term.getNamespaces() != null && !term.getNamespaces().isEmpty()) {
      nsOk = term.getNamespaces().contains(ns);
    } else if (term.getNamespaceSelector() != null) {
      var sel = term.getNamespaceSelector();
      boolean empty = (sel.getMatchLabels() == null || sel.getMatchLabels().isEmpty())
          && (sel.getMatchExpressions() == null || sel.getMatchExpressions().isEmpty());
      nsOk = empty;
    } else {
      nsOk = ns.equals(owner.getMetadata().getNamespace());
    }
    return nsOk && LabelSelectors.matches(term.getLabelSelector(), target.getMetadata().getLabels());
  }

  @Override
  public Status preFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes) {
    List<PodAffinityTerm> affinity = required(pod, false);
    List<PodAffinityTerm> anti = required(pod, true);
    Map<Pair, Integer> existingAnti = new HashMap<>();
    Map<Pair, Integer> affinityCounts = new HashMap<>();
    Map<Pair, Integer> antiCounts = new HashMap<>();
    for (NodeInfo n : nodes) {
      if (n.node() == null) continue;
      Map<String, String> labels = n.node().getMetadata().getLabels() == null ? Map.of() : n.node().getMetadata().getLabels();
      for (NodeInfo.PodInfo p : n.podsWithRequiredAntiAffinity()) {
        for (PodAffinityTerm t : required(p.pod(), true)) {
          String v = labels.get(t.getTopologyKey());
          if (v != null && matches(t, p.pod(), pod)) existingAnti.merge(new Pair(t.getTopologyKey(), v), 1, Integer::sum);
        }
      }
      if (affinity.isEmpty() && anti.isEmpty()) continue;
      for (NodeInfo.PodInfo p : n.pods()) {
        if (!affinity.isEmpty() && affinity.stream().allMatch(t -> matches(t, pod, p.pod()))) {
          for (PodAffinityTerm t : affinity) {
            String v = labels.get(t.getTopologyKey());
            if (v != null) affinityCounts.merge(new Pair(t.getTopologyKey(), v), 1, Integer::sum);
          }
        }
        for (PodAffinityTerm t : anti) {
          String v = labels.get(t.getTopologyKey());
          if (v != null && matches(t, pod, p.pod())) antiCounts.merge(new Pair(t.getTopologyKey(), v), 1, Integer::sum);
        }
      }
    }
    if (affinity.isEmpty() && anti.isEmpty() && existingAnti.isEmpty()) return Status.skip();
    state.write(STATE_KEY, new State(affinity, anti, existingAnti, affinityCounts, antiCounts));
    return Status.success();
  }

  @Override
  public Status filter(CycleState cycle, Pod pod, NodeInfo node) {
    State s = cycle.read(STATE_KEY, State.class);
    if (s == null) return Status.success();
    Map<String, String> labels = node.node().getMetadata().getLabels() == null ? Map.of() : node.node().getMetadata().getLabels();
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (s.existingAnti().getOrDefault(new Pair(l.getKey(), l.getValue()), 0) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    for (PodAffinityTerm t : s.antiAffinity()) {
      String v = labels.get(t.getTopologyKey());
      if (v != null && s.antiCounts().getOrDefault(new Pair(t.getTopologyKey(), v), 0) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (!s.affinity().isEmpty()) {
      boolean all = true;
      for (PodAffinityTerm t : s.affinity()) {
        String v = labels.get(t.getTopologyKey());
        if (v == null || s.affinityCounts().getOrDefault(new Pair(t.getTopologyKey(), v), 0) == 0) {
          all = false;
          break;
        }
      }
      if (!all) {
        // The first pod of a group that selects itself may go anywhere with the topology keys.
        boolean selfMatch = s.affinity().stream().allMatch(t -> matches(t, pod, pod));
        boolean hasKeys = s.affinity().stream().allMatch(t -> labels.containsKey(t.getTopologyKey()));
        if (!(s.affinityCounts().isEmpty() && selfMatch && hasKeys)) return Status.unresolvable(ERR_REASON_AFFINITY);
      }
    }
    return Status.success();
  }
}
