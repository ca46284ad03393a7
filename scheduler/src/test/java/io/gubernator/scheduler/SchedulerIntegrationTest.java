package io.gubernator.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler against a real API server: nodes are plain Node objects created through the API
 * (no kubelet: capacity, allocatable and Ready are all the scheduler reads). Each test uses its
 * own namespace and node label so tests do not see each other's nodes fit.
 */
class SchedulerIntegrationTest {

  private static ClusterFixture cluster;
  private static KubernetesClient client;
  private static Path dataDir;

  @BeforeAll
  static void start() throws Exception {
    dataDir = Files.createTempDirectory("gubernator-scheduler-it");
    cluster = ClusterFixture.start(dataDir);
    client = cluster.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static Node node(String name, String cpu, Map<String, String> labels) {
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus()
        .withCapacity(Map.of("cpu", new Quantity(cpu), "memory", new Quantity("16Gi"), "pods", new Quantity("110")))
        .withAllocatable(Map.of("cpu", new Quantity(cpu), "memory", new Quantity("16Gi"), "pods", new Quantity("110")))
        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
        .endStatus().build();
  }

  static Node create(Node n) {
    return client.nodes().resource(n).create();
  }

  static String namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    return name;
  }

  static Pod pod(String name, String cpu, Map<String, String> nodeSelector) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNodeSelector(nodeSelector)
        .addNewContainer().withName("app").withImage("nginx")
        .withNewResources().withRequests(Map.of("cpu", new Quantity(cpu))).endResources()
        .endContainer().endSpec().build();
  }

  static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      T v = probe.get();
      if (v != null) return v;
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  static String nodeOf(String ns, String pod) throws InterruptedException {
    return await(ns + "/" + pod + " bound", () -> {
      String n = client.pods().inNamespace(ns).withName(pod).get().getSpec().getNodeName();
      return n == null || n.isEmpty() ? null : n;
    });
  }

  @Test
  void bindsPodsToFittingNodesAndCountsAssumedPods() throws Exception {
    String ns = namespace("fit");
    create(node("fit-a", "2", Map.of("pool", "fit")));
    create(node("fit-b", "2", Map.of("pool", "fit")));
    // Four pods of 1 cpu on two nodes of 2 cpu: only an exact packing fits, which needs every
    // cycle to see the pods assumed before it, bound or not.
    for (int i = 0; i < 4; i++) client.pods().inNamespace(ns).resource(pod("p" + i, "1", Map.of("pool", "fit"))).create();
    Map<String, Long> perNode = new java.util.HashMap<>();
    for (int i = 0; i < 4; i++) perNode.merge(nodeOf(ns, "p" + i), 1L, Long::sum);
    assertEquals(Map.of("fit-a", 2L, "fit-b", 2L), perNode);
    Event scheduled = await("Scheduled event", () -> events(ns, "p0", "Scheduled"));
    assertTrue(scheduled.getMessage().matches("Successfully assigned fit/p0 to fit-[ab]"), scheduled.getMessage());
    assertEquals("Normal", scheduled.getType());
  }

  @Test
  void impossiblePodGetsKubernetesStyleFailureThenFitsWhenANodeIsAdded() throws Exception {
    String ns = namespace("impossible");
    create(node("imp-small", "1", Map.of("pool", "imp")));
    client.pods().inNamespace(ns).resource(pod("big", "3", Map.of("pool", "imp"))).create();
    Event failed = await("FailedScheduling", () -> events(ns, "big", "FailedScheduling"));
    assertEquals("Warning", failed.getType());
    // Nodes of other tests are in the cluster too: they fail the nodeSelector. Count all nodes.
    int all = client.nodes().list().getItems().size();
    assertTrue(failed.getMessage().startsWith("0/" + all + " nodes are available: "), failed.getMessage());
    assertTrue(failed.getMessage().contains("1 Insufficient cpu"), failed.getMessage());
    PodCondition cond = await("PodScheduled=False", () -> client.pods().inNamespace(ns).withName("big").get().getStatus()
        .getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null));
    assertEquals("False", cond.getStatus());
    assertEquals("Unschedulable", cond.getReason());
    assertEquals(failed.getMessage(), cond.getMessage());
    // Our own status write must not trigger another attempt (only one FailedScheduling so far).
    Thread.sleep(1500);
    assertEquals(1, client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "FailedScheduling".equals(e.getReason())).count());
    // Retried on the node add event, not by polling (the 5-minute flush is far away).
    create(node("imp-large", "4", Map.of("pool", "imp")));
    assertEquals("imp-large", nodeOf(ns, "big"));
  }

  static Event events(String ns, String pod, String reason) {
    List<Event> list = client.v1().events().inNamespace(ns).list().getItems();
    return list.stream().filter(e -> (pod == null || pod.equals(e.getInvolvedObject().getName())) && reason.equals(e.getReason()))
        .findFirst().orElse(null);
  }

  @Test
  void unschedulableNodeIsSkippedUnlessTolerated() throws Exception {
    String ns = namespace("cordon");
    Node cordoned = node("cordoned", "4", Map.of("pool", "cordon"));
    cordoned.getSpec().setUnschedulable(true);
    create(cordoned);
    client.pods().inNamespace(ns).resource(pod("plain", "1", Map.of("pool", "cordon"))).create();
    Pod tolerating = pod("tolerating", "1", Map.of("pool", "cordon"));
    tolerating.getSpec().setTolerations(List.of(new io.fabric8.kubernetes.api.model.TolerationBuilder()
        .withKey("node.kubernetes.io/unschedulable").withOperator("Exists").withEffect("NoSchedule").build()));
    client.pods().inNamespace(ns).resource(tolerating).create();
    assertEquals("cordoned", nodeOf(ns, "tolerating"));
    Event failed = await("FailedScheduling", () -> events(ns, "plain", "FailedScheduling"));
    assertTrue(failed.getMessage().contains("1 node(s) were unschedulable"), failed.getMessage());
    assertNotNull(client.pods().inNamespace(ns).withName("plain").get());
    assertEquals(null, client.pods().inNamespace(ns).withName("plain").get().getSpec().getNodeName());
  }

  @Test
  void nodeAffinityAndTaintsAreRespected() throws Exception {
    String ns = namespace("affinity");
    create(node("aff-1", "4", Map.of("pool", "aff", "zone", "a")));
    Node tainted = node("aff-2", "4", Map.of("pool", "aff", "zone", "b"));
    tainted.getSpec().setTaints(List.of(new io.fabric8.kubernetes.api.model.TaintBuilder().withKey("dedicated").withValue("x")
        .withEffect("NoSchedule").build()));
    create(tainted);
    create(node("aff-3", "4", Map.of("pool", "aff", "zone", "b")));
    // Required affinity for zone b: aff-2 is in zone b but tainted, so only aff-3 fits; several
    // pods, so a lucky random pick cannot pass the test.
    for (int i = 0; i < 3; i++) {
      Pod p = pod("zone-b-" + i, "100m", Map.of("pool", "aff"));
      p.getSpec().setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder().withNewNodeAffinity()
          .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm().addNewMatchExpression()
          .withKey("zone").withOperator("In").withValues("b").endMatchExpression().endNodeSelectorTerm()
          .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
      client.pods().inNamespace(ns).resource(p).create();
    }
    // Tolerating the taint and selecting the node by name through matchFields lands on aff-2.
    Pod tolerating = pod("tolerating", "100m", Map.of("pool", "aff"));
    tolerating.getSpec().setTolerations(List.of(new io.fabric8.kubernetes.api.model.TolerationBuilder().withKey("dedicated")
        .withOperator("Equal").withValue("x").withEffect("NoSchedule").build()));
    tolerating.getSpec().setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm().addNewMatchField()
        .withKey("metadata.name").withOperator("In").withValues("aff-2").endMatchField().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
    client.pods().inNamespace(ns).resource(tolerating).create();
    for (int i = 0; i < 3; i++) assertEquals("aff-3", nodeOf(ns, "zone-b-" + i));
    assertEquals("aff-2", nodeOf(ns, "tolerating"));
    // nodeSelector on zone a: only aff-1.
    Pod zoneA = pod("zone-a", "100m", Map.of("pool", "aff", "zone", "a"));
    client.pods().inNamespace(ns).resource(zoneA).create();
    assertEquals("aff-1", nodeOf(ns, "zone-a"));
  }

  @Test
  void higherPriorityPodPreemptsALowerOne() throws Exception {
    String ns = namespace("preempt");
    create(node("pre-1", "2", Map.of("pool", "pre")));
    Pod low = pod("low", "2", Map.of("pool", "pre"));
    client.pods().inNamespace(ns).resource(low).create();
    assertEquals("pre-1", nodeOf(ns, "low"));
    // The priority comes from the class, through the API server's Priority admission.
    client.scheduling().v1().priorityClasses().resource(new io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder()
        .withNewMetadata().withName("preempt-high").endMetadata().withValue(1000).build()).create();
    Pod high = pod("high", "2", Map.of("pool", "pre"));
    high.getSpec().setPriorityClassName("preempt-high");
    client.pods().inNamespace(ns).resource(high).create();
    // No kubelet here: finish the victim's graceful deletion as one would.
    await("victim deleted", () -> {
      Pod v = client.pods().inNamespace(ns).withName("low").get();
      return v == null || v.getMetadata().getDeletionTimestamp() != null ? Boolean.TRUE : null;
    });
    client.pods().inNamespace(ns).withName("low").withGracePeriod(0).delete();
    assertEquals("pre-1", nodeOf(ns, "high"));
    Event preempted = await("Preempted event", () -> events(ns, "low", "Preempted"));
    assertTrue(preempted.getMessage().startsWith("Preempted by pod " + client.pods().inNamespace(ns).withName("high").get()
        .getMetadata().getUid() + " on node pre-1"), preempted.getMessage());
  }

  @Test
  void topologySpreadPlacesPodsEvenlyAcrossZones() throws Exception {
    String ns = namespace("spread");
    create(node("spread-a1", "8", Map.of("pool", "spread", "zone", "a")));
    create(node("spread-a2", "8", Map.of("pool", "spread", "zone", "a")));
    create(node("spread-b1", "8", Map.of("pool", "spread", "zone", "b")));
    // Zone a has twice the room; without the constraint LeastAllocated would favour it.
    for (int i = 0; i < 6; i++) {
      Pod p = pod("web-" + i, "100m", Map.of("pool", "spread"));
      p.getMetadata().setLabels(Map.of("app", "web"));
      p.getSpec().setTopologySpreadConstraints(List.of(new io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder()
          .withMaxSkew(1).withTopologyKey("zone").withWhenUnsatisfiable("DoNotSchedule")
          .withNewLabelSelector().addToMatchLabels("app", "web").endLabelSelector().build()));
      client.pods().inNamespace(ns).resource(p).create();
    }
    Map<String, Integer> perZone = new java.util.HashMap<>();
    for (int i = 0; i < 6; i++) perZone.merge(nodeOf(ns, "web-" + i).startsWith("spread-a") ? "a" : "b", 1, Integer::sum);
    assertEquals(Map.of("a", 3, "b", 3), perZone);
  }

  @Test
  void antiAffinityAcrossHostnamesPutsOnePodPerNode() throws Exception {
    String ns = namespace("anti");
    for (int i = 1; i <= 3; i++) create(node("anti-" + i, "8", Map.of("pool", "anti", "kubernetes.io/hostname", "anti-" + i)));
    for (int i = 0; i < 4; i++) {
      Pod p = pod("web-" + i, "100m", Map.of("pool", "anti"));
      p.getMetadata().setLabels(Map.of("app", "web"));
      p.getSpec().setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder().withNewPodAntiAffinity()
          .addNewRequiredDuringSchedulingIgnoredDuringExecution().withTopologyKey("kubernetes.io/hostname")
          .withNewLabelSelector().addToMatchLabels("app", "web").endLabelSelector().endRequiredDuringSchedulingIgnoredDuringExecution()
          .endPodAntiAffinity().build());
      client.pods().inNamespace(ns).resource(p).create();
    }
    // Three fit, one per node; the fourth has nowhere to go.
    Event failed = await("FailedScheduling", () -> events(ns, null, "FailedScheduling"));
    java.util.Set<String> nodes = new java.util.HashSet<>();
    String pending = failed.getInvolvedObject().getName();
    for (int i = 0; i < 4; i++) {
      if (!("web-" + i).equals(pending)) nodes.add(nodeOf(ns, "web-" + i));
    }
    assertEquals(java.util.Set.of("anti-1", "anti-2", "anti-3"), nodes);
    // The placed pods' own (symmetric) anti-affinity is checked first, as upstream does.
    assertTrue(failed.getMessage().contains("3 node(s) didn't satisfy existing pods anti-affinity rules"), failed.getMessage());
  }
}
