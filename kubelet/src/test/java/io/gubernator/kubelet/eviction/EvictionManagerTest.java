package io.gubernator.kubelet.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EvictionManagerTest {

  private final List<Eviction> evicted = new CopyOnWriteArrayList<>();

  private static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").withUid("uid-" + name).endMetadata()
        .withNewSpec().endSpec().build();
  }

  /** A check that picks every pod it is shown. */
  private static EvictionCheck everyone(String why) {
    return pods -> pods.stream().map(p -> new Eviction(p, why)).toList();
  }

  static Stream<Arguments> critical() {
    return Stream.of(
        Arguments.of("a static pod", new PodBuilder(pod("s")).editMetadata().addToAnnotations("kubernetes.io/config.source", "file")
            .endMetadata().build()),
        Arguments.of("a mirror pod", new PodBuilder(pod("m")).editMetadata().addToAnnotations("kubernetes.io/config.mirror", "abc")
            .endMetadata().build()),
        Arguments.of("system-cluster-critical", new PodBuilder(pod("c")).editSpec().withPriority(2_000_000_000).endSpec().build()),
        Arguments.of("system-node-critical", new PodBuilder(pod("n")).editSpec().withPriority(2_000_001_000).endSpec().build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("critical")
  void criticalPodsAreNeverEvicted(String name, Pod pod) {
    EvictionManager manager = new EvictionManager(List.of(everyone("full")), () -> List.of(pod), evicted::add);
    assertThat(manager.synchronize()).isEmpty();
    assertThat(evicted).isEmpty();
  }

  @Test
  void aPodFromTheApiWithAHighButNotCriticalPriorityIsEvicted() {
    Pod pod = new PodBuilder(pod("p")).editMetadata().addToAnnotations("kubernetes.io/config.source", "api").endMetadata()
        .editSpec().withPriority(1_999_999_999).endSpec().build();
    new EvictionManager(List.of(everyone("full")), () -> List.of(pod), evicted::add).synchronize();
    assertThat(evicted).containsExactly(new Eviction(pod, "full"));
  }

  @Test
  void aPodPickedByTwoChecksIsEvictedOnceForTheFirst() {
    Pod a = pod("a");
    Pod b = pod("b");
    EvictionCheck onlyB = pods -> pods.stream().filter(p -> p == b).map(p -> new Eviction(p, "second")).toList();
    List<Pod> shownToSecond = new CopyOnWriteArrayList<>();
    EvictionCheck second = pods -> {
      shownToSecond.addAll(pods);
      return List.of();
    };
    new EvictionManager(List.of(onlyB, second, everyone("third")), () -> List.of(a, b), evicted::add).synchronize();
    assertThat(evicted).containsExactly(new Eviction(b, "second"), new Eviction(a, "third"));
    // A later check is not asked about a pod that is already going.
    assertThat(shownToSecond).containsExactly(a);
  }

  @Test
  void aCheckThatPicksNobodyEvictsNobody() {
    assertThat(new EvictionManager(List.of(pods -> List.of()), () -> List.of(pod("a")), evicted::add).synchronize()).isEmpty();
    assertThat(evicted).isEmpty();
  }
}
