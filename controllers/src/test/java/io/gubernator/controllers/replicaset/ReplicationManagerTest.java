package io.gubernator.controllers.replicaset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ReplicationControllers, run by the same controller as ReplicaSets through a conversion. */
class ReplicationManagerTest extends ClusterTestBase {

  @Test
  void aReplicationControllerKeepsItsReplicasOwnedAndReportsStatus() {
    String ns = namespace("rc-basic");
    ReplicationController rc = client.replicationControllers().inNamespace(ns).resource(new ReplicationControllerBuilder()
        .withNewMetadata().withName("legacy").endMetadata()
        .withNewSpec().withReplicas(3).withSelector(Map.of("app", "legacy")).withTemplate(template(Map.of("app", "legacy"), "nginx")).endSpec()
        .build()).create();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(3));
    for (Pod p : pods(ns)) {
      assertThat(p.getMetadata().getName()).startsWith("legacy-");
      OwnerReference ref = p.getMetadata().getOwnerReferences().get(0);
      assertThat(ref.getKind()).isEqualTo("ReplicationController");
      assertThat(ref.getApiVersion()).isEqualTo("v1");
      assertThat(ref.getUid()).isEqualTo(rc.getMetadata().getUid());
      assertThat(ref.getController()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      ReplicationController got = client.replicationControllers().inNamespace(ns).withName("legacy").get();
      assertThat(got.getStatus().getReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getFullyLabeledReplicas()).isEqualTo(3);
      assertThat(got.getStatus().getObservedGeneration()).isEqualTo(got.getMetadata().getGeneration());
    });
    assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> "SuccessfulCreate".equals(e.getReason()))
        .allSatisfy(e -> assertThat(e.getInvolvedObject().getKind()).isEqualTo("ReplicationController"));

    client.replicationControllers().inNamespace(ns).withName("legacy").scale(1);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(pods(ns)).filteredOn(p -> p.getMetadata().getDeletionTimestamp() == null).hasSize(1));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(client.replicationControllers().inNamespace(ns).withName("legacy").get().getStatus().getReplicas()).isEqualTo(1));
  }
}
