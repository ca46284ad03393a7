package io.gubernator.scheduler;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.Pod;
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

  @Test
  void snapshotListsNodesWithAffinityPodsAsTheyComeAndGo() {
    Cache c = new Cache();
    c.addOrUpdateNode(node("a", "cpu=4,pods=10"));
    c.addOrUpdateNode(node("b", "cpu=4,pods=10"));
    Cache.Snapshot s = new Cache.Snapshot();
    c.updateSnapshot(s);
    assertEquals(0, s.lists().havePodsWithAffinity().size());
    assertSame(s.nodes(), s.lists().all());

    Pod anti = pod("cpu=1");
    anti.getSpec().setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder().withNewPodAntiAffinity()
        .addNewRequiredDuringSchedulingIgnoredDuringExecution().withTopologyKey("zone").endRequiredDuringSchedulingIgnoredDuringExecution()
        .endPodAntiAffinity().build());
    c.assume(anti, "b");
    c.updateSnapshot(s);
    assertEquals(java.util.List.of("b"), s.lists().havePodsWithAffinity().stream().map(n -> n.name()).toList());
    assertEquals(java.util.List.of("b"), s.lists().havePodsWithRequiredAntiAffinity().stream().map(n -> n.name()).toList());

    c.forget(anti);
    c.updateSnapshot(s);
    assertEquals(0, s.lists().havePodsWithAffinity().size());
    assertEquals(0, s.lists().havePodsWithRequiredAntiAffinity().size());
  }
}
