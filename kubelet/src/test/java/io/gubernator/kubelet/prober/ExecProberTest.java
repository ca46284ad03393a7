package io.gubernator.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.grpc.Status;
import io.gubernator.kubelet.cri.v1.ExecSyncResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** exec probes through a fake CRI ExecSync. */
class ExecProberTest {

  private static final Pod POD = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata().build();
  private static final Probe PROBE = new ProbeBuilder().withNewExec().withCommand("cat", "/tmp/healthy").endExec()
      .withTimeoutSeconds(4).build();

  static ExecSyncResponse exit(int code, String stdout, String stderr) {
    return ExecSyncResponse.newBuilder().setExitCode(code).setStdout(ByteString.copyFromUtf8(stdout))
        .setStderr(ByteString.copyFromUtf8(stderr)).build();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("exit 0 is success with the output", (ExecProber.ContainerExec) (id, cmd, t) -> exit(0, "fine\n", ""),
            ProbeResult.success("fine\n")),
        Arguments.of("a non-zero exit is failure with stdout then stderr", (ExecProber.ContainerExec) (id, cmd, t) ->
            exit(1, "", "cat: can't open '/tmp/healthy': No such file or directory\n"),
            ProbeResult.failure("cat: can't open '/tmp/healthy': No such file or directory\n")),
        Arguments.of("a command past its timeout is failure", (ExecProber.ContainerExec) (id, cmd, t) -> {
          throw Status.DEADLINE_EXCEEDED.withDescription("timeout 4s exceeded").asRuntimeException();
        }, ProbeResult.failure("command \"cat /tmp/healthy\" timed out")),
        Arguments.of("a runtime error is not the container's failure", (ExecProber.ContainerExec) (id, cmd, t) -> {
          throw Status.UNAVAILABLE.withDescription("containerd is down").asRuntimeException();
        }, ProbeResult.unknown("UNAVAILABLE: containerd is down")),
        Arguments.of("output is capped at 10 KiB", (ExecProber.ContainerExec) (id, cmd, t) -> exit(1, "x".repeat(20_000), "y"),
            ProbeResult.failure("x".repeat(ExecProber.MAX_OUTPUT))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void execProbe(String name, ExecProber.ContainerExec exec, ProbeResult expected) {
    AtomicReference<String> seen = new AtomicReference<>();
    ContainerProber prober = new ContainerProber((id, cmd, timeout) -> {
      seen.set(id + " " + cmd + " " + timeout);
      return exec.execSync(id, cmd, timeout);
    });
    assertThat(prober.probe(POD, "10.42.0.7", new ContainerBuilder().withName("app").build(), "c1", PROBE)).isEqualTo(expected);
    assertThat(seen.get()).isEqualTo("c1 " + List.of("cat", "/tmp/healthy") + " " + Duration.ofSeconds(4));
  }
}
