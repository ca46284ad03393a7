package io.gubernator.kubelet.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EmptyDirVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class EmptyDirLimitsTest {

  private static final long MI = 1024 * 1024;

  /** Usage by directory; a directory missing here cannot be measured. */
  private final Map<Path, Long> usage = new HashMap<>();
  private final EmptyDirLimits limits = new EmptyDirLimits((uid, name) -> Path.of("/pods", uid, name), dir -> {
    Long used = usage.get(dir);
    if (used == null) throw new IOException("cannot read " + dir);
    return used;
  });

  private static Pod pod(String uid, String volume, String medium, String sizeLimit) {
    return new PodBuilder().withNewMetadata().withName("p-" + uid).withNamespace("ns").withUid(uid).endMetadata()
        .withNewSpec().addNewContainer().withName("main").endContainer()
        .addToVolumes(new VolumeBuilder().withName(volume).withEmptyDir(new EmptyDirVolumeSourceBuilder().withMedium(medium)
            .withSizeLimit(sizeLimit == null ? null : new Quantity(sizeLimit)).build()).build())
        .endSpec().build();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("over its limit", null, "1Mi", 4 * MI, "Usage of EmptyDir volume \"cache\" exceeds the limit \"1Mi\". "),
        Arguments.of("one byte over", "", "1Mi", MI + 1, "Usage of EmptyDir volume \"cache\" exceeds the limit \"1Mi\". "),
        Arguments.of("a decimal limit", null, "500k", 500_001L, "Usage of EmptyDir volume \"cache\" exceeds the limit \"500k\". "),
        Arguments.of("exactly at its limit", null, "1Mi", MI, null),
        Arguments.of("under its limit", null, "1Mi", 10_000L, null),
        Arguments.of("without a limit", null, null, 100 * MI, null),
        Arguments.of("a zero limit means none", null, "0", 100 * MI, null),
        Arguments.of("memory-backed: the tmpfs keeps the limit", "Memory", "1Mi", 4 * MI, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void evictsAPodWhoseDiskEmptyDirExceedsItsSizeLimit(String name, String medium, String sizeLimit, long used, String message) {
    Pod pod = pod("u1", "cache", medium, sizeLimit);
    usage.put(Path.of("/pods/u1/cache"), used);
    List<Eviction> evictions = limits.select(List.of(pod));
    if (message == null) {
      assertThat(evictions).isEmpty();
    } else {
      assertThat(evictions).containsExactly(new Eviction(pod, message));
    }
  }

  @Test
  void onlyThePodOverItsLimitGoes() {
    Pod over = pod("over", "cache", null, "1Mi");
    Pod under = pod("under", "cache", null, "1Mi");
    usage.put(Path.of("/pods/over/cache"), 2 * MI);
    usage.put(Path.of("/pods/under/cache"), MI / 2);
    assertThat(limits.select(List.of(under, over))).extracting(Eviction::pod).containsExactly(over);
  }

  @Test
  void aVolumeThatCannotBeMeasuredEvictsNobodyAndTheOthersAreStillChecked() {
    Pod unreadable = pod("unreadable", "cache", null, "1Mi");
    Pod over = pod("over", "cache", null, "1Mi");
    usage.put(Path.of("/pods/over/cache"), 2 * MI);
    assertThat(limits.select(List.of(unreadable, over))).extracting(Eviction::pod).containsExactly(over);
  }

  @Test
  void aPodOverTwoLimitsIsEvictedOnceForTheFirst() {
    Pod pod = new PodBuilder(pod("u1", "a", null, "1Mi")).editSpec()
        .addToVolumes(new VolumeBuilder().withName("b").withNewEmptyDir().withSizeLimit(new Quantity("1Mi")).endEmptyDir().build())
        .endSpec().build();
    usage.put(Path.of("/pods/u1/a"), 2 * MI);
    usage.put(Path.of("/pods/u1/b"), 2 * MI);
    assertThat(limits.select(List.of(pod))).extracting(Eviction::message)
        .containsExactly("Usage of EmptyDir volume \"a\" exceeds the limit \"1Mi\". ");
  }
}
