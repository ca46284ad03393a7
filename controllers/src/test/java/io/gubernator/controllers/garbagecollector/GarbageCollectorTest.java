package io.gubernator.controllers.garbagecollector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest extends ClusterTestBase {

  private static ConfigMap create(String ns, String name, String... finalizers) {
    return client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .withFinalizers(finalizers).endMetadata().build()).create();
  }

  private static ConfigMap child(String ns, String name, ConfigMap owner, boolean block) {
    return client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName(owner.getMetadata().getName())
            .withUid(owner.getMetadata().getUid()).withBlockOwnerDeletion(block).build())
        .endMetadata().build()).create();
  }

  @Test
  void deletingADeploymentRemovesItsReplicaSetsAndPods() {
    String ns = namespace("gc-deploy");
    client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withTemplate(template(Map.of("app", "web"), "nginx")).endSpec().build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pods(ns)).hasSize(3));

    client.apps().deployments().inNamespace(ns).withName("web").delete();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(client.apps().replicaSets().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(pods(ns)).isEmpty();
    });
  }

  @Test
  void dependentOfADeletedOwnerIsDeletedAndOneWithALiveOwnerIsKept() {
    String ns = namespace("gc-background");
    ConfigMap parent = create(ns, "parent");
    ConfigMap other = create(ns, "other");
    child(ns, "child", parent, false);
    // Two owners: losing one of them is not enough to be collected.
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("shared")
        .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("parent").withUid(parent.getMetadata().getUid()).endOwnerReference()
        .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("other").withUid(other.getMetadata().getUid()).endOwnerReference()
        .endMetadata().build()).create();

    client.configMaps().inNamespace(ns).withName("parent").delete();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(client.configMaps().inNamespace(ns).withName("child").get()).isNull();
      ConfigMap shared = client.configMaps().inNamespace(ns).withName("shared").get();
      assertThat(shared).isNotNull();
      assertThat(shared.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(r -> assertThat(r.getUid()).isEqualTo(other.getMetadata().getUid()));
    });
  }

  @Test
  void ownerCreatedAfterItsDanglingReferenceDoesNotSaveTheDependent() {
    String ns = namespace("gc-dangling");
    // An owner reference to a uid that never existed: the dependent is garbage from the start.
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("stray")
        .addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap").withName("ghost").withUid("0b7e4a52-0000-4000-8000-000000000000").endOwnerReference()
        .endMetadata().build()).create();
    create(ns, "ghost");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.configMaps().inNamespace(ns).withName("stray").get()).isNull());
    assertThat(client.configMaps().inNamespace(ns).withName("ghost").get()).isNotNull();
  }

  @Test
  void orphanDeletionLeavesDependentsWithoutTheOwnerReference() {
    String ns = namespace("gc-orphan");
    ConfigMap parent = create(ns, "parent");
    child(ns, "child", parent, false);

    // The API server turns propagationPolicy=Orphan into the orphan finalizer for the collector.
    client.configMaps().inNamespace(ns).withName("parent").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(client.configMaps().inNamespace(ns).withName("parent").get()).isNull();
      ConfigMap child = client.configMaps().inNamespace(ns).withName("child").get();
      assertThat(child).isNotNull();
      assertThat(child.getMetadata().getOwnerReferences()).isNullOrEmpty();
    });
  }

  @Test
  void foregroundFinalizerDeletesBlockingDependentsBeforeTheOwner() {
    String ns = namespace("gc-foreground");
    ConfigMap parent = create(ns, "parent", "foregroundDeletion");
    child(ns, "child", parent, true);

    // An explicit Background policy would drop the finalizer, as Kubernetes does; Foreground keeps it.
    client.configMaps().inNamespace(ns).withName("parent").withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(client.configMaps().inNamespace(ns).withName("child").get()).isNull();
      assertThat(client.configMaps().inNamespace(ns).withName("parent").get()).isNull();
    });
  }
}
