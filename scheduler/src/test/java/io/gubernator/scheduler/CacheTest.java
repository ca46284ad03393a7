package io.gubernator.scheduler;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.DomainCounts;
import io.gubernator.scheduler.framework.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CacheTest {

  @Test
  void assumedPodCountsUntilForgottenAndIsConfirmedByTheInformer() {
    Cache c = new Cache();
    c.addOrUpdateNode(node("a", "cpu=4,pods=10"));
    Cache.Snapshot s = new Cache.Snapshot();
    Pod p = pod("cpu=1");
    c.assume(p, "a");
    c.updateSnapshot(s);
    assertEquals(1000, s.get("a").requested().milliCpu);
    c.forget(p);
    c.updateSnapshot(s);
    assertEquals(0, s.get("a").requested().milliCpu);

    c.assume(p, "a");
    p.getSpec().setNodeName("a");
    c.addOrUpdatePod(p); // the watch shows it bound: no double count
    c.forget(p); // a late failure report must not free a confirmed pod
    c.updateSnapshot(s);
    assertEquals(1000, s.get("a").requested().milliCpu);
    assertEquals(1, s.get("a").pods().size());
  }

  @Test
  void snapshotCopiesOnlyChangedNodesAndDropsDeletedOnes() {
    Cache c = new Cache();
    c.addOrUpdateNode(node("a", "cpu=4,pods=10"));
    c.addOrUpdateNode(node("b", "cpu=4,pods=10"));
    Cache.Snapshot s = new Cache.Snapshot();
    c.updateSnapshot(s);
    var a = s.get("a");
    var b = s.get("b");
    Pod p = pod("cpu=1");
    p.getSpec().setNodeName("b");
    c.addOrUpdatePod(p);
    c.updateSnapshot(s);
    assertSame(a, s.get("a"));
    assertNotSame(b, s.get("b"));
    c.removeNode("a");
    c.updateSnapshot(s);
    assertEquals(1, s.nodes().size());
    assertEquals("b", s.nodes().get(0).name());
  }

  /** Matching pods per zone as a fresh walk over the snapshot counts them. */
  private static Map<String, Long> walk(Cache.Snapshot s) {
    Map<String, Long> m = new TreeMap<>();
    for (NodeInfo n : s.nodes()) {
      long web = n.pods().stream().filter(p -> "web".equals(p.pod().getMetadata().getLabels().get("app"))).count();
      m.merge(n.node().getMetadata().getLabels().get("zone"), web, Long::sum);
    }
    return m;
  }

  @Test
  void domainSumsFollowTheSnapshotAsPodsComeAndGo() {
    Cache c = new Cache();
    for (String spec : List.of("a1:a", "a2:a", "b1:b", "c1:c")) {
      Node n = node(spec.split(":")[0], "cpu=4,pods=10");
      n.getMetadata().setLabels(Map.of("zone", spec.split(":")[1]));
      c.addOrUpdateNode(n);
    }
    Cache.Snapshot s = new Cache.Snapshot();
    c.updateSnapshot(s);
    assertSame(s.nodes(), s.lists().all());
    DomainCounts.Sums sums = s.lists().domainCounts().sums("web-by-zone", n -> n.node().getMetadata().getLabels().get("zone"),
        n -> n.pods().stream().filter(p -> "web".equals(p.pod().getMetadata().getLabels().get("app"))).count());
    assertEquals(3, sums.size());
    assertEquals(0, sums.min());
    Random random = new Random(3);
    List<Pod> placed = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      if (!placed.isEmpty() && random.nextInt(3) == 0) {
        c.forget(placed.remove(random.nextInt(placed.size())));
      } else {
        Pod p = pod("cpu=1");
        p.getMetadata().setUid("uid-" + i);
        p.getMetadata().setLabels(Map.of("app", random.nextBoolean() ? "web" : "db"));
        c.assume(p, List.of("a1", "a2", "b1", "c1").get(random.nextInt(4)));
        placed.add(p);
      }
      c.updateSnapshot(s);
      Map<String, Long> want = walk(s);
      for (Map.Entry<String, Long> e : want.entrySet()) assertEquals(e.getValue(), sums.matching(e.getKey()), "zone " + e.getKey());
      assertEquals(want.values().stream().mapToLong(Long::longValue).min().orElseThrow(), sums.min());
    }

    // A node coming or going rebuilds the list: the sums start over when next asked.
    c.removeNode("c1");
    c.updateSnapshot(s);
    DomainCounts.Sums after = s.lists().domainCounts().sums("web-by-zone", n -> n.node().getMetadata().getLabels().get("zone"),
        n -> n.pods().stream().filter(p -> "web".equals(p.pod().getMetadata().getLabels().get("app"))).count());
    assertEquals(2, after.size());
    assertEquals(walk(s).get("a"), after.matching("a"));
    assertEquals(0, after.matching("c"));
  }
}
