package io.gubernator.kubelet.nodestatus;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeStatusSetterTest {

  /** Conditions in the kubelet's order, from statuses of MemoryPressure, DiskPressure, PIDPressure, Ready. */
  private static NodeStatus status(String memory, String disk, String pid, String ready) {
    return new NodeStatusBuilder().withConditions(condition("MemoryPressure", memory), condition("DiskPressure", disk),
        condition("PIDPressure", pid), condition("Ready", ready)).build();
  }

  private static NodeCondition condition(String type, String status) {
    return new NodeConditionBuilder().withType(type).withStatus(status).build();
  }

  static Stream<Arguments> cases() {
    NodeStatus healthy = status("False", "False", "False", "True");
    return Stream.of(
        Arguments.of("first report of a healthy node", null, healthy,
            List.of("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady")),
        Arguments.of("first report, runtime not ready yet", new NodeStatus(), status("False", "False", "False", "False"),
            List.of("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeNotReady")),
        Arguments.of("nothing changed", healthy, status("False", "False", "False", "True"), List.of()),
        Arguments.of("runtime became ready", status("False", "False", "False", "False"), healthy, List.of("NodeReady")),
        Arguments.of("runtime went down", healthy, status("False", "False", "False", "False"), List.of("NodeNotReady")),
        Arguments.of("back after the controller's Unknown", status("Unknown", "Unknown", "Unknown", "Unknown"), healthy,
            List.of("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady")),
        Arguments.of("pressure on and off", status("False", "True", "False", "True"), status("True", "False", "True", "True"),
            List.of("NodeHasInsufficientMemory", "NodeHasNoDiskPressure", "NodeHasInsufficientPID")),
        Arguments.of("disk pressure appears", healthy, status("False", "True", "False", "True"), List.of("NodeHasDiskPressure")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void conditionEventsAreRecordedForChangedConditions(String name, NodeStatus previous, NodeStatus next, List<String> reasons) {
    assertThat(NodeStatusSetter.conditionEvents(previous, next)).containsExactlyElementsOf(reasons);
  }

  @Test
  void onlyTheControllersUnknownReadyCountsAsHavingBeenGivenUpOn() {
    assertThat(NodeStatusSetter.wasUnknown(status("Unknown", "Unknown", "Unknown", "Unknown"))).isTrue();
    assertThat(NodeStatusSetter.wasUnknown(status("False", "False", "False", "Unknown"))).isTrue();
    assertThat(NodeStatusSetter.wasUnknown(status("Unknown", "False", "False", "True"))).isFalse();
    assertThat(NodeStatusSetter.wasUnknown(status("False", "False", "False", "False"))).isFalse();
    assertThat(NodeStatusSetter.wasUnknown(new NodeStatus())).isFalse();
    assertThat(NodeStatusSetter.wasUnknown(null)).isFalse();
  }
}
