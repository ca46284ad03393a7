package io.gubernator.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** tcpSocket probes against sockets on 127.0.0.1. */
class TcpProberTest {

  @Test
  void listeningPortIsSuccess() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      assertThat(TcpProber.probe("127.0.0.1", s.getLocalPort(), Duration.ofSeconds(1))).isEqualTo(ProbeResult.success(""));
    }
  }

  @Test
  void refusedPortIsFailureInGoWords() throws IOException {
    int port = HttpProberTest.refusedPort();
    assertThat(TcpProber.probe("127.0.0.1", port, Duration.ofSeconds(1)))
        .isEqualTo(ProbeResult.failure("dial tcp 127.0.0.1:" + port + ": connect: connection refused"));
  }

  @Test
  void containerProberUsesTheProbesPortOnThePodIp() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      var c = new ContainerBuilder().withName("db").addNewPort().withName("sql").withContainerPort(s.getLocalPort()).endPort().build();
      var pod = new PodBuilder().withNewMetadata().withName("db").withNamespace("default").endMetadata().build();
      var probe = new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString("sql")).endTcpSocket().withTimeoutSeconds(1).build();
      ContainerProber prober = new ContainerProber((id, cmd, timeout) -> { throw new AssertionError("no exec"); });
      assertThat(prober.probe(pod, "127.0.0.1", c, "c1", probe).result()).isEqualTo(ProbeResult.Result.SUCCESS);
      s.close();
      assertThat(prober.probe(pod, "127.0.0.1", c, "c1", probe).output()).endsWith("connect: connection refused");
    }
  }

  @Test
  void ipv6AddressesAreBracketed() {
    assertThat(TcpProber.joinHostPort("fd00::7", 80)).isEqualTo("[fd00::7]:80");
    assertThat(TcpProber.joinHostPort("10.42.0.7", 80)).isEqualTo("10.42.0.7:80");
  }
}
