package io.gubernator.scheduler;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.plugins.defaultpreemption.DefaultPreemption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AlgorithmTest {

  final List<String> preempted = new java.util.ArrayList<>();
  final Framework fwk = Profiles.defaultProfile(null,
      (pod, node, victims) -> preempted.add(node + ":" + victims.stream().map(v -> v.getMetadata().getName()).sorted().toList()));

  static Node tainted(String name) {
    Node n = node(name, "cpu=8,memory=8Gi,pods=110");
    n.getSpec().setTaints(List.of(new TaintBuilder().withKey("key").withValue("value").withEffect("NoSchedule").build()));
    return n;
  }

  @Test
  void failureMessageReadsAsKubernetes() {
    List<NodeInfo> nodes = List.of(nodeInfo(node("small", "cpu=1,memory=8Gi,pods=110")), nodeInfo(tainted("t1")), nodeInfo(tainted("t2")));
    Algorithm.FitException e = assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), pod("cpu=2"), nodes));
    // The resource failure could be solved by evicting lower-priority pods, but there are none;
    // the taint failures cannot be solved by preemption at all (upstream's wording for both).
    assertEquals("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {key: value}. "
        + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
        + "2 Preemption is not helpful for scheduling.", e.getMessage());
  }

  @Test
  void preemptionPolicyNeverAndNoNodes() {
    Pod p = pod("cpu=2");
    p.getSpec().setPreemptionPolicy("Never");
    Algorithm.FitException e = assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), p, List.of(nodeInfo(node("small", "cpu=1,pods=110")))));
    assertEquals("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.", e.getMessage());
    e = assertThrows(Algorithm.FitException.class, () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), p, List.of()));
    assertEquals("no nodes available to schedule pods", e.getMessage());
  }

  @Test
  void picksTheLeastAllocatedNode() throws Exception {
    List<NodeInfo> nodes = List.of(nodeInfo(node("busy", "cpu=4,memory=4Gi,pods=110"), pod("cpu=3,memory=3Gi")),
        nodeInfo(node("idle", "cpu=4,memory=4Gi,pods=110")));
    assertEquals("idle", new Algorithm(new Random(1)).schedule(fwk, new CycleState(), pod("cpu=1,memory=1Gi"), nodes).node());
  }

  @Test
  void tiesAreBrokenRandomlyAcrossAllEqualNodes() throws Exception {
    List<NodeInfo> nodes = List.of(nodeInfo(node("a", "cpu=4,memory=4Gi,pods=110")), nodeInfo(node("b", "cpu=4,memory=4Gi,pods=110")),
        nodeInfo(node("c", "cpu=4,memory=4Gi,pods=110")));
    Algorithm a = new Algorithm(new Random(7));
    Map<String, Integer> wins = new HashMap<>();
    for (int i = 0; i < 300; i++) wins.merge(a.schedule(fwk, new CycleState(), pod("cpu=1"), nodes).node(), 1, Integer::sum);
    assertEquals(3, wins.size(), wins.toString());
    wins.values().forEach(w -> assertEquals(100, w, 40, wins.toString()));
  }

  @Test
  void feasibleNodesToFindFollowsUpstream() {
    assertEquals(50, Algorithm.numFeasibleNodesToFind(50));
    assertEquals(100, Algorithm.numFeasibleNodesToFind(150));
    assertEquals(420, Algorithm.numFeasibleNodesToFind(1000)); // 42%
    assertEquals(500, Algorithm.numFeasibleNodesToFind(5000)); // 10%
    assertEquals(1000, Algorithm.numFeasibleNodesToFind(20000)); // at least 5%
  }

  static Pod named(String name, int priority, String requests) {
    Pod p = pod(requests);
    p.getMetadata().setName(name);
    p.getSpec().setPriority(priority);
    return p;
  }

  @Test
  void preemptsTheLeastImportantVictimsOnTheBestNode() {
    // n1 would lose a priority-5 pod; n2 only priority-1 pods, and of those just enough for 2 cpu.
    List<NodeInfo> nodes = List.of(
        nodeInfo(node("n1", "cpu=4,memory=8Gi,pods=110"), named("mid", 5, "cpu=4")),
        nodeInfo(node("n2", "cpu=4,memory=8Gi,pods=110"), named("a", 1, "cpu=1"), named("b", 1, "cpu=1"), named("c", 1, "cpu=2")),
        nodeInfo(node("n3", "cpu=4,memory=8Gi,pods=110"), named("high", 100, "cpu=4")));
    Algorithm.FitException e = assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), named("pre", 10, "cpu=2"), nodes));
    // n2's lowest victim priority (1) beats n1's (5). On n2 all three go, then a and b are
    // reprieved in turn (2 cpu still free), c is not: the only victim is c.
    assertEquals(List.of("n2:[c]"), preempted);
    assertEquals("0/3 nodes are available: 3 Insufficient cpu.", e.getMessage());
  }

  @Test
  void theDryRunStopsOnceItHasEnoughCandidatesAsUpstream() {
    assertEquals(50, DefaultPreemption.numCandidates(50));
    assertEquals(100, DefaultPreemption.numCandidates(300));
    assertEquals(500, DefaultPreemption.numCandidates(5000));
    // 300 full nodes; on node i the only pod has priority i, so the best victim overall is on n1.
    // Looking at 100 nodes from a random one on, the pick is the best of those 100 consecutive
    // nodes: never worse than n201, and mostly not n1.
    List<NodeInfo> nodes = new java.util.ArrayList<>();
    for (int i = 1; i <= 300; i++) nodes.add(nodeInfo(node("n" + i, "cpu=4,memory=8Gi,pods=110"), named("v" + i, i, "cpu=4")));
    java.util.Set<String> picked = new java.util.HashSet<>();
    for (int run = 0; run < 30; run++) {
      preempted.clear();
      assertThrows(Algorithm.FitException.class,
          () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), named("pre", 1000, "cpu=2"), nodes));
      String node = preempted.getFirst().substring(0, preempted.getFirst().indexOf(':'));
      assertEquals(true, Integer.parseInt(node.substring(1)) <= 201, node);
      picked.add(node);
    }
    assertEquals(true, picked.size() > 1, "picked " + picked);
  }

  @Test
  void aPodWhosePreemptionIsStillUnderWayDoesNotPreemptAgain() {
    List<String> calls = new java.util.ArrayList<>();
    Framework busy = Profiles.defaultProfile(null, new DefaultPreemption.Preemptor() {
      @Override
      public void preempt(Pod pod, String node, List<Pod> victims) {
        calls.add(node);
      }

      @Override
      public boolean inFlight(Pod pod) {
        return true;
      }
    });
    List<NodeInfo> nodes = List.of(nodeInfo(node("n1", "cpu=4,memory=8Gi,pods=110"), named("low", 1, "cpu=4")));
    Algorithm.FitException e = assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(busy, new CycleState(), named("pre", 10, "cpu=2"), nodes));
    assertEquals(List.of(), calls);
    assertEquals("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.",
        e.getMessage());
  }

  static PodDisruptionBudget budget(String app, int allowed, String... disrupted) {
    Map<String, String> pending = new HashMap<>();
    for (String d : disrupted) pending.put(d, "2026-01-01T00:00:00Z");
    return new PodDisruptionBudgetBuilder().withNewMetadata().withName(app).withNamespace("ns").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", app).endSelector().endSpec()
        .withNewStatus().withDisruptionsAllowed(allowed).withDisruptedPods(pending).endStatus().build();
  }

  static Pod labelled(String name, int priority, String requests, String app) {
    Pod p = named(name, priority, requests);
    p.getMetadata().setLabels(Map.of("app", app));
    return p;
  }

  @Test
  void preemptionAvoidsVictimsWhoseBudgetCannotAffordThem() {
    // Without budgets n1 loses (its victim has the lower priority); its victim's budget allows no disruption.
    List<NodeInfo> nodes = List.of(
        nodeInfo(node("n1", "cpu=4,memory=8Gi,pods=110"), labelled("guarded", 1, "cpu=4", "guarded")),
        nodeInfo(node("n2", "cpu=4,memory=8Gi,pods=110"), labelled("free", 2, "cpu=4", "free")));
    List<PodDisruptionBudget> budgets = new java.util.ArrayList<>(List.of(budget("guarded", 0)));
    Framework withBudgets = Profiles.defaultProfile(null,
        (pod, node, victims) -> preempted.add(node + ":" + victims.stream().map(v -> v.getMetadata().getName()).sorted().toList()),
        () -> budgets);
    assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(withBudgets, new CycleState(), named("pre", 10, "cpu=2"), nodes));
    assertEquals(List.of("n2:[free]"), preempted);

    // A victim the API server already evicted costs its budget nothing.
    budgets.set(0, budget("guarded", 0, "guarded"));
    assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(withBudgets, new CycleState(), named("pre", 10, "cpu=2"), nodes));
    assertEquals(List.of("n2:[free]", "n1:[guarded]"), preempted);
  }

  @Test
  void eachVictimTakesOneOfItsBudgetsDisruptions() {
    List<NodeInfo.PodInfo> pods = List.of(labelled("a", 1, "cpu=1", "web"), labelled("b", 1, "cpu=1", "web"), named("c", 1, "cpu=1"))
        .stream().map(p -> new NodeInfo.PodInfo(p, io.gubernator.scheduler.framework.PodRequests.of(p))).toList();
    List<NodeInfo.PodInfo> violating = new java.util.ArrayList<>();
    List<NodeInfo.PodInfo> nonViolating = new java.util.ArrayList<>();
    DefaultPreemption.splitByBudgets(pods, List.of(budget("web", 1)), violating, nonViolating);
    assertEquals(List.of("b"), violating.stream().map(p -> p.pod().getMetadata().getName()).toList());
    assertEquals(List.of("a", "c"), nonViolating.stream().map(p -> p.pod().getMetadata().getName()).toList());
  }

  @Test
  void noPreemptionWhenOnlyEqualOrHigherPriorityPodsRun() {
    List<NodeInfo> nodes = List.of(nodeInfo(node("n1", "cpu=4,memory=8Gi,pods=110"), named("same", 10, "cpu=4")));
    Algorithm.FitException e = assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), named("pre", 10, "cpu=2"), nodes));
    assertEquals(List.of(), preempted);
    assertEquals("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        + "1 No preemption victims found for incoming pod.", e.getMessage());
  }

  @Test
  void roomNominatedToAPodOfHigherOrEqualPriorityIsNotTaken() throws Exception {
    List<NodeInfo> nodes = List.of(nodeInfo(node("n1", "cpu=4,memory=8Gi,pods=110")), nodeInfo(node("n2", "cpu=4,memory=8Gi,pods=110")));
    Pod preemptor = named("preemptor", 10, "cpu=3");
    Map<String, List<NodeInfo.PodInfo>> nominated = Map.of("n1",
        List.of(new NodeInfo.PodInfo(preemptor, io.gubernator.scheduler.framework.PodRequests.of(preemptor))));
    Algorithm a = new Algorithm(new Random(1));
    for (int i = 0; i < 20; i++) {
      assertEquals("n2", a.schedule(fwk, new CycleState(), named("low", 0, "cpu=2"), nodes, nominated).node());
    }
    // A pod of higher priority than the nominated one may take it (it would preempt it anyway).
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 40; i++) seen.add(a.schedule(fwk, new CycleState(), named("high", 20, "cpu=2"), nodes, nominated).node());
    assertEquals(java.util.Set.of("n1", "n2"), seen);
    // The nominated pod itself is not counted twice.
    assertEquals("n1", a.schedule(fwk, new CycleState(), preemptor, List.of(nodes.get(0)), nominated).node());
  }

  @Test
  void preemptionCountsThePodsAlreadyNominatedToANode() {
    // "first" (priority 10) preempted on n1 and its victim is gone; "second" (also 10) must not
    // take n1 as a candidate without victims: with "first" counted, even evicting "low" leaves no room.
    List<NodeInfo> nodes = List.of(nodeInfo(node("n1", "cpu=4,memory=8Gi,pods=110"), named("low", 0, "cpu=1")),
        nodeInfo(node("n2", "cpu=4,memory=8Gi,pods=110"), named("same", 10, "cpu=4")));
    Pod first = named("first", 10, "cpu=3");
    Map<String, List<NodeInfo.PodInfo>> nominated = Map.of("n1",
        List.of(new NodeInfo.PodInfo(first, io.gubernator.scheduler.framework.PodRequests.of(first))));
    Algorithm.FitException e = assertThrows(Algorithm.FitException.class,
        () -> new Algorithm(new Random(1)).schedule(fwk, new CycleState(), named("second", 10, "cpu=3"), nodes, nominated));
    assertEquals(List.of(), preempted);
    assertEquals("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        + "1 Insufficient cpu, 1 No preemption victims found for incoming pod.", e.getMessage());
  }
}
