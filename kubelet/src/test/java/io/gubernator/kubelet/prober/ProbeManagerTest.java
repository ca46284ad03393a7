package io.gubernator.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.gubernator.kubelet.cri.v1.ContainerMetadata;
import io.gubernator.kubelet.cri.v1.ContainerState;
import io.gubernator.kubelet.cri.v1.ContainerStatus;
import io.gubernator.kubelet.cri.v1.PodSandboxNetworkStatus;
import io.gubernator.kubelet.cri.v1.PodSandboxState;
import io.gubernator.kubelet.cri.v1.PodSandboxStatus;
import io.gubernator.kubelet.kuberuntime.RuntimePod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProbeManagerTest {

  private static final String UID = "uid-1";
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  /** Answers per "container/type" (the probe object tells the type), counting calls. */
  static final class FakeProber implements Prober {
    final Map<String, ProbeResult> answers = new HashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();
    volatile String lastPodIp;

    @Override
    public ProbeResult probe(Pod pod, String podIp, Container container, String containerId, Probe probe) {
      ProbeType type = Stream.of(ProbeType.values()).filter(t -> t.of(container) == probe).findFirst().orElseThrow();
      String key = container.getName() + "/" + type;
      calls.add(key);
      threads.add(Thread.currentThread());
      lastPodIp = podIp;
      return answers.getOrDefault(key, ProbeResult.success("ok"));
    }

    void answer(String container, ProbeType type, ProbeResult r) {
      answers.put(container + "/" + type, r);
    }

    long count(String container, ProbeType type) {
      return calls.stream().filter((container + "/" + type)::equals).count();
    }
  }

  static final class MutableClock extends Clock {
    volatile Instant now = T0;

    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
    void advance(Duration d) { now = now.plus(d); }
  }

  record Event(String type, String reason, String message) {}

  private final FakeProber prober = new FakeProber();
  private final MutableClock clock = new MutableClock();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> resyncs = new CopyOnWriteArrayList<>();
  private ProbeManager manager;

  @BeforeEach
  void setUp() {
    manager = new ProbeManager(prober, (pod, type, reason, message) -> events.add(new Event(type, reason, message)), resyncs::add,
        clock, false);
  }

  static Probe probe(int initialDelay, int successThreshold, int failureThreshold) {
    return new ProbeBuilder().withNewExec().withCommand("true").endExec().withInitialDelaySeconds(initialDelay)
        .withPeriodSeconds(10).withTimeoutSeconds(1).withSuccessThreshold(successThreshold).withFailureThreshold(failureThreshold).build();
  }

  static Container container(String name, Probe liveness, Probe readiness, Probe startup) {
    return new ContainerBuilder().withName(name).withImage("busybox").withLivenessProbe(liveness).withReadinessProbe(readiness)
        .withStartupProbe(startup).build();
  }

  static Pod pod(Container... containers) {
    return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid(UID).endMetadata()
        .withNewSpec().withContainers(containers).endSpec().build();
  }

  static ContainerStatus running(String name, String id, Instant startedAt) {
    long nanos = startedAt.getEpochSecond() * 1_000_000_000L + startedAt.getNano();
    return ContainerStatus.newBuilder().setId(id).setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setState(ContainerState.CONTAINER_RUNNING).setCreatedAt(nanos).setStartedAt(nanos).build();
  }

  static ContainerStatus exited(String name, String id) {
    return ContainerStatus.newBuilder().setId(id).setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setState(ContainerState.CONTAINER_EXITED).setCreatedAt(1).setExitCode(137).build();
  }

  static RuntimePod runtime(ContainerStatus... containers) {
    PodSandboxStatus sandbox = PodSandboxStatus.newBuilder().setId("sb").setState(PodSandboxState.SANDBOX_READY)
        .setNetwork(PodSandboxNetworkStatus.newBuilder().setIp("10.42.0.7")).build();
    return new RuntimePod(UID, List.of(sandbox), List.of(containers));
  }

  private boolean tick(String container, ProbeType type) {
    return manager.worker(UID, container, type).doProbe();
  }

  private static ProbeResult outcome(char c) {
    return c == 'S' ? ProbeResult.success("ok") : ProbeResult.failure("boom");
  }

  static Stream<Arguments> readinessCases() {
    return Stream.of(
        Arguments.of("ready only after successThreshold successes in a row", 2, 3, "SFSS", "ffft"),
        Arguments.of("unready only after failureThreshold failures in a row", 1, 3, "SFFF", "tttf"),
        Arguments.of("a success between failures starts the count again", 1, 3, "SFFSFF", "tttttt"),
        Arguments.of("ready again after one success with successThreshold 1", 1, 1, "SFS", "tft"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("readinessCases")
  void readinessFollowsThresholds(String name, int successThreshold, int failureThreshold, String outcomes, String expected) {
    Container c = container("app", null, probe(0, successThreshold, failureThreshold), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    assertThat(manager.ready(UID, "app")).as("not ready before the first probe").isFalse();
    for (int i = 0; i < outcomes.length(); i++) {
      prober.answer("app", ProbeType.READINESS, outcome(outcomes.charAt(i)));
      assertThat(tick("app", ProbeType.READINESS)).isTrue();
      assertThat(manager.ready(UID, "app")).as("after probe %d (%s)", i + 1, outcomes.substring(0, i + 1))
          .isEqualTo(expected.charAt(i) == 't');
    }
  }

  static Stream<Arguments> livenessCases() {
    return Stream.of(
        Arguments.of("fails at the failureThreshold-th failure in a row", 3, "FFF", "fft"),
        Arguments.of("a success between failures starts the count again", 3, "FFSFF", "fffff"),
        Arguments.of("failureThreshold 1 fails at once", 1, "F", "t"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("livenessCases")
  void livenessFollowsFailureThreshold(String name, int failureThreshold, String outcomes, String expected) {
    Container c = container("app", probe(0, 1, failureThreshold), null, null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    for (int i = 0; i < outcomes.length(); i++) {
      prober.answer("app", ProbeType.LIVENESS, outcome(outcomes.charAt(i)));
      boolean more = tick("app", ProbeType.LIVENESS);
      boolean failed = expected.charAt(i) == 't';
      assertThat(manager.livenessFailed(UID, "app", "c1")).as("after probe %d", i + 1).isEqualTo(failed);
      assertThat(more).as("the worker stops once the container is condemned").isEqualTo(!failed);
    }
    assertThat(manager.livenessFailed(UID, "app", "containerd://c1")).isEqualTo(expected.endsWith("t"));
    assertThat(manager.livenessFailed(UID, "app", "other")).isFalse();
  }

  @Test
  void initialDelayHoldsTheFirstProbe() {
    Container c = container("app", null, probe(5, 1, 3), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    clock.now = T0.plusSeconds(4);
    tick("app", ProbeType.READINESS);
    assertThat(prober.count("app", ProbeType.READINESS)).isZero();
    clock.now = T0.plusSeconds(5);
    tick("app", ProbeType.READINESS);
    assertThat(prober.count("app", ProbeType.READINESS)).isOne();
    assertThat(manager.ready(UID, "app")).isTrue();
  }

  @Test
  void livenessAndReadinessWaitForTheStartupProbe() {
    Container c = container("app", probe(0, 1, 3), probe(0, 1, 3), probe(0, 1, 2));
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    prober.answer("app", ProbeType.STARTUP, ProbeResult.failure("not yet"));

    assertThat(tick("app", ProbeType.STARTUP)).isTrue();
    tick("app", ProbeType.LIVENESS);
    tick("app", ProbeType.READINESS);
    assertThat(prober.calls).containsExactly("app/STARTUP");
    assertThat(manager.started(UID, "app")).isFalse();
    assertThat(manager.ready(UID, "app")).isFalse();
    assertThat(manager.livenessFailed(UID, "app", "c1")).isFalse();

    prober.answer("app", ProbeType.STARTUP, ProbeResult.success(""));
    assertThat(tick("app", ProbeType.STARTUP)).as("a startup probe stops once it succeeded").isFalse();
    assertThat(manager.started(UID, "app")).isTrue();
    assertThat(resyncs).containsExactly(UID);
    assertThat(manager.ready(UID, "app")).as("started, but readiness not yet probed").isFalse();

    tick("app", ProbeType.READINESS);
    tick("app", ProbeType.LIVENESS);
    assertThat(manager.ready(UID, "app")).isTrue();
    assertThat(prober.calls).containsExactly("app/STARTUP", "app/STARTUP", "app/READINESS", "app/LIVENESS");
  }

  @Test
  void startupFailureThresholdCondemnsTheContainer() {
    Container c = container("app", null, null, probe(0, 1, 2));
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    prober.answer("app", ProbeType.STARTUP, ProbeResult.failure("nope"));
    tick("app", ProbeType.STARTUP);
    assertThat(manager.livenessFailed(UID, "app", "c1")).isFalse();
    assertThat(tick("app", ProbeType.STARTUP)).isFalse();
    assertThat(manager.livenessFailed(UID, "app", "c1")).isTrue();
    assertThat(manager.started(UID, "app")).isFalse();
    assertThat(resyncs).containsExactly(UID);
    assertThat(events).extracting(Event::message).containsExactly("Startup probe failed: nope", "Startup probe failed: nope");
  }

  @Test
  void restartedContainerStartsOver() {
    Container c = container("app", probe(0, 1, 1), probe(0, 1, 3), null);
    Pod pod = pod(c);
    manager.update(pod, runtime(running("app", "c1", T0)));
    tick("app", ProbeType.READINESS);
    prober.answer("app", ProbeType.LIVENESS, ProbeResult.failure("dead"));
    tick("app", ProbeType.LIVENESS);
    assertThat(manager.ready(UID, "app")).isTrue();
    assertThat(manager.livenessFailed(UID, "app", "c1")).isTrue();
    ProbeWorker old = manager.worker(UID, "app", ProbeType.READINESS);

    // The kubelet killed c1; while it is down nothing is probed.
    manager.update(pod, runtime(exited("app", "c1")));
    assertThat(manager.worker(UID, "app", ProbeType.READINESS)).isNull();
    assertThat(manager.ready(UID, "app")).isFalse();

    manager.update(pod, runtime(running("app", "c2", T0.plusSeconds(30)), exited("app", "c1")));
    assertThat(manager.worker(UID, "app", ProbeType.READINESS)).isNotNull().isNotSameAs(old);
    assertThat(manager.ready(UID, "app")).as("a new container is not ready until probed").isFalse();
    assertThat(manager.livenessFailed(UID, "app", "c2")).as("a new container is alive until probed").isFalse();
    assertThat(manager.livenessFailed(UID, "app", "c1")).isFalse();
  }

  @Test
  void updateIsIdempotentForTheSameContainer() {
    Container c = container("app", null, probe(0, 1, 3), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    ProbeWorker w = manager.worker(UID, "app", ProbeType.READINESS);
    tick("app", ProbeType.READINESS);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    assertThat(manager.worker(UID, "app", ProbeType.READINESS)).isSameAs(w);
    assertThat(manager.ready(UID, "app")).isTrue();
  }

  @Test
  void resyncOnlyWhenReadinessFlips() {
    Container c = container("app", null, probe(0, 1, 2), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    tick("app", ProbeType.READINESS);
    tick("app", ProbeType.READINESS);
    assertThat(resyncs).as("false -> true").containsExactly(UID);
    prober.answer("app", ProbeType.READINESS, ProbeResult.failure("HTTP probe failed with statuscode: 500"));
    tick("app", ProbeType.READINESS);
    assertThat(resyncs).as("one failure is below the threshold").hasSize(1);
    tick("app", ProbeType.READINESS);
    tick("app", ProbeType.READINESS);
    assertThat(resyncs).as("true -> false, once").containsExactly(UID, UID);
    assertThat(events).containsOnly(new Event("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500"))
        .hasSize(3);
  }

  @Test
  void warningsCountAsSuccessWithAnEvent() {
    Container c = container("app", null, probe(0, 1, 3), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    prober.answer("app", ProbeType.READINESS, ProbeResult.warning("Probe terminated redirects, Response body: "));
    tick("app", ProbeType.READINESS);
    assertThat(manager.ready(UID, "app")).isTrue();
    assertThat(events).containsExactly(new Event("Warning", "ProbeWarning", "Readiness probe warning: Probe terminated redirects, Response body: "));
  }

  @Test
  void probeErrorsAreRetriedThenNotCounted() {
    Container c = container("app", probe(0, 1, 1), null, null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    prober.answer("app", ProbeType.LIVENESS, ProbeResult.unknown("rpc error: runtime unavailable"));
    assertThat(tick("app", ProbeType.LIVENESS)).isTrue();
    assertThat(prober.count("app", ProbeType.LIVENESS)).isEqualTo(ProbeWorker.MAX_PROBE_RETRIES);
    assertThat(manager.livenessFailed(UID, "app", "c1")).isFalse();
    assertThat(events).containsExactly(new Event("Warning", "Unhealthy", "Liveness probe errored: rpc error: runtime unavailable"));
  }

  @Test
  void containersWithoutProbesAreReadyAndStarted() {
    Container plain = container("plain", null, null, null);
    Container probed = container("probed", null, probe(0, 1, 3), probe(0, 1, 3));
    manager.update(pod(plain, probed), runtime(running("plain", "c1", T0)));
    assertThat(manager.worker(UID, "plain", ProbeType.READINESS)).isNull();
    assertThat(manager.ready(UID, "plain")).isTrue();
    assertThat(manager.started(UID, "plain")).isTrue();
    assertThat(manager.ready(UID, "probed")).as("has probes, not running yet").isFalse();
    assertThat(manager.started(UID, "probed")).isFalse();
  }

  @Test
  void probesGoToTheSandboxIp() {
    Container c = container("app", null, probe(0, 1, 3), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    tick("app", ProbeType.READINESS);
    assertThat(prober.lastPodIp).isEqualTo("10.42.0.7");
  }

  @Test
  void deletedPodStopsLivenessButKeepsReadiness() {
    Container c = container("app", probe(0, 1, 1), probe(0, 1, 1), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    Pod deleting = new PodBuilder(pod(c)).editMetadata().withDeletionTimestamp("2025-01-01T00:01:00Z").endMetadata().build();
    manager.update(deleting, runtime(running("app", "c1", T0)));
    prober.answer("app", ProbeType.LIVENESS, ProbeResult.failure("dead"));
    assertThat(tick("app", ProbeType.LIVENESS)).isFalse();
    assertThat(manager.livenessFailed(UID, "app", "c1")).isFalse();
    assertThat(tick("app", ProbeType.READINESS)).isTrue();
    assertThat(prober.calls).containsExactly("app/READINESS");
  }

  @Test
  void removeForgetsThePod() {
    Container c = container("app", null, probe(0, 1, 3), null);
    manager.update(pod(c), runtime(running("app", "c1", T0)));
    manager.remove(UID);
    assertThat(manager.worker(UID, "app", ProbeType.READINESS)).isNull();
    assertThat(manager.livenessFailed(UID, "app", "c1")).isFalse();
  }

  @Test
  void workersRunOnVirtualThreadsEveryPeriodAndStopOnClose() {
    try (ProbeManager live = new ProbeManager(prober, (p, t, r, m) -> events.add(new Event(t, r, m)), resyncs::add,
        Clock.systemUTC(), true)) {
      Probe readiness = new ProbeBuilder(probe(0, 1, 3)).withPeriodSeconds(1).build();
      live.update(pod(container("app", null, readiness, null)), runtime(running("app", "c1", Instant.now())));
      await().atMost(Duration.ofSeconds(5)).until(() -> live.ready(UID, "app"));
      assertThat(resyncs).containsExactly(UID);
      await().atMost(Duration.ofSeconds(5)).until(() -> prober.count("app", ProbeType.READINESS) >= 2);
      assertThat(prober.threads).allMatch(Thread::isVirtual);
      live.close();
      long calls = prober.calls.size();
      List<Thread> workers = new ArrayList<>(new java.util.LinkedHashSet<>(prober.threads));
      await().atMost(Duration.ofSeconds(3)).until(() -> workers.stream().noneMatch(Thread::isAlive));
      assertThat(prober.calls).hasSize((int) calls);
    }
    assertThat(Collections.frequency(resyncs, UID)).isOne();
  }
}
