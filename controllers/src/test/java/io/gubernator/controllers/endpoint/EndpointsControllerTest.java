package io.gubernator.controllers.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointsControllerTest extends ClusterTestBase {

  /** A pod as a kubelet would report it: bound, with an IP, and Ready or not. */
  private static void runningPod(String ns, String name, String ip, boolean ready, Map<String, String> labels) {
    Pod pod = client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("nginx").addNewPort().withName("http").withContainerPort(8080)
        .endPort().endContainer().endSpec().build()).create();
    pod.getStatus().setPhase("Running");
    pod.getStatus().setPodIP(ip);
    pod.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build()));
    client.pods().inNamespace(ns).resource(pod).updateStatus();
  }

  @Test
  void readyAndNotReadyPodsAreListedWithNamedPortsResolved() {
    String ns = namespace("ep");
    client.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
        .withNewSpec().addToSelector("app", "web").addNewPort().withName("http").withPort(80)
        .withTargetPort(new IntOrString("http")).endPort().endSpec().build()).create();
    runningPod(ns, "a", "10.244.0.11", true, Map.of("app", "web"));
    runningPod(ns, "b", "10.244.0.12", false, Map.of("app", "web"));
    runningPod(ns, "other", "10.244.0.13", true, Map.of("app", "other"));

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Endpoints ep = client.endpoints().inNamespace(ns).withName("web").get();
      assertThat(ep).isNotNull();
      assertThat(ep.getSubsets()).hasSize(1);
      EndpointSubset subset = ep.getSubsets().getFirst();
      assertThat(subset.getAddresses()).extracting(a -> a.getIp()).containsExactly("10.244.0.11");
      assertThat(subset.getNotReadyAddresses()).extracting(a -> a.getIp()).containsExactly("10.244.0.12");
      assertThat(subset.getPorts()).singleElement().satisfies(p -> {
        assertThat(p.getPort()).isEqualTo(8080);
        assertThat(p.getName()).isEqualTo("http");
      });
      assertThat(subset.getAddresses().getFirst().getTargetRef().getName()).isEqualTo("a");
    });

    // The same endpoints as an EndpointSlice owned by the Service.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      var slices = client.discovery().v1().endpointSlices().inNamespace(ns).withLabel("kubernetes.io/service-name", "web").list().getItems();
      assertThat(slices).singleElement().satisfies(slice -> {
        assertThat(slice.getAddressType()).isEqualTo("IPv4");
        assertThat(slice.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(8080));
        assertThat(slice.getEndpoints()).extracting(e -> e.getAddresses().getFirst() + "=" + e.getConditions().getReady())
            .containsExactly("10.244.0.11=true", "10.244.0.12=false");
        assertThat(slice.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> assertThat(r.getKind()).isEqualTo("Service"));
      });
    });

    // The pod turning ready moves it; deleting the service removes its endpoints.
    Pod b = client.pods().inNamespace(ns).withName("b").get();
    b.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus("True").build()));
    client.pods().inNamespace(ns).resource(b).updateStatus();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
        client.endpoints().inNamespace(ns).withName("web").get().getSubsets().getFirst().getAddresses()).hasSize(2));
    client.services().inNamespace(ns).withName("web").delete();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(client.endpoints().inNamespace(ns).withName("web").get()).isNull();
      assertThat(client.discovery().v1().endpointSlices().inNamespace(ns).list().getItems()).as("owned slices go with the Service").isEmpty();
    });
  }
}
