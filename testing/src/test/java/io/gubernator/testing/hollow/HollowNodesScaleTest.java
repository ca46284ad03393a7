package io.gubernator.testing.hollow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One process carries a thousand hollow nodes: they all register Ready, with Leases, quickly. */
class HollowNodesScaleTest {

  private static final int COUNT = 1000;

  @Test
  void aThousandNodesRegisterReadyWithLeases() throws Exception {
    try (ApiServerFixture cluster = ApiServerFixture.start(); KubernetesClient hollowClient = cluster.newClient()) {
      KubernetesClient client = cluster.client();
      long begin = System.nanoTime();
      try (HollowNodes hollow = HollowNodes.start(hollowClient, HollowNodeConfig.defaults(COUNT))) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> readyNodes(client) == COUNT);
        long nodesMs = (System.nanoTime() - begin) / 1_000_000;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
            .until(() -> client.leases().inNamespace("kube-node-lease").list().getItems().size() == COUNT);
        long leasesMs = (System.nanoTime() - begin) / 1_000_000;
        System.out.printf("hollow scale: %d nodes Ready in %d ms, %d Leases in %d ms (%.0f nodes/s)%n",
            COUNT, nodesMs, COUNT, leasesMs, COUNT * 1000.0 / leasesMs);
        assertThat(hollow.awaitReady(Duration.ofSeconds(10))).isTrue();
        // Pod ranges stay distinct past the 256th node (10.244.255.0/24 is followed by 10.245.0.0/24).
        Set<String> cidrs = new HashSet<>();
        for (Node n : client.nodes().list().getItems()) cidrs.add(n.getSpec().getPodCIDR());
        assertThat(cidrs).hasSize(COUNT).contains("10.245.0.0/24", "10.247.231.0/24");
      }
    }
  }

  private static long readyNodes(KubernetesClient client) {
    return client.nodes().withLabel("type", "hollow").list().getItems().stream()
        .filter(n -> n.getStatus() != null && n.getStatus().getConditions() != null)
        .filter(n -> n.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
        .count();
  }
}
