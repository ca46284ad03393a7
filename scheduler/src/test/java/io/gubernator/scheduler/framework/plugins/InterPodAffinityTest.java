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
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.interpodaffinity.InterPodAffinity;
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
    InterPodAffinity plugin = new InterPodAffinity();
    CycleState state = new CycleState();
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
}
