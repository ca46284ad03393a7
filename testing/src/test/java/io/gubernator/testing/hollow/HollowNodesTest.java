package io.gubernator.testing.hollow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hollow nodes against a real API server, checked only through the API as a user would. */
class HollowNodesTest {

  private static final int COUNT = 3;
  private static ApiServerFixture cluster;
  private static KubernetesClient client;
  private static KubernetesClient hollowClient;
  private static HollowNodes hollow;

  @BeforeAll
  static void start() throws Exception {
    cluster = ApiServerFixture.start();
    client = cluster.client();
    hollowClient = cluster.newClient();
    // Fast timing so that renewals are observable within a test; the defaults are 10 s and 40-60 s.
    hollow = HollowNodes.start(hollowClient, HollowNodeConfig.defaults(COUNT)
        .withTiming(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (hollow != null) hollow.close();
    if (hollowClient != null) hollowClient.close();
    if (cluster != null) cluster.close();
  }

  @Test
  void nodesRegisterReadyWithKubeletStatus() {
    await().atMost(Duration.ofSeconds(20)).until(() -> ours().size() == COUNT);
    for (int i = 0; i < COUNT; i++) {
      Node node = client.nodes().withName("hollow-node-" + i).get();
      assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", "hollow-node-" + i)
          .containsEntry("kubernetes.io/os", "linux").containsEntry("kubernetes.io/arch", "amd64")
          .containsEntry("node.kubernetes.io/instance-type", "hollow").containsKey("topology.kubernetes.io/zone");
      assertThat(node.getSpec().getPodCIDR()).isEqualTo("10.244." + i + ".0/24");
      assertThat(node.getStatus().getCapacity()).containsKeys("cpu", "memory", "pods", "ephemeral-storage");
      assertThat(node.getStatus().getAllocatable().get("cpu").toString()).isEqualTo("4");
      assertThat(node.getStatus().getAllocatable().get("memory").toString()).isEqualTo("16Gi");
      assertThat(node.getStatus().getAllocatable().get("pods").toString()).isEqualTo("110");
      assertThat(node.getStatus().getConditions()).extracting(NodeCondition::getType, NodeCondition::getStatus)
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("Ready", "True"),
              org.assertj.core.groups.Tuple.tuple("MemoryPressure", "False"),
              org.assertj.core.groups.Tuple.tuple("DiskPressure", "False"),
              org.assertj.core.groups.Tuple.tuple("PIDPressure", "False"));
      assertThat(node.getStatus().getAddresses()).anyMatch(a -> a.getType().equals("InternalIP") && a.getAddress().startsWith("172.16."));
      assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v1.32.0-hollow");
    }
    assertThat(ours()).extracting(n -> n.getMetadata().getLabels().get("topology.kubernetes.io/zone")).doesNotHaveDuplicates();
  }

  @Test
  void leasesAndHeartbeatsAreRenewed() {
    String name = "hollow-node-1";
    await().atMost(Duration.ofSeconds(20)).until(() -> lease(name) != null);
    Lease first = lease(name);
    assertThat(first.getSpec().getHolderIdentity()).isEqualTo(name);
    assertThat(first.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getKind()).isEqualTo("Node"));
    ZonedDateTime renewed = first.getSpec().getRenewTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> lease(name).getSpec().getRenewTime().isAfter(renewed));
    String heartbeat = readyHeartbeat(name);
    await().atMost(Duration.ofSeconds(15)).until(() -> !readyHeartbeat(name).equals(heartbeat));
  }

  @Test
  void stoppedHeartbeatLeavesTheLeaseStale() throws Exception {
    String name = "hollow-node-2";
    await().atMost(Duration.ofSeconds(20)).until(() -> lease(name) != null);
    hollow.stopHeartbeat(name);
    Thread.sleep(1500); // a renewal in flight when stopping may still land
    ZonedDateTime stale = lease(name).getSpec().getRenewTime();
    Thread.sleep(3000); // three renew intervals
    assertThat(lease(name).getSpec().getRenewTime()).isEqualTo(stale);
    hollow.resumeHeartbeat(name);
    await().atMost(Duration.ofSeconds(10)).until(() -> lease(name).getSpec().getRenewTime().isAfter(stale));
  }

  @Test
  void boundPodsRunReadyWithDistinctAddressesFromTheNodeRange() {
    String ns = namespace("run");
    create(ns, pod("a", "Always", null));
    create(ns, pod("b", "Always", null));
    bind(ns, "a", "hollow-node-0");
    bind(ns, "b", "hollow-node-0");
    for (String name : List.of("a", "b")) {
      await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(ns, name)) && conditionTrue(get(ns, name), "Ready"));
      Pod pod = get(ns, name);
      assertThat(pod.getStatus().getPodIP()).startsWith("10.244.0.");
      assertThat(pod.getStatus().getHostIP()).isEqualTo("172.16.0.1");
      assertThat(pod.getStatus().getStartTime()).isNotNull();
      assertThat(pod.getStatus().getQosClass()).isEqualTo("BestEffort"); // the API server's, kept
      for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) assertThat(conditionTrue(pod, type)).as(type).isTrue();
      assertThat(pod.getStatus().getContainerStatuses()).singleElement().satisfies(cs -> {
        assertThat(cs.getReady()).isTrue();
        assertThat(cs.getStarted()).isTrue();
        assertThat(cs.getRestartCount()).isZero();
        assertThat(cs.getImage()).isEqualTo("nginx:1.27");
        assertThat(cs.getImageID()).startsWith("nginx@sha256:");
        assertThat(cs.getContainerID()).startsWith("hollow://");
        assertThat(cs.getState().getRunning().getStartedAt()).isNotNull();
      });
    }
    assertThat(get(ns, "a").getStatus().getPodIP()).isNotEqualTo(get(ns, "b").getStatus().getPodIP());
  }

  @Test
  void deletingABoundPodFinishesWithoutWaitingForTheGracePeriod() {
    String ns = namespace("delete");
    create(ns, pod("victim", "Always", null));
    bind(ns, "victim", "hollow-node-1");
    await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(ns, "victim")));
    client.pods().inNamespace(ns).withName("victim").delete(); // default 30 s grace: the API server only marks it
    await().atMost(Duration.ofSeconds(15)).until(() -> get(ns, "victim") == null);
  }

  @Test
  void completeAfterAnnotationTurnsRunToCompletionPodsSucceeded() {
    String ns = namespace("complete");
    create(ns, pod("job", "Never", "2"));
    create(ns, pod("server", "Always", "2")); // restartPolicy Always never completes
    bind(ns, "job", "hollow-node-2");
    bind(ns, "server", "hollow-node-2");
    await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(ns, "job")) && "Running".equals(phase(ns, "server")));
    await().atMost(Duration.ofSeconds(20)).until(() -> "Succeeded".equals(phase(ns, "job")));
    Pod job = get(ns, "job");
    assertThat(job.getStatus().getContainerStatuses()).singleElement().satisfies(cs -> {
      assertThat(cs.getState().getTerminated().getExitCode()).isZero();
      assertThat(cs.getState().getTerminated().getReason()).isEqualTo("Completed");
      assertThat(cs.getReady()).isFalse();
    });
    assertThat(conditionTrue(job, "Ready")).isFalse();
    assertThat(phase(ns, "server")).isEqualTo("Running");
  }

  @Test
  void readinessGatesHoldReadyUntilTheirConditionIsTrue() {
    String ns = namespace("gates");
    Pod gated = new PodBuilder(pod("gated", "Always", null)).editSpec().addNewReadinessGate().withConditionType("example.com/lb").endReadinessGate().endSpec().build();
    create(ns, gated);
    bind(ns, "gated", "hollow-node-0");
    await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(ns, "gated")) && conditionTrue(get(ns, "gated"), "ContainersReady"));
    assertThat(conditionTrue(get(ns, "gated"), "Ready")).isFalse();
    // Whoever owns the gate sets its condition; the hollow kubelet keeps it and turns the pod Ready.
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      Pod p = get(ns, "gated");
      p.getStatus().getConditions().add(new io.fabric8.kubernetes.api.model.PodConditionBuilder().withType("example.com/lb").withStatus("True").build());
      client.pods().inNamespace(ns).resource(p).updateStatus();
      return true;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> conditionTrue(get(ns, "gated"), "Ready"));
    assertThat(conditionTrue(get(ns, "gated"), "example.com/lb")).isTrue();
  }

  @Test
  void aRestartedInstanceAdoptsItsNodesLeasesAndPodsWithoutRewritingThem() throws Exception {
    String ns = namespace("restart");
    // A long Lease interval so that no renewal falls due while the test runs: any write would be a re-write.
    HollowNodeConfig config = HollowNodeConfig.defaults(2).withNamePrefix("again-")
        .withTiming(Duration.ofSeconds(60), Duration.ofSeconds(40), Duration.ofSeconds(60));
    try (KubernetesClient c1 = cluster.newClient(); HollowNodes first = HollowNodes.start(c1, config)) {
      assertThat(first.awaitReady(Duration.ofSeconds(20))).isTrue();
      await().atMost(Duration.ofSeconds(20)).until(() -> lease("again-1") != null);
      create(ns, pod("kept", "Always", null));
      bind(ns, "kept", "again-1");
      await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(ns, "kept")));
    }
    String nodeVersion = client.nodes().withName("again-1").get().getMetadata().getResourceVersion();
    String leaseVersion = lease("again-1").getMetadata().getResourceVersion();
    Pod before = get(ns, "kept");
    try (KubernetesClient c2 = cluster.newClient(); HollowNodes second = HollowNodes.start(c2, config)) {
      assertThat(second.awaitReady(Duration.ofSeconds(20))).isTrue();
      Thread.sleep(2000); // let every queued sync run: heartbeat and Lease are fresh, the pod is Running
      assertThat(client.nodes().withName("again-1").get().getMetadata().getResourceVersion()).isEqualTo(nodeVersion);
      assertThat(lease("again-1").getMetadata().getResourceVersion()).isEqualTo(leaseVersion);
      assertThat(get(ns, "kept").getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
      // A second pod on the node gets another address than the one the adopted pod holds.
      create(ns, pod("new", "Always", null));
      bind(ns, "new", "again-1");
      await().atMost(Duration.ofSeconds(20)).until(() -> "Running".equals(phase(ns, "new")));
      assertThat(get(ns, "new").getStatus().getPodIP()).startsWith("10.244.1.").isNotEqualTo(before.getStatus().getPodIP());
    }
  }

  /** This class' main instance's nodes (another test starts nodes of its own). */
  private static List<Node> ours() {
    return client.nodes().withLabel("type", "hollow").list().getItems().stream()
        .filter(n -> n.getMetadata().getName().startsWith("hollow-node-")).toList();
  }

  private static String namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    return name;
  }

  private static Pod pod(String name, String restartPolicy, String completeAfter) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withRestartPolicy(restartPolicy).addNewContainer().withName("app").withImage("nginx:1.27").endContainer().endSpec();
    if (completeAfter != null) b.editMetadata().addToAnnotations(HollowNodeConfig.COMPLETE_AFTER_ANNOTATION, completeAfter).endMetadata();
    return b.build();
  }

  private static void create(String ns, Pod pod) {
    client.pods().inNamespace(ns).resource(pod).create();
  }

  /** As the scheduler does: POST a Binding to the pod's binding subresource. */
  static void bind(KubernetesClient client, String ns, String name, String node) {
    client.raw("/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", "POST", Map.of(
        "apiVersion", "v1", "kind", "Binding", "metadata", Map.of("name", name, "namespace", ns),
        "target", Map.of("apiVersion", "v1", "kind", "Node", "name", node)));
  }

  private static void bind(String ns, String name, String node) {
    bind(client, ns, name, node);
  }

  private static Pod get(String ns, String name) {
    return client.pods().inNamespace(ns).withName(name).get();
  }

  private static String phase(String ns, String name) {
    Pod p = get(ns, name);
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static boolean conditionTrue(Pod pod, String type) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getConditions() == null) return false;
    return pod.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Lease lease(String name) {
    return client.leases().inNamespace("kube-node-lease").withName(name).get();
  }

  private static String readyHeartbeat(String node) {
    return client.nodes().withName(node).get().getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow().getLastHeartbeatTime();
  }
}
