package io.gubernator.controllers.disruption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DisruptionControllerTest extends ClusterTestBase {

  /** A pod as its kubelet would report it: Running, Ready or not. */
  private static void runningPod(String ns, String name, boolean ready) {
    Pod pod = client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).addToLabels("app", "web")
        .endMetadata().withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec().build()).create();
    pod.getStatus().setPhase("Running");
    pod.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build()));
    client.pods().inNamespace(ns).resource(pod).updateStatus();
  }

  private static void budget(String ns, IntOrString minAvailable, IntOrString maxUnavailable) {
    client.resource(new PodDisruptionBudgetBuilder().withNewMetadata().withName("web").withNamespace(ns).endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withMinAvailable(minAvailable).withMaxUnavailable(maxUnavailable).endSpec().build()).create();
  }

  /**
   * Evicts through a client that takes a 429 as the answer: fabric8 otherwise retries it with
   * backoff for about 20 s before {@code evict()} says false.
   */
  private static boolean evict(String ns, String pod) {
    try (KubernetesClient once = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build()) {
      return once.pods().inNamespace(ns).withName(pod).evict();
    }
  }

  private static PodDisruptionBudget budget(String ns) {
    return client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("web").get();
  }

  private static String summary(PodDisruptionBudget b) {
    var s = b.getStatus();
    return s.getExpectedPods() + " " + s.getCurrentHealthy() + " " + s.getDesiredHealthy() + " " + s.getDisruptionsAllowed() + " "
        + s.getConditions().getFirst().getStatus() + "/" + s.getConditions().getFirst().getReason();
  }

  @Test
  void anIntegerMinAvailableCountsTheSelectedReadyPodsAndEvictionsSpendTheDifference() {
    String ns = namespace("pdb-min");
    runningPod(ns, "a", true);
    runningPod(ns, "b", true);
    runningPod(ns, "c", true);
    runningPod(ns, "unready", false);
    budget(ns, new IntOrString(2), null);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(summary(budget(ns))).isEqualTo("4 3 2 1 True/SufficientPods"));
    assertThat(budget(ns).getStatus().getObservedGeneration()).isEqualTo(1L);

    // The not-ready pod goes without spending the one disruption: the budget is met without it.
    assertThat(evict(ns, "unready")).isTrue();
    assertThat(evict(ns, "a")).isTrue();
    // The eviction took the disruption in the same write that checked it, before the controller ran again.
    assertThat(evict(ns, "b")).isFalse();
    assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("b", "c");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(summary(budget(ns))).isEqualTo("2 2 2 0 False/InsufficientPods"));
    assertThat(budget(ns).getStatus().getDisruptedPods()).isNullOrEmpty();
  }

  @Test
  void aPercentageNeedsTheControllersScaleAndWithoutOneNothingMayBeDisrupted() {
    String ns = namespace("pdb-pct");
    runningPod(ns, "a", true);
    budget(ns, null, new IntOrString("50%"));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      PodDisruptionBudget b = budget(ns);
      assertThat(b.getStatus().getDisruptionsAllowed()).isZero();
      assertThat(b.getStatus().getConditions().getFirst().getReason()).isEqualTo("SyncFailed");
      assertThat(b.getStatus().getConditions().getFirst().getMessage()).isEqualTo("found no controller ref for pod \"a\"");
    });
    assertThat(evict(ns, "a")).isFalse();
  }

  @Test
  void maxUnavailableCountsWhatTheControllerWantsNotWhatRuns() {
    String ns = namespace("pdb-scale");
    client.apps().replicaSets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder()
        .withNewMetadata().withName("web").endMetadata().withNewSpec().withReplicas(4).withNewSelector().addToMatchLabels("app", "web")
        .endSelector().withTemplate(template(Map.of("app", "web"), "nginx")).endSpec().build()).create();
    budget(ns, null, new IntOrString("25%"));
    // Four pods wanted, none ready (no node runs them): 4 - ceil(25% of 4) = 3 must stay healthy.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(summary(budget(ns))).isEqualTo("4 0 3 0 False/InsufficientPods"));
  }

  @Test
  void percentagesRoundUpAsKubernetesScalesThem() throws Exception {
    assertThat(DisruptionController.resolve(new IntOrString("34%"), 3)).isEqualTo(2);
    assertThat(DisruptionController.resolve(new IntOrString("50%"), 5)).isEqualTo(3);
    assertThat(DisruptionController.resolve(new IntOrString("0%"), 5)).isZero();
    assertThat(DisruptionController.resolve(new IntOrString(4), 5)).isEqualTo(4);
  }

  @Test
  void anEvictionIsPendingUntilItsPodGoesOrTwoMinutesPass() {
    Instant now = Instant.parse("2026-01-01T00:10:00Z");
    Pod running = new PodBuilder().withNewMetadata().withName("running").endMetadata().build();
    Pod deleting = new PodBuilder().withNewMetadata().withName("deleting").withDeletionTimestamp("2026-01-01T00:09:59Z").endMetadata().build();
    Pod stale = new PodBuilder().withNewMetadata().withName("stale").endMetadata().build();
    Map<String, String> recorded = Map.of("running", "2026-01-01T00:09:00Z", "deleting", "2026-01-01T00:09:00Z",
        "stale", "2026-01-01T00:07:59Z", "gone", "2026-01-01T00:09:30Z");
    assertThat(DisruptionController.stillDisrupted(recorded, List.of(running, deleting, stale), now))
        .containsOnlyKeys("running");
  }
}
