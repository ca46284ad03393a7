package io.gubernator.scheduler.framework.plugins;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.podtopologyspread.PodTopologySpread;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    PodTopologySpread plugin = new PodTopologySpread();
    CycleState state = new CycleState();
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
}
