package io.gubernator.scheduler.framework.plugins;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import io.gubernator.scheduler.framework.plugins.nodename.NodeName;
import io.gubernator.scheduler.framework.plugins.nodeunschedulable.NodeUnschedulable;
import io.gubernator.scheduler.framework.plugins.tainttoleration.TaintToleration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** NodeName, NodeUnschedulable, NodeAffinity and TaintToleration over named cases. */
class NodePluginsTest {

  static Node labelled(Map<String, String> labels) {
    Node n = node("n1", "cpu=1,pods=10");
    n.getMetadata().setLabels(labels);
    return n;
  }

  static Pod withNodeName(String name) {
    Pod p = pod("");
    p.getSpec().setNodeName(name);
    return p;
  }

  static Stream<Arguments> nodeName() {
    return Stream.of(
        Arguments.of("no node name", withNodeName(null), Status.Code.SUCCESS),
        Arguments.of("matching name", withNodeName("n1"), Status.Code.SUCCESS),
        Arguments.of("other name", withNodeName("n2"), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nodeName")
  void nodeNameFilter(String name, Pod pod, Status.Code code) {
    Status s = new NodeName().filter(new CycleState(), pod, nodeInfo(node("n1", "pods=1")));
    assertEquals(code, s.code());
    if (code != Status.Code.SUCCESS) assertEquals(List.of("node(s) didn't match the requested node name"), s.reasons());
  }

  static Toleration toleration(String key, String op, String value, String effect) {
    return new TolerationBuilder().withKey(key).withOperator(op).withValue(value).withEffect(effect).build();
  }

  static Stream<Arguments> unschedulable() {
    return Stream.of(
        Arguments.of("schedulable node", false, List.of(), Status.Code.SUCCESS),
        Arguments.of("cordoned node", true, List.of(), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE),
        Arguments.of("cordoned node, pod tolerates the unschedulable taint", true,
            List.of(toleration("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule")), Status.Code.SUCCESS),
        Arguments.of("cordoned node, pod tolerates everything", true, List.of(toleration(null, "Exists", null, null)), Status.Code.SUCCESS),
        Arguments.of("cordoned node, toleration for another effect", true,
            List.of(toleration("node.kubernetes.io/unschedulable", "Exists", null, "NoExecute")), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unschedulable")
  void nodeUnschedulableFilter(String name, boolean cordoned, List<Toleration> tolerations, Status.Code code) {
    Node n = node("n1", "pods=1");
    n.getSpec().setUnschedulable(cordoned);
    Pod p = pod("");
    p.getSpec().setTolerations(tolerations);
    Status s = new NodeUnschedulable().filter(new CycleState(), p, nodeInfo(n));
    assertEquals(code, s.code());
    if (code != Status.Code.SUCCESS) assertEquals(List.of("node(s) were unschedulable"), s.reasons());
  }

  static Pod affinity(Map<String, String> selector, String key, String op, String... values) {
    Pod p = pod("");
    p.getSpec().setNodeSelector(selector);
    if (key != null) {
      p.getSpec().setAffinity(new AffinityBuilder().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
          .addToNodeSelectorTerms(new NodeSelectorTermBuilder().addToMatchExpressions(new NodeSelectorRequirementBuilder()
              .withKey(key).withOperator(op).withValues(values).build()).build())
          .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
    }
    return p;
  }

  static Stream<Arguments> nodeAffinity() {
    Map<String, String> labels = Map.of("zone", "a", "gen", "5");
    return Stream.of(
        Arguments.of("no constraints", affinity(null, null, null), labels, true),
        Arguments.of("nodeSelector matches", affinity(Map.of("zone", "a"), null, null), labels, true),
        Arguments.of("nodeSelector value differs", affinity(Map.of("zone", "b"), null, null), labels, false),
        Arguments.of("nodeSelector label missing", affinity(Map.of("disk", "ssd"), null, null), labels, false),
        Arguments.of("In matches", affinity(null, "zone", "In", "a", "b"), labels, true),
        Arguments.of("In does not match", affinity(null, "zone", "In", "c"), labels, false),
        Arguments.of("NotIn on missing label matches", affinity(null, "disk", "NotIn", "hdd"), labels, true),
        Arguments.of("Exists", affinity(null, "zone", "Exists"), labels, true),
        Arguments.of("DoesNotExist", affinity(null, "zone", "DoesNotExist"), labels, false),
        Arguments.of("Gt", affinity(null, "gen", "Gt", "4"), labels, true),
        Arguments.of("Lt", affinity(null, "gen", "Lt", "5"), labels, false),
        Arguments.of("nodeSelector and affinity must both hold", affinity(Map.of("zone", "b"), "zone", "In", "a"), labels, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nodeAffinity")
  void nodeAffinityFilter(String name, Pod pod, Map<String, String> labels, boolean fits) {
    Status s = new NodeAffinity().filter(new CycleState(), pod, nodeInfo(labelled(labels)));
    assertEquals(fits ? Status.Code.SUCCESS : Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, s.code());
    if (!fits) assertEquals(List.of("node(s) didn't match Pod's node affinity/selector"), s.reasons());
  }

  @Test
  void nodeAffinityScoresPreferredTermsNormalised() {
    Pod p = new io.fabric8.kubernetes.api.model.PodBuilder(pod("")).editSpec().withNewAffinity().withNewNodeAffinity()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(2).withNewPreference()
        .addToMatchExpressions(new NodeSelectorRequirementBuilder().withKey("zone").withOperator("In").withValues("a").build())
        .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(6).withNewPreference()
        .addToMatchExpressions(new NodeSelectorRequirementBuilder().withKey("disk").withOperator("Exists").build())
        .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity().endAffinity().endSpec().build();
    NodeAffinity a = new NodeAffinity();
    long[] scores = {
        a.score(null, p, nodeInfo(labelled(Map.of("zone", "a")))),
        a.score(null, p, nodeInfo(labelled(Map.of("zone", "a", "disk", "ssd")))),
        a.score(null, p, nodeInfo(labelled(Map.of())))};
    assertArrayEquals(new long[] {2, 8, 0}, scores);
    a.normalizeScore(null, p, scores);
    assertArrayEquals(new long[] {25, 100, 0}, scores);
  }

  static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }

  static Stream<Arguments> taints() {
    return Stream.of(
        Arguments.of("no taints", List.of(), List.of(), null),
        Arguments.of("NoSchedule not tolerated", List.of(taint("dedicated", "gpu", "NoSchedule")), List.of(),
            "node(s) had untolerated taint {dedicated: gpu}"),
        Arguments.of("NoExecute not tolerated", List.of(taint("dedicated", "gpu", "NoExecute")), List.of(),
            "node(s) had untolerated taint {dedicated: gpu}"),
        Arguments.of("PreferNoSchedule does not filter", List.of(taint("dedicated", "gpu", "PreferNoSchedule")), List.of(), null),
        Arguments.of("Equal toleration", List.of(taint("dedicated", "gpu", "NoSchedule")),
            List.of(toleration("dedicated", "Equal", "gpu", "NoSchedule")), null),
        Arguments.of("Equal toleration with another value", List.of(taint("dedicated", "gpu", "NoSchedule")),
            List.of(toleration("dedicated", "Equal", "cpu", "NoSchedule")), "node(s) had untolerated taint {dedicated: gpu}"),
        Arguments.of("Exists toleration with empty effect", List.of(taint("dedicated", "gpu", "NoExecute")),
            List.of(toleration("dedicated", "Exists", null, null)), null),
        Arguments.of("first untolerated taint names the failure",
            List.of(taint("a", "1", "NoSchedule"), taint("b", null, "NoSchedule")),
            List.of(toleration("a", "Exists", null, null)), "node(s) had untolerated taint {b: }"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("taints")
  void taintTolerationFilter(String name, List<Taint> taints, List<Toleration> tolerations, String reason) {
    Node n = node("n1", "pods=1");
    n.getSpec().setTaints(taints);
    Pod p = pod("");
    p.getSpec().setTolerations(tolerations);
    Status s = new TaintToleration().filter(new CycleState(), p, nodeInfo(n));
    if (reason == null) {
      assertEquals(Status.Code.SUCCESS, s.code());
    } else {
      assertEquals(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, s.code());
      assertEquals(List.of(reason), s.reasons());
    }
  }

  @Test
  void taintTolerationScoresFewerIntolerablePreferNoScheduleHigher() {
    TaintToleration t = new TaintToleration();
    Pod p = pod("");
    p.getSpec().setTolerations(List.of(toleration("ok", "Exists", null, "PreferNoSchedule")));
    Node clean = node("a", "pods=1");
    Node one = node("b", "pods=1");
    one.getSpec().setTaints(List.of(taint("x", "1", "PreferNoSchedule"), taint("ok", "1", "PreferNoSchedule")));
    Node two = node("c", "pods=1");
    two.getSpec().setTaints(List.of(taint("x", "1", "PreferNoSchedule"), taint("y", "1", "PreferNoSchedule")));
    long[] scores = {t.score(null, p, nodeInfo(clean)), t.score(null, p, nodeInfo(one)), t.score(null, p, nodeInfo(two))};
    assertArrayEquals(new long[] {0, 1, 2}, scores);
    t.normalizeScore(null, p, scores);
    assertArrayEquals(new long[] {100, 50, 0}, scores);
  }

  @Test
  void defaultNormalizeWithAllZeroScores() {
    long[] s = {0, 0};
    Plugin.defaultNormalize(s, true);
    assertArrayEquals(new long[] {100, 100}, s);
  }
}
