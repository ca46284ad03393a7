package io.gubernator.scheduler;

import static io.gubernator.scheduler.SchedulerIntegrationTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A cluster of exactly three nodes, so the whole FailedScheduling message can be compared. */
class FailureMessageIntegrationTest {

  @Test
  void failedSchedulingEventAndConditionCarryTheKubernetesMessage() throws Exception {
    Path dir = Files.createTempDirectory("gubernator-scheduler-msg");
    try (ClusterFixture cluster = ClusterFixture.start(dir)) {
      KubernetesClient client = cluster.client();
      client.nodes().resource(node("small", "1", Map.of())).create();
      for (String name : List.of("t1", "t2")) {
        Node n = node(name, "8", Map.of());
        n.getSpec().setTaints(List.of(new TaintBuilder().withKey("key").withValue("value").withEffect("NoSchedule").build()));
        client.nodes().resource(n).create();
      }
      client.pods().inNamespace("default").resource(SchedulerIntegrationTest.pod("big", "2", null)).create();
      String expected = "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {key: value}. "
          + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
          + "2 Preemption is not helpful for scheduling.";
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      Event event = null;
      PodCondition condition = null;
      while (System.nanoTime() < deadline && (event == null || condition == null)) {
        event = client.v1().events().inNamespace("default").list().getItems().stream()
            .filter(e -> "big".equals(e.getInvolvedObject().getName()) && "FailedScheduling".equals(e.getReason())).findFirst().orElse(null);
        Pod p = client.pods().inNamespace("default").withName("big").get();
        condition = p.getStatus() == null || p.getStatus().getConditions() == null ? null : p.getStatus().getConditions().stream()
            .filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
        Thread.sleep(50);
      }
      if (event == null || condition == null) throw new AssertionError("no FailedScheduling event or PodScheduled condition");
      assertEquals(expected, event.getMessage());
      assertEquals("Warning", event.getType());
      assertEquals("default-scheduler", event.getSource().getComponent());
      assertEquals("False", condition.getStatus());
      assertEquals("Unschedulable", condition.getReason());
      assertEquals(expected, condition.getMessage());
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
