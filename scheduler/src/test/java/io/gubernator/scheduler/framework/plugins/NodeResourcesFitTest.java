package io.gubernator.scheduler.framework.plugins;

import static io.gubernator.scheduler.framework.plugins.Fixtures.node;
import static io.gubernator.scheduler.framework.plugins.Fixtures.nodeInfo;
import static io.gubernator.scheduler.framework.plugins.Fixtures.pod;
import static io.gubernator.scheduler.framework.plugins.Fixtures.res;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.noderesources.BalancedAllocation;
import io.gubernator.scheduler.framework.plugins.noderesources.Fit;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeResourcesFitTest {

  static final String NODE = "cpu=10,memory=20,pods=32,ephemeral-storage=20,example.com/gpu=2";

  static Pod withInit(Pod p, String... inits) {
    int i = 0;
    for (String r : inits) {
      p.getSpec().getInitContainers().add(new ContainerBuilder().withName("init" + i++).withImage("i")
          .withNewResources().withRequests(res(r)).endResources().build());
    }
    return p;
  }

  static Stream<Arguments> cases() {
    Pod overhead = pod("cpu=1");
    overhead.getSpec().setOverhead(res("cpu=3"));
    Pod sidecar = withInit(pod("cpu=3"), "cpu=1");
    sidecar.getSpec().getInitContainers().get(0).setRestartPolicy("Always");
    return Stream.of(
        Arguments.of("no resources requested always fits", pod(""), List.of(pod("cpu=10,memory=20")), List.of()),
        Arguments.of("too many resources fails on cpu and memory", pod("cpu=1,memory=1"), List.of(pod("cpu=10,memory=20")),
            List.of("Insufficient cpu", "Insufficient memory")),
        Arguments.of("fits on a partly used node", pod("cpu=1,memory=1"), List.of(pod("cpu=5,memory=5")), List.of()),
        Arguments.of("sum of containers counts", pod("cpu=3", "cpu=3"), List.of(pod("cpu=5")), List.of("Insufficient cpu")),
        Arguments.of("init container larger than the containers decides", withInit(pod("cpu=1"), "cpu=6"),
            List.of(pod("cpu=5")), List.of("Insufficient cpu")),
        Arguments.of("init container smaller than the containers does not add", withInit(pod("cpu=5"), "cpu=3"),
            List.of(pod("cpu=5")), List.of()),
        Arguments.of("sidecar init container adds to the containers", sidecar, List.of(pod("cpu=7")), List.of("Insufficient cpu")),
        Arguments.of("overhead is added", overhead, List.of(pod("cpu=7")), List.of("Insufficient cpu")),
        Arguments.of("ephemeral storage", pod("ephemeral-storage=11"), List.of(pod("ephemeral-storage=10")),
            List.of("Insufficient ephemeral-storage")),
        Arguments.of("extended resource", pod("example.com/gpu=1"), List.of(pod("example.com/gpu=2")),
            List.of("Insufficient example.com/gpu")),
        Arguments.of("extended resource the node lacks", pod("example.com/fpga=1"), List.of(), List.of("Insufficient example.com/fpga")),
        Arguments.of("pod count", pod(""), java.util.Collections.nCopies(32, pod("")), List.of("Too many pods")),
        Arguments.of("pod count and cpu", pod("cpu=1"), java.util.Collections.nCopies(32, pod("cpu=0.5")),
            List.of("Too many pods", "Insufficient cpu")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void filter(String name, Pod pod, List<Pod> existing, List<String> reasons) {
    NodeInfo n = nodeInfo(node("n", NODE), existing.toArray(Pod[]::new));
    Fit fit = new Fit();
    CycleState state = new CycleState();
    assertEquals(Status.Code.SUCCESS, fit.preFilter(state, pod, PodRequests.of(pod), List.of()).code());
    Status s = fit.filter(state, pod, n);
    assertEquals(reasons, s.reasons());
    assertEquals(reasons.isEmpty() ? Status.Code.SUCCESS : Status.Code.UNSCHEDULABLE, s.code());
  }

  @Test
  void leastAllocatedPrefersEmptierNodes() {
    Pod p = pod("cpu=1,memory=1Gi");
    CycleState state = new CycleState();
    Fit fit = new Fit();
    fit.preFilter(state, p, PodRequests.of(p), List.of());
    NodeInfo empty = nodeInfo(node("a", "cpu=4,memory=4Gi,pods=110"));
    NodeInfo busy = nodeInfo(node("b", "cpu=4,memory=4Gi,pods=110"), pod("cpu=2,memory=2Gi"));
    // (4-1)/4 = 75 for both resources on the empty node; (4-3)/4 = 25 on the busy one.
    assertEquals(75, fit.score(state, p, empty));
    assertEquals(25, fit.score(state, p, busy));
  }

  @Test
  void balancedAllocationPrefersEvenUse() {
    Pod p = pod("cpu=1,memory=1Gi");
    BalancedAllocation b = new BalancedAllocation();
    NodeInfo even = nodeInfo(node("a", "cpu=4,memory=4Gi,pods=110"));
    NodeInfo skewed = nodeInfo(node("b", "cpu=4,memory=4Gi,pods=110"), pod("cpu=2,memory=0"));
    assertEquals(100, b.score(new CycleState(), p, even));
    // cpu 3/4, memory 1/4 (the memory request is explicitly zero, so no 200Mi default): 100 * (1 - 0.25).
    assertEquals(75, b.score(new CycleState(), p, skewed));
  }

  @Test
  void requestsDefaultCpuAndMemoryForScoringOnly() {
    PodRequests r = PodRequests.of(pod(""));
    assertEquals(0, r.requests().milliCpu);
    assertEquals(PodRequests.DEFAULT_MILLI_CPU, r.nonZeroMilliCpu());
    assertEquals(PodRequests.DEFAULT_MEMORY, r.nonZeroMemory());
  }
}
