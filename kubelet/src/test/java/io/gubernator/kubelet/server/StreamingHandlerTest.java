package io.gubernator.kubelet.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.kubelet.server.StreamingHandler.Kind;
import io.gubernator.kubelet.server.StreamingHandler.Target;
import org.junit.jupiter.api.Test;

class StreamingHandlerTest {

  private static Target parse(String path) {
    return Target.parse(path.substring(1).split("/"));
  }

  @Test
  void pathsNameThePodTheContainerAndOptionallyTheUid() {
    assertThat(parse("/exec/ns/pod/main")).isEqualTo(new Target(Kind.EXEC, "ns", "pod", null, "main"));
    assertThat(parse("/exec/ns/pod/uid-1/main")).isEqualTo(new Target(Kind.EXEC, "ns", "pod", "uid-1", "main"));
    assertThat(parse("/attach/ns/pod/side")).isEqualTo(new Target(Kind.ATTACH, "ns", "pod", null, "side"));
    assertThat(parse("/portForward/ns/pod")).isEqualTo(new Target(Kind.PORT_FORWARD, "ns", "pod", null, null));
    assertThat(parse("/portForward/ns/pod/uid-1")).isEqualTo(new Target(Kind.PORT_FORWARD, "ns", "pod", "uid-1", null));
  }

  @Test
  void otherPathsAreNoStreams() {
    assertThat(parse("/exec/ns/pod")).isNull();
    assertThat(parse("/exec/ns/pod/a/b/c")).isNull();
    assertThat(parse("/portForward/ns")).isNull();
    assertThat(parse("/exec//pod/main")).isNull();
    assertThat(parse("/containerLogs/ns/pod/main")).isNull();
    assertThat(parse("/healthz")).isNull();
  }
}
