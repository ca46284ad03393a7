package io.gubernator.controllers.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespaceControllerTest extends ClusterTestBase {

  @Test
  void deletedNamespaceIsEmptiedAndThenRemoved() {
    String ns = namespace("doomed");
    String other = namespace("bystander");
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
        .addToData("k", "v").build()).create();
    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("s").endMetadata()
        .addToStringData("k", "v").build()).create();
    client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withTemplate(template(Map.of("app", "web"), "nginx")).endSpec().build()).create();
    client.pods().inNamespace(ns).resource(pod("loose", Map.of("x", "y"))).create();
    client.configMaps().inNamespace(other).resource(new ConfigMapBuilder().withNewMetadata().withName("keep").endMetadata().build()).create();

    client.namespaces().withName(ns).delete();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.namespaces().withName(ns).get()).isNull());
    assertThat(client.configMaps().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(client.configMaps().inNamespace(other).withName("keep").get()).as("other namespaces are untouched").isNotNull();
  }

  @Test
  void contentHeldByAFinalizerKeepsTheNamespaceTerminatingUntilReleased() {
    String ns = namespace("held");
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("pinned")
        .withFinalizers("example.com/hold").endMetadata().build()).create();

    client.namespaces().withName(ns).delete();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Namespace n = client.namespaces().withName(ns).get();
      assertThat(n.getStatus().getPhase()).isEqualTo("Terminating");
      assertThat(n.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("NamespaceContentRemaining");
        assertThat(c.getMessage()).contains("configmaps has 1 resource instances");
      });
    });
    client.configMaps().inNamespace(ns).withName("pinned").edit(c -> {
      c.getMetadata().setFinalizers(null);
      return c;
    });
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.namespaces().withName(ns).get()).isNull());
  }
}
