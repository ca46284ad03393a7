package io.gubernator.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which pod updates make the kubelet sync, and which it only takes note of. */
class StatusOnlyUpdateTest {

  private static final Pod POD = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u")
      .withResourceVersion("1").addToLabels("app", "a").endMetadata()
      .withNewSpec().addNewContainer().withName("main").withImage("img").endContainer().endSpec()
      .withNewStatus().withPhase("Pending").endStatus().build();

  static Stream<Arguments> updates() {
    return Stream.of(
        Arguments.of("a new status and resourceVersion", true, (UnaryOperator<PodBuilder>) b -> b.editStatus().withPhase("Running")
            .endStatus().editMetadata().withResourceVersion("2").endMetadata()),
        Arguments.of("a deletion", false, (UnaryOperator<PodBuilder>) b -> b.editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z")
            .withDeletionGracePeriodSeconds(30L).endMetadata()),
        Arguments.of("a label (downward API volumes show it)", false,
            (UnaryOperator<PodBuilder>) b -> b.editMetadata().addToLabels("tier", "web").endMetadata()),
        Arguments.of("an annotation", false, (UnaryOperator<PodBuilder>) b -> b.editMetadata().addToAnnotations("k", "v").endMetadata()),
        Arguments.of("a new image", false, (UnaryOperator<PodBuilder>) b -> b.editSpec().editFirstContainer().withImage("img:2")
            .endContainer().endSpec()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("updates")
  void onlyAStatusChangeIsNoReasonToSync(String name, boolean statusOnly, UnaryOperator<PodBuilder> change) {
    assertThat(Kubelet.onlyStatusChanged(POD, change.apply(new PodBuilder(POD)).build())).isEqualTo(statusOnly);
  }
}
