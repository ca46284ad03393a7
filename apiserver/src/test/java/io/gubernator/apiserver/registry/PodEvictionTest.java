package io.gubernator.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.serialization.Json;
import org.junit.jupiter.api.Test;

class PodEvictionTest {

  private static ObjectNode json(String s) {
    return Json.parseObject(s.replace('\'', '"').getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static ObjectNode budget(long generation, long observed, int allowed, int healthy, int desired) {
    return json("{'metadata':{'name':'web','generation':" + generation + "},'spec':{'selector':{'matchLabels':{'app':'web'}}},"
        + "'status':{'observedGeneration':" + observed + ",'disruptionsAllowed':" + allowed + ",'currentHealthy':" + healthy
        + ",'desiredHealthy':" + desired + "}}");
  }

  @Test
  void aDisruptionIsTakenAndThePodRecorded() {
    ObjectNode b = PodEviction.takeDisruption(budget(1, 1, 2, 3, 1), "web-a");
    assertThat(b.path("status").path("disruptionsAllowed").asInt()).isEqualTo(1);
    assertThat(b.path("status").path("disruptedPods").has("web-a")).isTrue();
  }

  @Test
  void noDisruptionLeftIsTooManyRequestsNamingTheBudget() {
    assertThatThrownBy(() -> PodEviction.takeDisruption(budget(1, 1, 0, 2, 2), "web-a"))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.code()).isEqualTo(429);
          assertThat(e.reason()).isEqualTo("TooManyRequests");
          assertThat(e.getMessage()).isEqualTo("Cannot evict pod as it would violate the pod's disruption budget.");
          assertThat(e.causes()).singleElement().satisfies(c -> {
            assertThat(c.reason()).isEqualTo("DisruptionBudget");
            assertThat(c.message()).isEqualTo("The disruption budget web needs 2 healthy pods and has 2 currently");
          });
        });
  }

  @Test
  void aBudgetTheControllerHasNotSeenYetRefusesForNow() {
    assertThatThrownBy(() -> PodEviction.takeDisruption(budget(2, 1, 5, 5, 0), "web-a"))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.causes().getFirst().message())
            .isEqualTo("The disruption budget web is still being processed by the server."));
    assertThatThrownBy(() -> PodEviction.takeDisruption(budget(1, 1, -1, 0, 0), "web-a"))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(403));
  }

  @Test
  void podsThatAreNotRunningIgnoreBudgets() {
    assertThat(PodEviction.canIgnoreBudget(json("{'status':{'phase':'Pending'}}"))).isTrue();
    assertThat(PodEviction.canIgnoreBudget(json("{'status':{'phase':'Succeeded'}}"))).isTrue();
    assertThat(PodEviction.canIgnoreBudget(json("{'status':{'phase':'Failed'}}"))).isTrue();
    assertThat(PodEviction.canIgnoreBudget(json("{'metadata':{'deletionTimestamp':'2026-01-01T00:00:00Z'},'status':{'phase':'Running'}}"))).isTrue();
    assertThat(PodEviction.canIgnoreBudget(json("{'status':{'phase':'Running'}}"))).isFalse();
  }

  @Test
  void anUnreadyPodGoesFreelyOnlyWhileTheBudgetIsMetOrThePolicySaysAlways() {
    assertThat(PodEviction.unreadyMayGo(budget(1, 1, 0, 2, 2))).isTrue();
    assertThat(PodEviction.unreadyMayGo(budget(1, 1, 0, 1, 2))).isFalse();
    assertThat(PodEviction.unreadyMayGo(budget(1, 1, 0, 0, 0))).isFalse();
    ObjectNode always = budget(1, 1, 0, 1, 2);
    always.with("spec").put("unhealthyPodEvictionPolicy", "AlwaysAllow");
    assertThat(PodEviction.unreadyMayGo(always)).isTrue();
  }

  @Test
  void selectorsFollowPolicyV1() {
    ObjectNode pod = json("{'metadata':{'labels':{'app':'web'}}}");
    assertThat(PodEviction.selects(budget(1, 1, 0, 0, 0), pod)).isTrue();
    assertThat(PodEviction.selects(json("{'spec':{'selector':{}}}"), pod)).isTrue();
    assertThat(PodEviction.selects(json("{'spec':{}}"), pod)).isFalse();
    assertThat(PodEviction.selects(json("{'spec':{'selector':{'matchLabels':{'app':'db'}}}}"), pod)).isFalse();
  }
}
