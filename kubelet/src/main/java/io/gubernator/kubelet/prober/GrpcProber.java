package io.gubernator.kubelet.prober;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.gubernator.kubelet.prober.health.v1.HealthCheckRequest;
import io.gubernator.kubelet.prober.health.v1.HealthCheckResponse;
import io.gubernator.kubelet.prober.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * grpc probes, as Kubernetes' pkg/probe/grpc: one grpc.health.v1.Health/Check over plaintext
 * (the API has no TLS for gRPC probes) on a fresh connection; SERVING is a success. Outputs are
 * Kubernetes' words.
 */
final class GrpcProber {

  private GrpcProber() {}

  static ProbeResult probe(String host, int port, String service, Duration timeout) {
    String addr = TcpProber.joinHostPort(host, port);
    // A channel per probe, as Kubernetes dials per probe: a pod restarted behind the same IP
    // must not be judged through a connection to its predecessor.
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create())
        .userAgent(HttpProber.USER_AGENT)
        .directExecutor()
        .build();
    try {
      HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service == null ? "" : service).build());
      if (response.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
        return ProbeResult.failure("service unhealthy (responded with \"" + response.getStatus().name() + "\")");
      }
      return ProbeResult.success("service healthy");
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      return ProbeResult.failure(switch (s.getCode()) {
        case UNIMPLEMENTED -> "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): "
            + nullToEmpty(s.getDescription());
        case DEADLINE_EXCEEDED -> "timeout: health rpc did not complete within " + goDuration(timeout);
        case UNAVAILABLE -> "error: failed to connect service at \"" + addr + "\": " + describe(s);
        default -> "error: health rpc probe failed: rpc error: code = " + goCode(s.getCode()) + " desc = " + nullToEmpty(s.getDescription());
      });
    } finally {
      channel.shutdownNow();
    }
  }

  private static String describe(Status s) {
    if (s.getCause() != null && s.getCause().getMessage() != null) return s.getCause().getMessage();
    return nullToEmpty(s.getDescription());
  }

  /** Go's codes.Code names: DEADLINE_EXCEEDED is DeadlineExceeded. */
  static String goCode(Status.Code code) {
    StringBuilder b = new StringBuilder();
    for (String part : code.name().split("_")) b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    return b.toString();
  }

  /** Go's time.Duration formatting for whole seconds and milliseconds: "1s", "500ms". */
  static String goDuration(Duration d) {
    if (d.toMillis() % 1000 == 0) return d.toSeconds() + "s";
    if (d.toMillis() < 1000) return d.toMillis() + "ms";
    return (d.toMillis() / 1000.0) + "s";
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
