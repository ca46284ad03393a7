package io.gubernator.scheduler.framework.plugins;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.nodeports.NodePorts;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodePortsTest {

  /** "ip/proto/port" */
  static Pod withPort(String spec) {
    Pod p = pod("");
    if (spec == null) return p;
    String[] s = spec.split("/");
    p.getSpec().getContainers().get(0).setPorts(java.util.List.of(new ContainerPortBuilder().withHostIP(s[0].isEmpty() ? null : s[0])
        .withProtocol(s[1]).withContainerPort(80).withHostPort(Integer.parseInt(s[2])).build()));
    return p;
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("no host ports", null, "/TCP/80", true),
        Arguments.of("different ports", "/TCP/8080", "/TCP/80", true),
        Arguments.of("same port and protocol", "/TCP/80", "/TCP/80", false),
        Arguments.of("same port, other protocol", "/UDP/80", "/TCP/80", true),
        Arguments.of("distinct host IPs", "10.0.0.1/TCP/80", "10.0.0.2/TCP/80", true),
        Arguments.of("wildcard host IP overlaps a specific one", "/TCP/80", "10.0.0.2/TCP/80", false),
        Arguments.of("specific host IP overlaps the wildcard", "10.0.0.1/TCP/80", "0.0.0.0/TCP/80", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void filter(String name, String wanted, String used, boolean fits) {
    Pod p = withPort(wanted);
    NodePorts np = new NodePorts();
    CycleState state = new CycleState();
    Status pre = np.preFilter(state, p, PodRequests.of(p), java.util.List.of());
    if (wanted == null) {
      assertEquals(Status.Code.SKIP, pre.code());
      return;
    }
    Status s = np.filter(state, p, nodeInfo(node("n", "pods=10"), withPort(used)));
    assertEquals(fits ? Status.Code.SUCCESS : Status.Code.UNSCHEDULABLE, s.code());
    if (!fits) assertEquals(java.util.List.of(NodePorts.ERR_REASON), s.reasons());
  }
}
