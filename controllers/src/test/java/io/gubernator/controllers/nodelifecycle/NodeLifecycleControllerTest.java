package io.gubernator.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.gubernator.controllers.ClusterFixture;
import io.gubernator.controllers.ControllerManager;
import io.gubernator.scheduler.Scheduler;
import io.gubernator.testing.hollow.HollowNodeConfig;
import io.gubernator.testing.hollow.HollowNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Node lifecycle and pod GC against a real API server, two hollow nodes (Lease renewed every
 * second), the scheduler and the controller manager with a 6 s node grace period.
 */
class NodeLifecycleControllerTest {

  private static final Duration GRACE = Duration.ofSeconds(6);
  private static Path dataDir;
  private static ClusterFixture cluster;
  private static KubernetesClient client;
  private static Scheduler scheduler;
  private static HollowNodes hollow;

  @BeforeAll
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("gubernator-nodelifecycle-it");
    cluster = ClusterFixture.start(dataDir, false);
    client = cluster.client();
    cluster.startControllers(ControllerManager.Options.defaults().withNodeMonitorGracePeriod(GRACE).withTerminatedPodGcThreshold(3));
    scheduler = Scheduler.start(client);
    hollow = HollowNodes.start(client, HollowNodeConfig.defaults(2).withNamePrefix("lc-node-")
        .withTiming(Duration.ofSeconds(1), Duration.ofSeconds(40), Duration.ofSeconds(60)));
    assertThat(hollow.awaitReady(Duration.ofSeconds(30))).isTrue();
  }

  @AfterAll
  static void stop() throws Exception {
    if (hollow != null) hollow.close();
    if (scheduler != null) scheduler.close();
    if (cluster != null) cluster.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static String namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    return name;
  }

  private static List<Pod> livePods(String ns) {
    return client.pods().inNamespace(ns).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  private static boolean running(Pod p) {
    return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
  }

  private static NodeCondition condition(Node n, String type) {
    return n.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  private static List<Taint> ourTaints(Node n) {
    List<Taint> taints = n.getSpec() == null || n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints();
    return taints.stream().filter(t -> NodeLifecycleController.TAINT_UNREACHABLE.equals(t.getKey())).toList();
  }

  @Test
  void silentNodeTurnsUnknownIsTaintedAndItsPodsAreEvictedAfterTheirToleration() {
    String ns = namespace("lifecycle-evict");
    Map<String, String> labels = Map.of("app", "web");
    Deployment d = new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(labels).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("nginx").endContainer()
        .addToTolerations(new TolerationBuilder().withKey(NodeLifecycleController.TAINT_UNREACHABLE).withOperator("Exists")
            .withEffect("NoExecute").withTolerationSeconds(5L).build())
        .endSpec().endTemplate().endSpec().build();
    client.apps().deployments().inNamespace(ns).resource(d).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(livePods(ns)).hasSize(2).allMatch(NodeLifecycleControllerTest::running));

    String victim = livePods(ns).get(0).getSpec().getNodeName();
    String healthy = hollow.nodeNames().stream().filter(n -> !n.equals(victim)).findFirst().orElseThrow();
    List<String> victimPods = livePods(ns).stream().filter(p -> victim.equals(p.getSpec().getNodeName()))
        .map(p -> p.getMetadata().getName()).toList();
    // The healthy node keeps its Lease fresh: it must stay untouched throughout.
    hollow.stopHeartbeat(victim);
    Instant stopped = Instant.now();

    await().atMost(GRACE.plusSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      Node n = client.nodes().withName(victim).get();
      for (String type : NodeLifecycleController.CONDITIONS) {
        NodeCondition c = condition(n, type);
        assertThat(c.getStatus()).as(type).isEqualTo("Unknown");
        assertThat(c.getReason()).isEqualTo("NodeStatusUnknown");
        assertThat(c.getMessage()).isEqualTo("Kubelet stopped posting node status.");
      }
      assertThat(ourTaints(n)).extracting(Taint::getEffect).containsExactlyInAnyOrder("NoExecute", "NoSchedule");
      assertThat(ourTaints(n)).filteredOn(t -> "NoExecute".equals(t.getEffect())).singleElement()
          .satisfies(t -> assertThat(t.getTimeAdded()).isNotNull());
    });
    Instant tainted = Instant.now();
    assertThat(Duration.between(stopped, tainted)).as("not before the grace period").isGreaterThanOrEqualTo(GRACE.minusSeconds(1));
    // Tolerated for 5 s: still there shortly after the taint, but no longer Ready (out of Services' endpoints).
    assertThat(livePods(ns)).extracting(p -> p.getMetadata().getName()).containsAll(victimPods);
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
        assertThat(livePods(ns)).filteredOn(p -> victimPods.contains(p.getMetadata().getName()))
            .hasSize(victimPods.size())
            .allSatisfy(p -> assertThat(p.getStatus().getConditions()).filteredOn(c -> "Ready".equals(c.getType()))
                .singleElement().satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"))));

    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
            .doesNotContainAnyElementsOf(victimPods));
    assertThat(Duration.between(tainted, Instant.now())).as("evicted when the 5 s toleration ran out")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(livePods(ns)).hasSize(2)
        .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo(healthy)).allMatch(NodeLifecycleControllerTest::running));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> "TaintManagerEviction".equals(e.getReason()))
        .extracting(e -> e.getMessage())
        .containsAll(victimPods.stream().map(p -> "Marking for deletion Pod " + ns + "/" + p).toList()));
    assertThat(ourTaints(client.nodes().withName(healthy).get())).isEmpty();
    // What kubectl describe shows: the pods' warning, and the nodes' own events (kept in "default").
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(client.v1().events().inNamespace(ns).list().getItems())
          .filteredOn(e -> "NodeNotReady".equals(e.getReason()) && "Warning".equals(e.getType()))
          .extracting(e -> e.getInvolvedObject().getName()).containsAll(victimPods);
      List<io.fabric8.kubernetes.api.model.Event> nodeEvents = client.v1().events().inNamespace("default").list().getItems().stream()
          .filter(e -> "Node".equals(e.getInvolvedObject().getKind()) && victim.equals(e.getInvolvedObject().getName())).toList();
      assertThat(nodeEvents).filteredOn(e -> "NodeNotReady".equals(e.getReason())).singleElement().satisfies(e -> {
        assertThat(e.getMessage()).isEqualTo("Node " + victim + " status is now: NodeNotReady");
        assertThat(e.getSource().getComponent()).isEqualTo("node-controller");
      });
      assertThat(nodeEvents).extracting(e -> e.getReason() + ": " + e.getMessage())
          .contains("RegisteredNode: Node " + victim + " event: Registered Node " + victim + " in Controller");
    });

    hollow.resumeHeartbeat(victim);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      Node n = client.nodes().withName(victim).get();
      assertThat(condition(n, "Ready").getStatus()).isEqualTo("True");
      assertThat(ourTaints(n)).isEmpty();
    });
  }

  @Test
  void podsOnMissingNodesAndTerminatingPodsOnUnreachableNodesAreForceDeleted() {
    String ns = namespace("lifecycle-podgc");
    client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("orphan").endMetadata()
        .withNewSpec().withNodeName("no-such-node").addNewContainer().withName("app").withImage("nginx").endContainer().endSpec()
        .build()).create();

    // A node nobody runs: it never posts status, so it turns Unknown and unreachable after the grace period.
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("ghost").endMetadata()
        .withNewSpec().withProviderID("ghost://ghost").endSpec().build()).create();
    client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("stuck").endMetadata()
        .withNewSpec().withNodeName("ghost").addNewContainer().withName("app").withImage("nginx").endContainer()
        // Tolerates unreachable forever: only the deletion below, never the taint manager, removes it.
        .addToTolerations(new TolerationBuilder().withKey(NodeLifecycleController.TAINT_UNREACHABLE).withOperator("Exists")
            .withEffect("NoExecute").build())
        .endSpec().build()).create();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(client.pods().inNamespace(ns).withName("orphan").get()).isNull());

    await().atMost(GRACE.plusSeconds(10)).untilAsserted(() ->
        assertThat(ourTaints(client.nodes().withName("ghost").get())).isNotEmpty());
    assertThat(client.pods().inNamespace(ns).withName("stuck").get()).as("tolerated forever").isNotNull();
    client.pods().inNamespace(ns).withName("stuck").withGracePeriod(30).delete();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(client.pods().inNamespace(ns).withName("stuck").get()).isNull());
    client.nodes().withName("ghost").delete();
  }

  @Test
  void terminatedPodsAboveTheThresholdAreCollectedOldestFirst() throws Exception {
    String ns = namespace("gc-terminated");
    for (int i = 0; i < 5; i++) {
      // No scheduler takes these: they stay unbound, so only the threshold can remove them.
      Pod pod = client.pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
          .withNewMetadata().withName("done-" + i).endMetadata()
          .withNewSpec().withSchedulerName("nobody").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
          .build()).create();
      pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(i % 2 == 0 ? "Succeeded" : "Failed").build());
      client.pods().inNamespace(ns).resource(pod).updateStatus();
      Thread.sleep(1100);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> livePods(ns).size() == 3);
    Thread.sleep(1000);
    assertThat(livePods(ns)).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("done-2", "done-3", "done-4");
  }
}
