package io.gubernator.scheduler.framework.plugins.interpodaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.gubernator.client.LabelSelectors;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.DomainCounts;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.NodeLists;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ObjLongConsumer;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * InterPodAffinity, required terms: the node's topology domain must already hold a pod matching
 * each of the pod's affinity terms (unless no pod matches anywhere and the pod matches its own
 * terms: the first of a group), must hold no pod matching its anti-affinity terms, and must hold
 * no pod whose own anti-affinity terms match the incoming pod. Counts are per (topology key,
 * value) pair; over the scheduler's snapshot they come from its running {@link DomainCounts}
 * (keyed by what they depend on: the terms and namespace, or the incoming pod's namespace and
 * labels), over any other node list from a walk. Namespaces come from a term's namespaces list, or an
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

  /**
   * What the filter needs: per (topology key, value), how many existing pods' anti-affinity terms the
   * incoming pod matches; per own term, pods matching it in a domain (affinity: matching all terms);
   * and whether a pod matching all affinity terms exists anywhere.
   */
  record State(List<PodAffinityTerm> affinity, List<PodAffinityTerm> antiAffinity, ToLongFunction<Pair> existingAnti,
      List<ToLongFunction<String>> affinityCounts, boolean affinityMatchedAnywhere, List<ToLongFunction<String>> antiCounts) {
  }

  /** All nodes of the cycle as PreFilter saw them (PreScore gets only the feasible ones). */
  record AllNodes(List<NodeInfo> nodes) {
  }

  /** Score per (topology key, value) pair, 0 where no term matched. */
  record ScoreState(ToLongFunction<Pair> topologyScore) {
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
    NodeLists lists = NodeLists.of(state, nodes);
    // Over the snapshot the sums outlive the cycle; over any other node list they serve this cycle alone.
    DomainCounts sums = lists != null ? lists.domainCounts() : new DomainCounts(nodes);
    DomainCounts.Sums existing = sums.sums(NAME + "\u0000existingAnti\u0000" + identity(pod), (n, emit) -> existingAnti(n, pod, emit));
    if (affinity.isEmpty() && anti.isEmpty() && existing.size() == 0) return Status.skip();
    state.write(STATE_KEY, ownTerms(pod, affinity, anti, existing::matching, sums));
    return Status.success();
  }

  /**
   * What matching against other pods' terms depends on in the incoming pod: its namespace and
   * labels (the terms' namespace selectors read namespaces, not the pod).
   */
  private static String identity(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return pod.getMetadata().getNamespace() + "\u0000" + (labels == null ? "{}" : new TreeMap<>(labels));
  }

  /** Each of the node's pods' required anti-affinity terms that the incoming pod matches, as (topology key, value). */
  private static void existingAnti(NodeInfo n, Pod pod, ObjLongConsumer<Object> emit) {
    if (n.podsWithRequiredAntiAffinity().isEmpty()) return;
    Map<String, String> labels = n.labels();
    for (NodeInfo.PodInfo p : n.podsWithRequiredAntiAffinity()) {
      for (PodAffinityTerm t : required(p.pod(), true)) {
        String v = labels.get(t.getTopologyKey());
        if (v != null && matches(t, p.pod(), pod)) emit.accept(new Pair(t.getTopologyKey(), v), 1);
      }
    }
  }

  /**
   * The pod's own terms counted from sums per domain: over the snapshot the nodes are walked when a
   * question is first asked, not for every pod (on thousands of nodes that walk was most of the
   * scheduling thread). A question is named by what its counts depend on: the owner's namespace,
   * the terms, the topology key.
   */
  private static State ownTerms(Pod pod, List<PodAffinityTerm> affinity, List<PodAffinityTerm> anti, ToLongFunction<Pair> existingAnti,
      DomainCounts sums) {
    String ns = pod.getMetadata().getNamespace();
    List<ToLongFunction<String>> affinityCounts = new ArrayList<>(affinity.size());
    boolean matchedAnywhere = false;
    String allTerms = NAME + "\u0000affinity\u0000" + ns + "\u0000" + affinity;
    for (PodAffinityTerm t : affinity) {
      DomainCounts.Sums s = sums.sums(allTerms + "\u0000" + t.getTopologyKey(), n -> n.labels().get(t.getTopologyKey()),
          n -> n.pods().isEmpty() ? 0 : n.podCount(allTerms, node -> count(node, p -> affinity.stream().allMatch(a -> matches(a, pod, p)))));
      affinityCounts.add(s::matching);
      matchedAnywhere |= s.total() > 0;
    }
    List<ToLongFunction<String>> antiCounts = new ArrayList<>(anti.size());
    for (PodAffinityTerm t : anti) {
      String term = NAME + "\u0000anti\u0000" + ns + "\u0000" + t;
      DomainCounts.Sums s = sums.sums(term, n -> n.labels().get(t.getTopologyKey()),
          n -> n.pods().isEmpty() ? 0 : n.podCount(term, node -> count(node, p -> matches(t, pod, p))));
      antiCounts.add(s::matching);
    }
    return new State(affinity, anti, existingAnti, affinityCounts, matchedAnywhere, antiCounts);
  }

  private static long count(NodeInfo n, Predicate<Pod> matching) {
    long c = 0;
    for (NodeInfo.PodInfo p : n.pods()) {
      if (matching.test(p.pod())) c++;
    }
    return c;
  }

  @Override
  public Status filter(CycleState cycle, Pod pod, NodeInfo node) {
    State s = cycle.read(STATE_KEY, State.class);
    if (s == null) return Status.success();
    Map<String, String> labels = node.labels();
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (s.existingAnti().applyAsLong(new Pair(l.getKey(), l.getValue())) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    for (int i = 0; i < s.antiAffinity().size(); i++) {
      String v = labels.get(s.antiAffinity().get(i).getTopologyKey());
      if (v != null && s.antiCounts().get(i).applyAsLong(v) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (!s.affinity().isEmpty()) {
      boolean all = true;
      for (int i = 0; i < s.affinity().size(); i++) {
        String v = labels.get(s.affinity().get(i).getTopologyKey());
        if (v == null || s.affinityCounts().get(i).applyAsLong(v) == 0) {
          all = false;
          break;
        }
      }
      if (!all) {
        // The first pod of a group that selects itself may go anywhere with the topology keys.
        boolean selfMatch = s.affinity().stream().allMatch(t -> matches(t, pod, pod));
        boolean hasKeys = s.affinity().stream().allMatch(t -> labels.containsKey(t.getTopologyKey()));
        if (!(!s.affinityMatchedAnywhere() && selfMatch && hasKeys)) return Status.unresolvable(ERR_REASON_AFFINITY);
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
    List<NodeInfo> candidates = all == null ? nodes : all.nodes();
    if (!hasConstraints) {
      // Without terms of its own the incoming pod is scored by the existing pods' terms alone,
      // which depend on nothing of it but its namespace and labels: the snapshot keeps their sums.
      NodeLists lists = NodeLists.of(cycle, candidates);
      DomainCounts sums = lists != null ? lists.domainCounts() : new DomainCounts(candidates);
      DomainCounts.Sums existing = sums.sums(NAME + "\u0000existingScore\u0000" + identity(pod),
          (n, emit) -> existingTerms(n, n.podsWithAffinity(), pod, emit));
      if (existing.size() == 0) return Status.skip();
      cycle.write(PRE_SCORE_STATE_KEY, new ScoreState(existing::matching));
      return Status.success();
    }
    Map<Pair, Long> topologyScore = new HashMap<>();
    ObjLongConsumer<Object> emit = (pair, w) -> topologyScore.merge((Pair) pair, w, Long::sum);
    for (NodeInfo n : candidates) {
      if (n.node() == null) continue;
      Map<String, String> labels = n.labels();
      if (labels.isEmpty()) continue;
      for (NodeInfo.PodInfo p : n.pods()) {
        addWeights(emit, affinity, pod, p.pod(), labels, 1);
        addWeights(emit, anti, pod, p.pod(), labels, -1);
      }
      existingTerms(n, n.podsWithAffinity(), pod, emit);
    }
    if (topologyScore.isEmpty()) return Status.skip();
    cycle.write(PRE_SCORE_STATE_KEY, new ScoreState(pair -> topologyScore.getOrDefault(pair, 0L)));
    return Status.success();
  }

  /** The weights the existing {@code pods}' own terms give the incoming pod, by (topology key, value) of their node. */
  private static void existingTerms(NodeInfo n, List<NodeInfo.PodInfo> pods, Pod pod, ObjLongConsumer<Object> emit) {
    if (pods.isEmpty()) return;
    Map<String, String> labels = n.labels();
    if (labels.isEmpty()) return;
    for (NodeInfo.PodInfo p : pods) {
      Pod existing = p.pod();
      for (PodAffinityTerm t : required(existing, false)) {
        addWeight(emit, t, HARD_POD_AFFINITY_WEIGHT, existing, pod, labels);
      }
      addWeights(emit, preferred(existing, false), existing, pod, labels, 1);
      addWeights(emit, preferred(existing, true), existing, pod, labels, -1);
    }
  }

  private static void addWeights(ObjLongConsumer<Object> emit, List<WeightedPodAffinityTerm> terms, Pod owner, Pod target,
      Map<String, String> nodeLabels, int multiplier) {
    for (WeightedPodAffinityTerm w : terms) {
      if (w.getPodAffinityTerm() == null || w.getWeight() == null) continue;
      addWeight(emit, w.getPodAffinityTerm(), (long) w.getWeight() * multiplier, owner, target, nodeLabels);
    }
  }

  /** Credits {@code weight} to the domain of the node hosting the existing pod when the term matches. */
  private static void addWeight(ObjLongConsumer<Object> emit, PodAffinityTerm term, long weight, Pod owner, Pod target,
      Map<String, String> nodeLabels) {
    String v = nodeLabels.get(term.getTopologyKey());
    if (v != null && matches(term, owner, target)) emit.accept(new Pair(term.getTopologyKey(), v), weight);
  }

  @Override
  public long score(CycleState cycle, Pod pod, NodeInfo node) {
    ScoreState s = cycle.read(PRE_SCORE_STATE_KEY, ScoreState.class);
    if (s == null) return 0;
    Map<String, String> labels = node.labels();
    long score = 0;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      score += s.topologyScore().applyAsLong(new Pair(l.getKey(), l.getValue()));
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
