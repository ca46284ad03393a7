package io.gubernator.controllers.garbagecollector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.MetadataOnly;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The garbage collector's informers receive metadata only, from the initial list and from the watch. */
class MetadataInformerTest extends ClusterTestBase {

  @Test
  void informersOfTheMetadataClientHoldNoSpecOrData() {
    String ns = namespace("gc-metadata");
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("listed")
        .addToLabels("a", "b").endMetadata().addToData("big", "x".repeat(1000)).build()).create();
    ResourceDefinitionContext configMaps = new ResourceDefinitionContext.Builder().withGroup("").withVersion("v1")
        .withPlural("configmaps").withKind("ConfigMap").withNamespaced(true).build();
    try (KubernetesClient metadata = MetadataOnly.client(client)) {
      SharedIndexInformer<GenericKubernetesResource> informer =
          metadata.genericKubernetesResources(configMaps).inNamespace(ns).runnableInformer(0);
      informer.start();
      try {
        await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("watched")
            .endMetadata().addToData("big", "y".repeat(1000)).build()).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> informer.getStore().getByKey(ns + "/watched") != null);
        GenericKubernetesResource listed = informer.getStore().getByKey(ns + "/listed");
        GenericKubernetesResource watched = informer.getStore().getByKey(ns + "/watched");
        assertThat(listed.getMetadata().getLabels()).containsEntry("a", "b");
        assertThat(listed.getMetadata().getUid()).isNotEmpty();
        assertThat(listed.getAdditionalProperties()).doesNotContainKey("data");
        assertThat(watched.getMetadata().getUid()).isNotEmpty();
        assertThat(watched.getAdditionalProperties()).doesNotContainKey("data");
      } finally {
        informer.stop();
      }
    }
  }
}
