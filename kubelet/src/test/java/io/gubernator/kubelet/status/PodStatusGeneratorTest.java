package io.gubernator.kubelet.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.gubernator.kubelet.cri.v1.ContainerMetadata;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.cri.v1.PodSandboxNetworkStatus;
import io.gubernator.kubelet.cri.v1.PodSandboxState;
import io.gubernator.kubelet.cri.v1.PodSandboxStatus;
import io.gubernator.kubelet.kuberuntime.KubeRuntimeManager.Waiting;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodStatusGeneratorTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:10Z");
  private static long created = 1;

  private static Pod pod(String restartPolicy, String... containers) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u").endMetadata()
        .withNewSpec().withRestartPolicy(restartPolicy).endSpec();
    for (String c : containers) b.editSpec().addNewContainer().withName(c).withImage("img").endContainer().endSpec();
    return b.build();
  }

  private static ContainerStatus running(String name) {
    return ContainerStatus.newBuilder().setId(name + created).setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setState(ContainerState.CONTAINER_RUNNING).setCreatedAt(created++).setStartedAt(5_000_000_000L).build();
  }

  private static ContainerStatus exited(String name, int code) {
    return ContainerStatus.newBuilder().setId(name + created).setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setState(ContainerState.CONTAINER_EXITED).setCreatedAt(created++).setExitCode(code)
        .setStartedAt(1_000_000_000L).setFinishedAt(2_000_000_000L).build();
  }

  private static final PodSandboxStatus SANDBOX = PodSandboxStatus.newBuilder().setId("s").setState(PodSandboxState.SANDBOX_READY)
      .setNetwork(PodSandboxNetworkStatus.newBuilder().setIp("10.42.0.5")).setCreatedAt(1).build();

  private static PodStatus generate(Pod pod, List<ContainerStatus> containers, Map<String, Waiting> waiting) {
    return PodStatusGenerator.generate(pod, new RuntimePod("u", List.of(SANDBOX), containers), waiting, c -> true, c -> true, "192.0.2.1", NOW);
  }

  static Stream<Arguments> phases() {
    return Stream.of(
        Arguments.of("nothing started yet", pod("Always", "a"), List.of(), "Pending"),
        Arguments.of("all running", pod("Always", "a", "b"), List.of(running("a"), running("b")), "Running"),
        Arguments.of("one still waiting", pod("Always", "a", "b"), List.of(running("a")), "Pending"),
        Arguments.of("exited under Always restarts", pod("Always", "a"), List.of(exited("a", 0)), "Running"),
        Arguments.of("all exited 0 under Never", pod("Never", "a", "b"), List.of(exited("a", 0), exited("b", 0)), "Succeeded"),
        Arguments.of("one failed under Never", pod("Never", "a", "b"), List.of(exited("a", 0), exited("b", 2)), "Failed"),
        Arguments.of("failed under OnFailure restarts", pod("OnFailure", "a"), List.of(exited("a", 1)), "Running"),
        Arguments.of("done under OnFailure", pod("OnFailure", "a"), List.of(exited("a", 0)), "Succeeded"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("phases")
  void phaseFollowsKubernetesRules(String name, Pod pod, List<ContainerStatus> containers, String phase) {
    assertThat(generate(pod, containers, Map.of()).getPhase()).isEqualTo(phase);
  }

  @Test
  void aBackedOffContainerWaitsWithItsLastExitAsLastState() {
    ContainerStatus exit = exited("a", 1);
    PodStatus s = generate(pod("Always", "a"), List.of(exit), Map.of("a", new Waiting("CrashLoopBackOff", "back-off 10s")));
    var cs = s.getContainerStatuses().get(0);
    assertThat(cs.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
    assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(1);
    assertThat(cs.getLastState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(cs.getContainerID()).isEqualTo("containerd://" + exit.getId());
    assertThat(s.getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
        .satisfies(c -> assertThat(c.getStatus() + " " + c.getReason() + " " + c.getMessage())
            .isEqualTo("False ContainersNotReady containers with unready status: [a]"));
  }

  @Test
  void aRunningPodReportsAddressesAndKeepsTransitionTimes() {
    Pod pod = pod("Always", "a");
    PodStatus first = generate(pod, List.of(running("a")), Map.of());
    assertThat(first.getPodIP()).isEqualTo("10.42.0.5");
    assertThat(first.getHostIP()).isEqualTo("192.0.2.1");
    assertThat(first.getContainerStatuses().get(0).getReady()).isTrue();
    Pod later = new PodBuilder(pod).withStatus(first).build();
    PodStatus second = PodStatusGenerator.generate(later, new RuntimePod("u", List.of(SANDBOX), List.of(running("a"))), Map.of(),
        c -> true, c -> true, "192.0.2.1", NOW.plusSeconds(60));
    assertThat(second.getConditions()).extracting(c -> c.getLastTransitionTime())
        .containsExactlyElementsOf(first.getConditions().stream().map(c -> c.getLastTransitionTime()).toList());
    assertThat(second.getStartTime()).isEqualTo(first.getStartTime());
  }

  @Test
  void anEvictedPodStaysFailedWithItsReasonAndMessageWhileARunningOneHasNone() {
    Pod evicted = io.gubernator.kubelet.eviction.Eviction.failed(pod("Always", "a"), "Usage of EmptyDir volume \"x\" exceeds the limit \"1Mi\". ");
    PodStatus s = generate(evicted, List.of(exited("a", 137)), Map.of());
    assertThat(s.getPhase() + "/" + s.getReason() + "/" + s.getMessage())
        .isEqualTo("Failed/Evicted/Usage of EmptyDir volume \"x\" exceeds the limit \"1Mi\". ");
    assertThat(s.getContainerStatuses().get(0).getState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(s.getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
        .satisfies(c -> assertThat(c.getStatus() + " " + c.getReason()).isEqualTo("False PodCompleted"));
    // A reason left by someone else on a pod that is not finished is not the kubelet's to keep.
    Pod running = new PodBuilder(pod("Always", "a")).withNewStatus().withPhase("Running").withReason("Other").endStatus().build();
    assertThat(generate(running, List.of(running("a")), Map.of()).getReason()).isNull();
  }
}
