package io.gubernator.scheduler.framework.plugins;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.DomainCounts;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.NodeLists;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.interpodaffinity.InterPodAffinity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InterPodAffinityTest {

  static PodAffinityTerm term(String app, String key) {
    return new PodAffinityTermBuilder().withTopologyKey(key)
        .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", app)).build()).build();
  }

  static Pod pod(String ns, String app, List<PodAffinityTerm> affinity, List<PodAffinityTerm> anti) {
    Pod p = Fixtures.pod("");
    p.getMetadata().setNamespace(ns);
    p.getMetadata().setLabels(Map.of("app", app));
    AffinityBuilder b = new AffinityBuilder();
    if (!affinity.isEmpty()) b.withNewPodAffinity().withRequiredDuringSchedulingIgnoredDuringExecution(affinity).endPodAffinity();
    if (!anti.isEmpty()) b.withNewPodAntiAffinity().withRequiredDuringSchedulingIgnoredDuringExecution(anti).endPodAntiAffinity();
    p.getSpec().setAffinity(b.build());
    return p;
  }

  static NodeInfo zoned(String name, String zone, Pod... pods) {
    Node n = node(name, "pods=110");
    n.getMetadata().setLabels(Map.of("zone", zone, "kubernetes.io/hostname", name));
    return nodeInfo(n, pods);
  }

  static Stream<Arguments> cases() {
    Pod web = pod("ns", "web", List.of(), List.of());
    Pod db = pod("ns", "db", List.of(), List.of());
    Pod dbOtherNs = pod("other", "db", List.of(), List.of());
    Pod avoidsWeb = pod("ns", "cache", List.of(), List.of(term("web", "zone")));
    return Stream.of(
        Arguments.of("affinity satisfied in the zone", pod("ns", "web", List.of(term("db", "zone")), List.of()),
            List.of(zoned("n1", "a", db), zoned("n2", "a"), zoned("n3", "b")), "n2", null),
        Arguments.of("affinity unsatisfied in another zone", pod("ns", "web", List.of(term("db", "zone")), List.of()),
            List.of(zoned("n1", "a", db), zoned("n3", "b")), "n3", InterPodAffinity.ERR_REASON_AFFINITY),
        Arguments.of("affinity ignores other namespaces", pod("ns", "web", List.of(term("db", "zone")), List.of()),
            List.of(zoned("n1", "a", dbOtherNs, web), zoned("n3", "b")), "n1",
            InterPodAffinity.ERR_REASON_AFFINITY),
        Arguments.of("first pod of a self-selecting group goes anywhere", pod("ns", "web", List.of(term("web", "zone")), List.of()),
            List.of(zoned("n1", "a"), zoned("n2", "b")), "n2", null),
        Arguments.of("anti-affinity refuses the zone", pod("ns", "web", List.of(), List.of(term("web", "kubernetes.io/hostname"))),
            List.of(zoned("n1", "a", web), zoned("n2", "a")), "n1", InterPodAffinity.ERR_REASON_ANTI_AFFINITY),
        Arguments.of("anti-affinity on hostname allows the next node", pod("ns", "web", List.of(), List.of(term("web", "kubernetes.io/hostname"))),
            List.of(zoned("n1", "a", web), zoned("n2", "a")), "n2", null),
        Arguments.of("an existing pod's anti-affinity refuses the incoming pod", web,
            List.of(zoned("n1", "a", avoidsWeb), zoned("n2", "a"), zoned("n3", "b")), "n2", InterPodAffinity.ERR_REASON_EXISTING_ANTI_AFFINITY),
        Arguments.of("an existing pod's anti-affinity stops at its zone", web,
            List.of(zoned("n1", "a", avoidsWeb), zoned("n3", "b")), "n3", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void filter(String name, Pod incoming, List<NodeInfo> nodes, String target, String reason) {
    assertFilter(new CycleState(), incoming, nodes, target, reason);
  }

  /** The same cases with the snapshot's lists and running sums in the cycle, as the scheduler runs them. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void filterWithSnapshotSums(String name, Pod incoming, List<NodeInfo> nodes, String target, String reason) {
    assertFilter(withSnapshot(nodes), incoming, nodes, target, reason);
  }

  private static void assertFilter(CycleState state, Pod incoming, List<NodeInfo> nodes, String target, String reason) {
    InterPodAffinity plugin = new InterPodAffinity();
    Status pre = plugin.preFilter(state, incoming, PodRequests.of(incoming), nodes);
    NodeInfo n = nodes.stream().filter(x -> x.name().equals(target)).findFirst().orElseThrow();
    Status s = pre.isSkip() ? Status.success() : plugin.filter(state, incoming, n);
    if (reason == null) {
      assertEquals(Status.Code.SUCCESS, s.code(), s.toString());
    } else {
      assertEquals(List.of(reason), s.reasons());
    }
  }

  @Test
  void podsWithoutAffinityOnAClusterWithoutAntiAffinitySkip() {
    Pod p = Fixtures.pod("");
    assertEquals(Status.Code.SKIP, new InterPodAffinity().preFilter(new CycleState(), p, PodRequests.of(p),
        List.of(zoned("n1", "a", Fixtures.pod("")))).code());
  }

  static WeightedPodAffinityTerm weighted(int weight, String app, String key) {
    return new WeightedPodAffinityTerm(term(app, key), weight);
  }

  /** A pod with preferred terms, and optionally required affinity terms (for hardPodAffinityWeight). */
  static Pod preferring(String ns, String app, List<WeightedPodAffinityTerm> affinity, List<WeightedPodAffinityTerm> anti,
      List<PodAffinityTerm> requiredAffinity) {
    Pod p = pod(ns, app, requiredAffinity, List.of());
    AffinityBuilder b = new AffinityBuilder(p.getSpec().getAffinity());
    if (!affinity.isEmpty()) b.editOrNewPodAffinity().withPreferredDuringSchedulingIgnoredDuringExecution(affinity).endPodAffinity();
    if (!anti.isEmpty()) b.editOrNewPodAntiAffinity().withPreferredDuringSchedulingIgnoredDuringExecution(anti).endPodAntiAffinity();
    p.getSpec().setAffinity(b.build());
    return p;
  }

  static Stream<Arguments> scoreCases() {
    Pod web = pod("ns", "web", List.of(), List.of());
    Pod db = pod("ns", "db", List.of(), List.of());
    Pod cache = pod("ns", "cache", List.of(), List.of());
    Pod wantsDb = preferring("ns", "web", List.of(weighted(5, "db", "zone")), List.of(), List.of());
    NodeInfo unlabelled = nodeInfo(node("n4", "pods=110"), db);
    return Stream.of(
        Arguments.of("preferred affinity pulls toward the zone with matching pods", wantsDb,
            List.of(zoned("n1", "a", db), zoned("n2", "a"), zoned("n3", "b")), Map.of("n1", 100L, "n2", 100L, "n3", 0L)),
        Arguments.of("preferred anti-affinity pushes away from the node with matching pods",
            preferring("ns", "web", List.of(), List.of(weighted(10, "web", "kubernetes.io/hostname")), List.of()),
            List.of(zoned("n1", "a", web), zoned("n2", "a"), zoned("n3", "b")), Map.of("n1", 0L, "n2", 100L, "n3", 100L)),
        Arguments.of("weights add per term and per matching pod",
            preferring("ns", "web", List.of(weighted(3, "db", "zone"), weighted(1, "cache", "kubernetes.io/hostname")), List.of(), List.of()),
            List.of(zoned("n1", "a", db, db), zoned("n2", "a", cache), zoned("n3", "b", db)), Map.of("n1", 75L, "n2", 100L, "n3", 0L)),
        Arguments.of("affinity and anti-affinity offset each other",
            preferring("ns", "web", List.of(weighted(4, "db", "zone")), List.of(weighted(2, "cache", "zone")), List.of()),
            List.of(zoned("n1", "a", db, cache), zoned("n2", "b", db), zoned("n3", "c")), Map.of("n1", 50L, "n2", 100L, "n3", 0L)),
        Arguments.of("an existing pod's preferred affinity draws the incoming pod", web,
            List.of(zoned("n1", "a", preferring("ns", "db", List.of(weighted(4, "web", "zone")), List.of(), List.of())), zoned("n2", "a"),
                zoned("n3", "b")), Map.of("n1", 100L, "n2", 100L, "n3", 0L)),
        Arguments.of("an existing pod's preferred anti-affinity repels the incoming pod", web,
            List.of(zoned("n1", "a", preferring("ns", "db", List.of(), List.of(weighted(7, "web", "kubernetes.io/hostname")), List.of())),
                zoned("n2", "a"), zoned("n3", "b")), Map.of("n1", 0L, "n2", 100L, "n3", 100L)),
        Arguments.of("an existing pod's required affinity counts hardPodAffinityWeight", web,
            List.of(zoned("n1", "a", preferring("ns", "db", List.of(), List.of(), List.of(term("web", "zone")))), zoned("n2", "a"),
                zoned("n3", "b")), Map.of("n1", 100L, "n2", 100L, "n3", 0L)),
        Arguments.of("pods of other namespaces do not match", wantsDb,
            List.of(zoned("n1", "a", pod("other", "db", List.of(), List.of())), zoned("n2", "b")), Map.of("n1", 0L, "n2", 0L)),
        Arguments.of("equal scores normalise to 0", wantsDb,
            List.of(zoned("n1", "a", db), zoned("n2", "b", db)), Map.of("n1", 0L, "n2", 0L)),
        Arguments.of("a node without the topology key gets nothing", wantsDb,
            List.of(zoned("n1", "a", db), unlabelled), Map.of("n1", 100L, "n4", 0L)));
  }

  /**
   * PreFilter sees every node, PreScore and Score the feasible ones; normalised scores by node name
   * (all 0 when PreScore skips, as the framework then leaves the plugin out).
   */
  static <P extends Plugin.PreFilter & Plugin.PreScore & Plugin.Score> Map<String, Long> scores(P plugin, Pod incoming,
      List<NodeInfo> all, List<NodeInfo> feasible) {
    return scores(new CycleState(), plugin, incoming, all, feasible);
  }

  static <P extends Plugin.PreFilter & Plugin.PreScore & Plugin.Score> Map<String, Long> scores(CycleState state, P plugin, Pod incoming,
      List<NodeInfo> all, List<NodeInfo> feasible) {
    plugin.preFilter(state, incoming, PodRequests.of(incoming), all);
    Status pre = plugin.preScore(state, incoming, feasible);
    long[] raw = new long[feasible.size()];
    for (int i = 0; i < raw.length; i++) raw[i] = pre.isSkip() ? 0 : plugin.score(state, incoming, feasible.get(i));
    if (!pre.isSkip()) plugin.normalizeScore(state, incoming, raw);
    Map<String, Long> out = new HashMap<>();
    for (int i = 0; i < raw.length; i++) out.put(feasible.get(i).name(), raw[i]);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scoreCases")
  void score(String name, Pod incoming, List<NodeInfo> nodes, Map<String, Long> want) {
    assertEquals(want, scores(new InterPodAffinity(), incoming, nodes, nodes));
  }

  /** The same cases with the snapshot's lists and running sums in the cycle, as the scheduler runs them. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("scoreCases")
  void scoreWithSnapshotSums(String name, Pod incoming, List<NodeInfo> nodes, Map<String, Long> want) {
    assertEquals(want, scores(withSnapshot(nodes), new InterPodAffinity(), incoming, nodes, nodes));
  }

  static CycleState withSnapshot(List<NodeInfo> nodes) {
    CycleState state = new CycleState();
    state.write(NodeLists.KEY, new NodeLists(nodes, new DomainCounts(nodes)));
    return state;
  }

  @Test
  void matchingPodsOnInfeasibleNodesStillCount() {
    Pod incoming = preferring("ns", "web", List.of(weighted(5, "db", "zone")), List.of(), List.of());
    List<NodeInfo> all = List.of(zoned("n1", "a", pod("ns", "db", List.of(), List.of())), zoned("n2", "a"), zoned("n3", "b"));
    assertEquals(Map.of("n2", 100L, "n3", 0L), scores(new InterPodAffinity(), incoming, all, all.subList(1, 3)));
  }

  @Test
  void noTermsAnywhereSkipsScoring() {
    Pod p = Fixtures.pod("");
    List<NodeInfo> nodes = List.of(zoned("n1", "a", pod("ns", "db", List.of(), List.of())), zoned("n2", "b"));
    assertEquals(Status.Code.SKIP, new InterPodAffinity().preScore(new CycleState(), p, nodes).code());
  }
}
