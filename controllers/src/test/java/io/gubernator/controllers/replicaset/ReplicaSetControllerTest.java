package io.gubernator.controllers.replicaset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReplicaSetControllerTest extends ClusterTestBase {

  private static ReplicaSet replicaSet(String name, int replicas, Map<String, String> labels) {
    return new ReplicaSetBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(labels).endSelector()
        .withTemplate(template(labels, "nginx")).endSpec().build();
  }

  private static List<Pod> ownedBy(String ns, ReplicaSet rs) {
    return pods(ns).stream().filter(p -> p.getMetadata().getOwnerReferences().stream()
        .anyMatch(r -> r.getUid().equals(rs.getMetadata().getUid()) && Boolean.TRUE.equals(r.getController()))).toList();
  }

  @Test
  void createsReplicasWithControllerRefsAndReportsStatus() {
    String ns = namespace("rs-create");
    ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).resource(replicaSet("web", 3, Map.of("app", "web"))).create();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(3));
    for (Pod p : pods(ns)) {
      assertThat(p.getMetadata().getName()).startsWith("web-");
      assertThat(p.getMetadata().getLabels()).containsEntry("app", "web");
      OwnerReference ref = p.getMetadata().getOwnerReferences().get(0);
      assertThat(ref.getKind()).isEqualTo("ReplicaSet");
      assertThat(ref.getApiVersion()).isEqualTo("apps/v1");
      assertThat(ref.getName()).isEqualTo("web");
      assertThat(ref.getUid()).isEqualTo(rs.getMetadata().getUid());
      assertThat(ref.getController()).isTrue();
      assertThat(ref.getBlockOwnerDeletion()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      ReplicaSet got = client.apps().replicaSets().inNamespace(ns).withName("web").get();
      assertThat(got.getStatus().getReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getFullyLabeledReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getReadyReplicas()).as("no nodes: pods stay Pending").isZero();
      assertThat(got.getStatus().getAvailableReplicas()).isZero();
      assertThat(got.getStatus().getObservedGeneration()).isEqualTo(got.getMetadata().getGeneration());
    });
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> "SuccessfulCreate".equals(e.getReason())).hasSize(3)
        .allSatisfy(e -> assertThat(e.getMessage()).startsWith("Created pod: web-")));
  }

  @Test
  void neverOvershootsWhileScalingUpAndDownAndReplacesDeletedPods() throws Exception {
    String ns = namespace("rs-scale");
    // Record every pod name ever seen: a lagging cache would show up as more than the target at some point.
    Set<String> live = ConcurrentHashMap.newKeySet();
    int[] maxLive = {0};
    try (var watch = client.pods().inNamespace(ns).watch(new io.fabric8.kubernetes.client.Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        if (action == Action.DELETED) live.remove(pod.getMetadata().getName());
        else live.add(pod.getMetadata().getName());
        synchronized (maxLive) {
          maxLive[0] = Math.max(maxLive[0], live.size());
        }
      }

      @Override
      public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
    })) {
      client.apps().replicaSets().inNamespace(ns).resource(replicaSet("web", 3, Map.of("app", "web"))).create();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(3));

      client.apps().replicaSets().inNamespace(ns).withName("web").scale(10);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pods(ns)).hasSize(10));

      client.apps().replicaSets().inNamespace(ns).withName("web").scale(2);
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(2));

      String victim = pods(ns).get(0).getMetadata().getName();
      client.pods().inNamespace(ns).withName(victim).delete();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        List<String> names = pods(ns).stream().map(p -> p.getMetadata().getName()).toList();
        assertThat(names).hasSize(2).doesNotContain(victim);
      });
      Thread.sleep(500);
      assertThat(pods(ns)).hasSize(2);
    }
    synchronized (maxLive) {
      assertThat(maxLive[0]).as("never more pods than the largest target").isLessThanOrEqualTo(10);
    }
  }

  @Test
  void adoptsMatchingOrphansAndReleasesPodsThatStopMatching() {
    String ns = namespace("rs-adopt");
    client.pods().inNamespace(ns).resource(pod("orphan", Map.of("app", "web"))).create();
    client.pods().inNamespace(ns).resource(pod("stranger", Map.of("app", "other"))).create();
    ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).resource(replicaSet("web", 2, Map.of("app", "web"))).create();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(ownedBy(ns, rs)).hasSize(2).extracting(p -> p.getMetadata().getName()).contains("orphan");
      assertThat(pods(ns)).hasSize(3);
    });
    assertThat(client.pods().inNamespace(ns).withName("stranger").get().getMetadata().getOwnerReferences()).isNullOrEmpty();

    // Relabelled away, the adopted pod is released, and a replacement is created.
    client.pods().inNamespace(ns).withName("orphan").edit(p -> {
      p.getMetadata().getLabels().put("app", "moved");
      return p;
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(client.pods().inNamespace(ns).withName("orphan").get().getMetadata().getOwnerReferences()).isNullOrEmpty();
      assertThat(ownedBy(ns, rs)).hasSize(2).extracting(p -> p.getMetadata().getName()).doesNotContain("orphan");
    });
  }

  @Test
  void podsOwnedByAnotherControllerAreLeftAlone() {
    String ns = namespace("rs-foreign");
    ReplicaSet first = client.apps().replicaSets().inNamespace(ns).resource(replicaSet("first", 2, Map.of("app", "web"))).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ownedBy(ns, first)).hasSize(2));
    // Same selector: the second ReplicaSet must create its own pods instead of taking the first one's.
    ReplicaSet second = client.apps().replicaSets().inNamespace(ns).resource(replicaSet("second", 1, Map.of("app", "web"))).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(ownedBy(ns, second)).hasSize(1);
      assertThat(ownedBy(ns, first)).hasSize(2);
    });
    assertThat(pods(ns).stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet())).hasSize(3);
  }
}
