package io.gubernator.controllers.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeploymentControllerTest extends ClusterTestBase {

  private static final Map<String, String> LABELS = Map.of("app", "web");

  private static DeploymentBuilder deployment(String name, int replicas) {
    return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(LABELS).endSelector()
        .withTemplate(template(LABELS, "nginx:1.25")).endSpec();
  }

  private static List<ReplicaSet> replicaSets(String ns) {
    return client.apps().replicaSets().inNamespace(ns).list().getItems().stream()
        .sorted(Comparator.comparing(rs -> DeploymentUtil.revision(rs))).toList();
  }

  private static void setImage(String ns, String name, String image) {
    // As kubectl set image: a strategic merge patch without a resourceVersion, so it never conflicts with the controller.
    client.apps().deployments().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"" + image + "\"}]}}}}");
  }

  @Test
  void createsAReplicaSetNamedByTemplateHashWithRevisionAndStatus() {
    String ns = namespace("deploy-create");
    Deployment d = client.apps().deployments().inNamespace(ns).resource(deployment("web", 3).build()).create();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<ReplicaSet> sets = replicaSets(ns);
      assertThat(sets).hasSize(1);
      ReplicaSet rs = sets.get(0);
      String hash = rs.getMetadata().getLabels().get("pod-template-hash");
      assertThat(hash).isNotBlank().matches("[bcdfghjklmnpqrstvwxz2456789]+");
      assertThat(rs.getMetadata().getName()).isEqualTo("web-" + hash);
      assertThat(rs.getSpec().getSelector().getMatchLabels()).containsEntry("pod-template-hash", hash).containsEntry("app", "web");
      assertThat(rs.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("pod-template-hash", hash);
      assertThat(rs.getSpec().getReplicas()).isEqualTo(3);
      assertThat(rs.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "1")
          .containsEntry("deployment.kubernetes.io/desired-replicas", "3").containsEntry("deployment.kubernetes.io/max-replicas", "4");
      assertThat(rs.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
        assertThat(r.getUid()).isEqualTo(d.getMetadata().getUid());
        assertThat(r.getController()).isTrue();
      });
      assertThat(pods(ns)).hasSize(3).allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry("pod-template-hash", hash));
    });
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Deployment got = client.apps().deployments().inNamespace(ns).withName("web").get();
      assertThat(got.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "1");
      assertThat(got.getStatus().getObservedGeneration()).isEqualTo(got.getMetadata().getGeneration());
      assertThat(got.getStatus().getReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getUpdatedReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getAvailableReplicas()).isZero();
      assertThat(got.getStatus().getUnavailableReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Available");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("MinimumReplicasUnavailable");
      }).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Progressing");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getReason()).isIn("NewReplicaSetCreated", "ReplicaSetUpdated");
      });
    });
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("ScalingReplicaSet");
          assertThat(e.getInvolvedObject().getKind()).isEqualTo("Deployment");
          assertThat(e.getMessage()).matches("Scaled up replica set web-[a-z0-9]+ from 0 to 3");
        }));

    // Scale: the one active ReplicaSet follows.
    client.apps().deployments().inNamespace(ns).withName("web").scale(5);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(replicaSets(ns)).singleElement().satisfies(rs -> assertThat(rs.getSpec().getReplicas()).isEqualTo(5));
      assertThat(pods(ns)).hasSize(5);
    });
  }

  @Test
  void rollingUpdateStaysWithinTheSurgeBudgetWhenNoPodBecomesReady() throws Exception {
    String ns = namespace("deploy-surge");
    client.apps().deployments().inNamespace(ns).resource(deployment("web", 4).editSpec().withNewStrategy().withType("RollingUpdate")
        .withNewRollingUpdate().withMaxSurge(new IntOrString(2)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
        .endStrategy().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(4));

    setImage(ns, "web", "nginx:1.26");

    // maxUnavailable 0 and nothing ever available: the new ReplicaSet gets the 2 surge pods, the old keeps 4.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<ReplicaSet> sets = replicaSets(ns);
      assertThat(sets).hasSize(2);
      assertThat(sets.get(0).getSpec().getReplicas()).isEqualTo(4);
      assertThat(sets.get(1).getSpec().getReplicas()).isEqualTo(2);
      assertThat(sets.get(1).getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "2");
      assertThat(pods(ns)).hasSize(6);
    });
    Thread.sleep(1000);
    assertThat(pods(ns)).as("the surge budget holds").hasSize(6);
    Deployment got = client.apps().deployments().inNamespace(ns).withName("web").get();
    assertThat(got.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "2");
    assertThat(got.getStatus().getUpdatedReplicas()).isEqualTo(2);
  }

  @Test
  void rollingUpdateUsesTheUnavailabilityBudget() {
    String ns = namespace("deploy-unavailable");
    client.apps().deployments().inNamespace(ns).resource(deployment("web", 4).editSpec().withNewStrategy().withType("RollingUpdate")
        .withNewRollingUpdate().withMaxSurge(new IntOrString(0)).withMaxUnavailable(new IntOrString(1)).endRollingUpdate()
        .endStrategy().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(4));

    setImage(ns, "web", "nginx:1.26");

    // Old pods are not available, so the old ReplicaSet may drop by maxUnavailable, and the new one takes that slot.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<ReplicaSet> sets = replicaSets(ns);
      assertThat(sets).hasSize(2);
      assertThat(sets.stream().mapToInt(rs -> rs.getSpec().getReplicas()).sum()).isEqualTo(4);
      assertThat(sets.get(1).getSpec().getReplicas()).isGreaterThanOrEqualTo(1);
      assertThat(pods(ns)).hasSize(4);
    });
  }

  @Test
  void recreateScalesTheOldReplicaSetToZeroBeforeCreatingTheNewPods() {
    String ns = namespace("deploy-recreate");
    client.apps().deployments().inNamespace(ns).resource(deployment("web", 3).editSpec().withNewStrategy().withType("Recreate")
        .endStrategy().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(3));
    String oldHash = replicaSets(ns).get(0).getMetadata().getLabels().get("pod-template-hash");

    // Count pods of both templates seen at once: Recreate never overlaps them.
    AtomicInteger overlap = new AtomicInteger();
    Thread watcher = Thread.ofVirtual().start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          var hashes = pods(ns).stream().map(p -> p.getMetadata().getLabels().get("pod-template-hash")).distinct().count();
          if (hashes > 1) overlap.incrementAndGet();
        } catch (RuntimeException e) {
          return; // interrupted mid-request at the end of the test
        }
      }
    });
    try {
      setImage(ns, "web", "nginx:1.26");
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        List<ReplicaSet> sets = replicaSets(ns);
        assertThat(sets).hasSize(2);
        assertThat(sets.get(0).getSpec().getReplicas()).isZero();
        assertThat(sets.get(1).getSpec().getReplicas()).isEqualTo(3);
        assertThat(pods(ns)).hasSize(3).noneSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry("pod-template-hash", oldHash));
      });
    } finally {
      watcher.interrupt();
    }
    assertThat(overlap).as("old and new pods never ran together").hasValue(0);
  }

  @Test
  void pausedDeploymentKeepsOnlyRevisionHistoryLimitOldReplicaSets() {
    String ns = namespace("deploy-history");
    client.apps().deployments().inNamespace(ns).resource(deployment("web", 1).editSpec().withRevisionHistoryLimit(1)
        .withNewStrategy().withType("Recreate").endStrategy().endSpec().build()).create();
    for (String image : List.of("nginx:1.26", "nginx:1.27", "nginx:1.28")) {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(1));
      setImage(ns, "web", image);
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).singleElement()
          .satisfies(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(image)));
    }
    assertThat(replicaSets(ns)).hasSizeGreaterThan(2);

    // Cleanup runs when the rollout completes (needs ready pods) or while paused.
    client.apps().deployments().inNamespace(ns).withName("web").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        "{\"spec\":{\"paused\":true}}");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<ReplicaSet> sets = replicaSets(ns);
      assertThat(sets).extracting(rs -> rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"))
          .containsExactly("3", "4");
      Deployment got = client.apps().deployments().inNamespace(ns).withName("web").get();
      assertThat(got.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Progressing");
        assertThat(c.getStatus()).isEqualTo("Unknown");
        assertThat(c.getReason()).isEqualTo("DeploymentPaused");
      });
    });
  }
}
