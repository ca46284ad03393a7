package io.gubernator.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.gubernator.kubelet.prober.health.v1.HealthCheckRequest;
import io.gubernator.kubelet.prober.health.v1.HealthCheckResponse;
import io.gubernator.kubelet.prober.health.v1.HealthCheckResponse.ServingStatus;
import io.gubernator.kubelet.prober.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** grpc probes against grpc.health.v1 servers on 127.0.0.1. */
class GrpcProberTest {

  private Server server;
  private int port;
  private final List<String> services = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
        services.add(request.getService());
        if (request.getService().equals("slow")) {
          try {
            Thread.sleep(3000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        ServingStatus status = request.getService().equals("down") ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
        response.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
        response.onCompleted();
      }
    }).build().start();
    port = server.getPort();
  }

  @AfterEach
  void stop() {
    server.shutdownNow();
  }

  @Test
  void servingIsSuccess() {
    assertThat(GrpcProber.probe("127.0.0.1", port, "", Duration.ofSeconds(2))).isEqualTo(ProbeResult.success("service healthy"));
    assertThat(GrpcProber.probe("127.0.0.1", port, "liveness", Duration.ofSeconds(2)).result()).isEqualTo(ProbeResult.Result.SUCCESS);
    assertThat(services).containsExactly("", "liveness");
  }

  @Test
  void notServingIsFailure() {
    assertThat(GrpcProber.probe("127.0.0.1", port, "down", Duration.ofSeconds(2)))
        .isEqualTo(ProbeResult.failure("service unhealthy (responded with \"NOT_SERVING\")"));
  }

  @Test
  void slowServerIsFailureAtTheTimeout() {
    long t0 = System.nanoTime();
    assertThat(GrpcProber.probe("127.0.0.1", port, "slow", Duration.ofMillis(300)))
        .isEqualTo(ProbeResult.failure("timeout: health rpc did not complete within 300ms"));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void serverWithoutHealthServiceIsFailure() throws IOException {
    Server bare = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
    try {
      assertThat(GrpcProber.probe("127.0.0.1", bare.getPort(), "", Duration.ofSeconds(2)).output())
          .startsWith("error: this server does not implement the grpc health protocol (grpc.health.v1.Health)");
    } finally {
      bare.shutdownNow();
    }
  }

  @Test
  void refusedPortIsFailure() throws IOException {
    int refused = HttpProberTest.refusedPort();
    ProbeResult r = GrpcProber.probe("127.0.0.1", refused, "", Duration.ofSeconds(2));
    assertThat(r.result()).isEqualTo(ProbeResult.Result.FAILURE);
    assertThat(r.output()).startsWith("error: failed to connect service at \"127.0.0.1:" + refused + "\"");
  }
}
