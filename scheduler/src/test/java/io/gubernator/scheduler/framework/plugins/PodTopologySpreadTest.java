package io.gubernator.scheduler.framework.plugins;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.gubernator.scheduler.Algorithm;
import io.gubernator.scheduler.Profiles;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.DomainCounts;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.NodeLists;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.podtopologyspread.PodTopologySpread;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodTopologySpreadTest {

  static Pod labelled(String ns, String app) {
    Pod p = pod("");
    p.getMetadata().setNamespace(ns);
    p.getMetadata().setLabels(Map.of("app", app));
    return p;
  }

  /** The incoming pod: app=web unless said otherwise, one zone constraint with maxSkew 1. */
  static Pod incoming(String app, Integer minDomains, String when) {
    Pod p = labelled("ns", app);
    p.getSpec().setTopologySpreadConstraints(List.of(new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey("zone")
        .withWhenUnsatisfiable(when).withMinDomains(minDomains)
        .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build()).build()));
    return p;
  }

  /** Nodes "name:zone:pods" where pods is a count of app=web pods in ns (or "ns2" for another namespace). */
  static List<NodeInfo> cluster(String... specs) {
    List<NodeInfo> nodes = new ArrayList<>();
    for (String spec : specs) {
      String[] s = spec.split(":");
      Node n = node(s[0], "pods=110");
      Map<String, String> labels = new HashMap<>();
      labels.put("kubernetes.io/hostname", s[0]);
      if (!s[1].isEmpty()) labels.put("zone", s[1]);
      if (s.length > 3) labels.put("disk", s[3]);
      n.getMetadata().setLabels(labels);
      NodeInfo info = nodeInfo(n);
      String[] pods = s[2].split("\\+");
      for (String count : pods) {
        String ns = count.endsWith("ns2") ? "ns2" : "ns";
        int k = Integer.parseInt(count.replace("ns2", ""));
        for (int i = 0; i < k; i++) {
          Pod p = labelled(ns, "web");
          info.addPod(new NodeInfo.PodInfo(p, PodRequests.of(p)));
        }
      }
      nodes.add(info);
    }
    return nodes;
  }

  static Stream<Arguments> cases() {
    Pod withSelector = incoming("web", null, "DoNotSchedule");
    withSelector.getSpec().setNodeSelector(Map.of("disk", "ssd"));
    return Stream.of(
        Arguments.of("balanced domains take one more", incoming("web", null, "DoNotSchedule"),
            cluster("n1:a:1", "n2:b:1"), "n1", Status.Code.SUCCESS),
        Arguments.of("the loaded domain is refused", incoming("web", null, "DoNotSchedule"),
            cluster("n1:a:2", "n2:b:1"), "n1", Status.Code.UNSCHEDULABLE),
        Arguments.of("the least loaded domain fits", incoming("web", null, "DoNotSchedule"),
            cluster("n1:a:2", "n2:b:1"), "n2", Status.Code.SUCCESS),
        Arguments.of("domains sum over their nodes", incoming("web", null, "DoNotSchedule"),
            cluster("n1:a:1", "n3:a:1", "n2:b:1"), "n3", Status.Code.UNSCHEDULABLE),
        Arguments.of("node without the topology key", incoming("web", null, "DoNotSchedule"),
            cluster("n1::0", "n2:b:0"), "n1", Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE),
        Arguments.of("a pod outside its own selector does not count itself", incoming("api", null, "DoNotSchedule"),
            cluster("n1:a:2", "n2:b:1"), "n1", Status.Code.SUCCESS),
        Arguments.of("minDomains above the domain count makes the minimum zero", incoming("web", 3, "DoNotSchedule"),
            cluster("n1:a:1", "n2:b:1"), "n1", Status.Code.UNSCHEDULABLE),
        Arguments.of("nodes outside the pod's nodeSelector are no domain", withSelector,
            cluster("n1:a:1:ssd", "n2:b:1:ssd", "n3:c:0:hdd"), "n1", Status.Code.SUCCESS),
        Arguments.of("pods of other namespaces do not count", incoming("web", null, "DoNotSchedule"),
            cluster("n1:a:0+3ns2", "n2:b:0"), "n1", Status.Code.SUCCESS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void filter(String name, Pod pod, List<NodeInfo> nodes, String target, Status.Code code) {
    assertFilter(new CycleState(), pod, nodes, target, code);
  }

  /** The same cases with the snapshot's running sums in the cycle, as the scheduler runs them. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void filterWithSnapshotSums(String name, Pod pod, List<NodeInfo> nodes, String target, Status.Code code) {
    CycleState state = new CycleState();
    state.write(NodeLists.KEY, new NodeLists(nodes, new DomainCounts(nodes)));
    assertFilter(state, pod, nodes, target, code);
  }

  private static void assertFilter(CycleState state, Pod pod, List<NodeInfo> nodes, String target, Status.Code code) {
    PodTopologySpread plugin = new PodTopologySpread();
    assertEquals(Status.Code.SUCCESS, plugin.preFilter(state, pod, PodRequests.of(pod), nodes).code());
    NodeInfo n = nodes.stream().filter(x -> x.name().equals(target)).findFirst().orElseThrow();
    Status s = plugin.filter(state, pod, n);
    assertEquals(code, s.code(), s.toString());
    if (code == Status.Code.UNSCHEDULABLE) assertEquals(List.of(PodTopologySpread.ERR_REASON_CONSTRAINTS_NOT_MATCH), s.reasons());
    if (code == Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE) {
      assertEquals(List.of("node(s) didn't match pod topology spread constraints (missing required label)"), s.reasons());
    }
  }

  @Test
  void scheduleAnywayConstraintsAreSkippedByTheFilter() {
    Pod p = incoming("web", null, "ScheduleAnyway");
    assertEquals(Status.Code.SKIP, new PodTopologySpread().preFilter(new CycleState(), p, PodRequests.of(p), List.of()).code());
  }

  /** An app=web pod with ScheduleAnyway constraints given as "topologyKey/maxSkew". */
  static Pod spreading(String... constraints) {
    Pod p = labelled("ns", "web");
    List<io.fabric8.kubernetes.api.model.TopologySpreadConstraint> cs = new ArrayList<>();
    for (String c : constraints) {
      int slash = c.lastIndexOf('/');
      cs.add(new TopologySpreadConstraintBuilder().withTopologyKey(c.substring(0, slash)).withMaxSkew(Integer.parseInt(c.substring(slash + 1)))
          .withWhenUnsatisfiable("ScheduleAnyway")
          .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build()).build());
    }
    p.getSpec().setTopologySpreadConstraints(cs);
    return p;
  }

  static Stream<Arguments> scoreCases() {
    return Stream.of(
        // 3 zones: weight ln(5); raw 3, 0, 2 normalise to 100 * (max + min - s) / max.
        Arguments.of("the emptier zone scores higher", spreading("zone/1"),
            cluster("n1:a:2", "n2:b:0", "n3:c:1"), Map.of("n1", 0L, "n2", 100L, "n3", 33L)),
        Arguments.of("a zone counts the pods of all its nodes", spreading("zone/1"),
            cluster("n1:a:1", "n2:a:1", "n3:b:1"), Map.of("n1", 33L, "n2", 33L, "n3", 100L)),
        Arguments.of("hostname spreading counts the node's own pods", spreading("kubernetes.io/hostname/1"),
            cluster("n1:a:2", "n2:a:0", "n3:b:1"), Map.of("n1", 0L, "n2", 100L, "n3", 33L)),
        // maxSkew 3 adds 2 to every raw score (5 and 2 instead of 3 and 0): the gap shrinks.
        Arguments.of("a larger maxSkew tolerates more skew", spreading("zone/3"),
            cluster("n1:a:2", "n2:b:0"), Map.of("n1", 40L, "n2", 100L)),
        // n1: 1 x ln(4) for zone a + 1 x ln(5) for itself = 3; n2: zone a only, 1; n3: 0.
        Arguments.of("zone and hostname constraints add up", spreading("zone/1", "kubernetes.io/hostname/1"),
            cluster("n1:a:1", "n2:a:0", "n3:b:0"), Map.of("n1", 0L, "n2", 66L, "n3", 100L)),
        Arguments.of("nodes without the key score 0 and are left out", spreading("zone/1"),
            cluster("n1:a:1", "n2:b:0", "n3::0"), Map.of("n1", 0L, "n2", 100L, "n3", 0L)),
        Arguments.of("all-zero scores all get the maximum", spreading("zone/1"),
            cluster("n1:a:0", "n2:b:0"), Map.of("n1", 100L, "n2", 100L)),
        Arguments.of("equal scores all get the maximum", spreading("zone/1"),
            cluster("n1:a:1", "n2:b:1"), Map.of("n1", 100L, "n2", 100L)),
        Arguments.of("pods of other namespaces do not count", spreading("zone/1"),
            cluster("n1:a:0+3ns2", "n2:b:1"), Map.of("n1", 100L, "n2", 0L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scoreCases")
  void score(String name, Pod pod, List<NodeInfo> nodes, Map<String, Long> want) {
    assertEquals(want, InterPodAffinityTest.scores(new PodTopologySpread(), pod, nodes, nodes));
  }

  @Test
  void domainsComeFromFeasibleNodesAndCountsFromAllEligibleOnes() {
    Pod p = spreading("zone/1");
    p.getSpec().setNodeSelector(Map.of("disk", "ssd"));
    // n3 is infeasible but in zone a, so a counts 2 (raw 3 against b's 1); n4 is in zone a too but
    // outside the nodeSelector (nodeAffinityPolicy Honor): counting it would give n1 10, not 33.
    List<NodeInfo> all = cluster("n1:a:0:ssd", "n2:b:1:ssd", "n3:a:2:ssd", "n4:a:5:hdd");
    assertEquals(Map.of("n1", 33L, "n2", 100L), InterPodAffinityTest.scores(new PodTopologySpread(), p, all, all.subList(0, 2)));
  }

  @Test
  void podsWithoutScheduleAnywayConstraintsSkipScoring() {
    Pod p = incoming("web", null, "DoNotSchedule");
    assertEquals(Status.Code.SKIP, new PodTopologySpread().preScore(new CycleState(), p, cluster("n1:a:0")).code());
    assertEquals(Status.Code.SKIP, new PodTopologySpread().preScore(new CycleState(), labelled("ns", "web"), cluster("n1:a:0")).code());
  }

  /** The default profile places six pods of one ScheduleAnyway zone constraint 2/2/2, whatever the node counts per zone. */
  @Test
  void defaultProfileSpreadsScheduleAnywayPodsEvenlyOverZones() throws Exception {
    Framework fwk = Profiles.defaultProfile(null, (pod, node, victims) -> {
    });
    List<NodeInfo> nodes = cluster("a1:a:0", "a2:a:0", "a3:a:0", "b1:b:0", "c1:c:0");
    for (NodeInfo n : nodes) n.node().getStatus().setAllocatable(Fixtures.res("cpu=64,memory=256Gi,pods=110"));
    Algorithm algorithm = new Algorithm(new Random(7));
    Map<String, Integer> perZone = new TreeMap<>();
    for (int i = 0; i < 6; i++) {
      Pod p = spreading("zone/1");
      String chosen = algorithm.schedule(fwk, new CycleState(), p, nodes).node();
      NodeInfo n = nodes.stream().filter(x -> x.name().equals(chosen)).findFirst().orElseThrow();
      n.addPod(new NodeInfo.PodInfo(p, PodRequests.of(p)));
      perZone.merge(n.node().getMetadata().getLabels().get("zone"), 1, Integer::sum);
    }
    assertEquals(Map.of("a", 2, "b", 2, "c", 2), perZone);
  }
}
