package io.gubernator.scheduler.framework.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.NodeLists;
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
 * with labels is not supported yet (it needs namespace labels).
 *
 * <p>Scoring, as upstream's scoring.go: every (topology key, value) pair gets the summed weights of
 * the incoming pod's preferred terms that existing pods in that domain match (anti-affinity
 * subtracts), plus the weights of existing pods' preferred terms, and hardPodAffinityWeight (1)
 * per required affinity term, that the incoming pod matches. A node scores the sum over its
 * labels; scores are then spread over 0..100 between the lowest and highest node.
 */
public final class InterPodAffinity implements Plugin.PreFilter, Plugin.Filter, Plugin.PreScore, Plugin.Score {

  public static final String NAME = "InterPodAffinity";
  public static final String ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
  public static final String ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
  public static final String ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
  static final String STATE_KEY = "PreFilter" + NAME;
  static final String PRE_SCORE_STATE_KEY = "PreScore" + NAME;
  /** PreScore only sees the feasible nodes, but existing pods anywhere count (upstream reads the snapshot). */
  static final String ALL_NODES_KEY = "AllNodes" + NAME;
  /** kube-scheduler's InterPodAffinityArgs.hardPodAffinityWeight default. */
  public static final int HARD_POD_AFFINITY_WEIGHT = 1;

  record Pair(String key, String value) {
  }

  record State(List<PodAffinityTerm> affinity, List<PodAffinityTerm> antiAffinity, Map<Pair, Integer> existingAnti,
      Map<Pair, Integer> affinityCounts, Map<Pair, Integer> antiCounts) {
  }

  /** All nodes of the cycle as PreFilter saw them (PreScore gets only the feasible ones). */
  record AllNodes(List<NodeInfo> nodes) {
  }

  /** Score per (topology key, value) pair; a pair is present once any term matched there, even if it sums to 0. */
  record ScoreState(Map<Pair, Long> topologyScore) {
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
    state.write(ALL_NODES_KEY, new AllNodes(nodes));
    List<PodAffinityTerm> affinity = required(pod, false);
    List<PodAffinityTerm> anti = required(pod, true);
    Map<Pair, Integer> existingAnti = new HashMap<>();
    Map<Pair, Integer> affinityCounts = new HashMap<>();
    Map<Pair, Integer> antiCounts = new HashMap<>();
    NodeLists lists = NodeLists.of(state, nodes);
    // Without terms of its own the pod is checked only against existing required anti-affinity.
    List<NodeInfo> visit = lists != null && affinity.isEmpty() && anti.isEmpty() ? lists.havePodsWithRequiredAntiAffinity() : nodes;
    for (NodeInfo n : visit) {
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

  static List<WeightedPodAffinityTerm> preferred(Pod p, boolean anti) {
    Affinity a = p.getSpec().getAffinity();
    if (a == null) return List.of();
    List<WeightedPodAffinityTerm> terms = anti
        ? (a.getPodAntiAffinity() == null ? null : a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        : (a.getPodAffinity() == null ? null : a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution());
    return terms == null ? List.of() : terms;
  }

  @Override
  public Status preScore(CycleState cycle, Pod pod, List<NodeInfo> nodes) {
    if (nodes.isEmpty()) return Status.skip();
    AllNodes all = cycle.read(ALL_NODES_KEY, AllNodes.class);
    List<WeightedPodAffinityTerm> affinity = preferred(pod, false);
    List<WeightedPodAffinityTerm> anti = preferred(pod, true);
    boolean hasConstraints = !affinity.isEmpty() || !anti.isEmpty();
    Map<Pair, Long> topologyScore = new HashMap<>();
    List<NodeInfo> candidates = all == null ? nodes : all.nodes();
    NodeLists lists = all == null ? null : NodeLists.of(cycle, all.nodes());
    if (!hasConstraints && lists != null) candidates = lists.havePodsWithAffinity();
    for (NodeInfo n : candidates) {
      if (n.node() == null) continue;
      Map<String, String> labels = n.node().getMetadata().getLabels();
      if (labels == null || labels.isEmpty()) continue;
      // Without terms of its own, the incoming pod is scored only by the existing pods' terms, so
      // only pods with affinity are visited: walking every pod of every node made each cycle O(pods).
      for (NodeInfo.PodInfo p : hasConstraints ? n.pods() : n.podsWithAffinity()) {
        Pod existing = p.pod();
        addWeights(topologyScore, affinity, pod, existing, labels, 1);
        addWeights(topologyScore, anti, pod, existing, labels, -1);
        for (PodAffinityTerm t : required(existing, false)) {
          addWeight(topologyScore, t, HARD_POD_AFFINITY_WEIGHT, existing, pod, labels);
        }
        addWeights(topologyScore, preferred(existing, false), existing, pod, labels, 1);
        addWeights(topologyScore, preferred(existing, true), existing, pod, labels, -1);
      }
    }
    if (topologyScore.isEmpty()) return Status.skip();
    cycle.write(PRE_SCORE_STATE_KEY, new ScoreState(topologyScore));
    return Status.success();
  }

  private static void addWeights(Map<Pair, Long> scores, List<WeightedPodAffinityTerm> terms, Pod owner, Pod target,
      Map<String, String> nodeLabels, int multiplier) {
    for (WeightedPodAffinityTerm w : terms) {
      if (w.getPodAffinityTerm() == null || w.getWeight() == null) continue;
      addWeight(scores, w.getPodAffinityTerm(), (long) w.getWeight() * multiplier, owner, target, nodeLabels);
    }
  }

  /** Credits {@code weight} to the domain of the node hosting the existing pod when the term matches. */
  private static void addWeight(Map<Pair, Long> scores, PodAffinityTerm term, long weight, Pod owner, Pod target,
      Map<String, String> nodeLabels) {
    String v = nodeLabels.get(term.getTopologyKey());
    if (v != null && matches(term, owner, target)) scores.merge(new Pair(term.getTopologyKey(), v), weight, Long::sum);
  }

  @Override
  public long score(CycleState cycle, Pod pod, NodeInfo node) {
    ScoreState s = cycle.read(PRE_SCORE_STATE_KEY, ScoreState.class);
    if (s == null) return 0;
    Map<String, String> labels = node.node().getMetadata().getLabels();
    if (labels == null) return 0;
    long score = 0;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      Long v = s.topologyScore().get(new Pair(l.getKey(), l.getValue()));
      if (v != null) score += v;
    }
    return score;
  }

  /** Min-max scaling: raw scores may be negative, and equal scores all become 0, as upstream. */
  @Override
  public void normalizeScore(CycleState cycle, Pod pod, long[] scores) {
    if (cycle.read(PRE_SCORE_STATE_KEY, ScoreState.class) == null) return;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long s : scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    long diff = max - min;
    for (int i = 0; i < scores.length; i++) {
      scores[i] = diff > 0 ? (long) (MAX_NODE_SCORE * ((double) (scores[i] - min) / diff)) : 0;
    }
  }
}
