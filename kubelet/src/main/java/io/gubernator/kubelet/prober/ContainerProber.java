package io.gubernator.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.gubernator.kubelet.cri.RemoteRuntime;
import java.net.URI;
import java.time.Duration;

/**
 * The kubelet's {@link Prober}: exec through the CRI, httpGet, tcpSocket and grpc over the pod's
 * network, each bounded by the probe's timeoutSeconds. Stateless and safe to share between
 * workers.
 */
public final class ContainerProber implements Prober {

  private final ExecProber.ContainerExec exec;
  private final HttpProber http = new HttpProber();

  public ContainerProber(RemoteRuntime runtime) {
    this(runtime::execSync);
  }

  ContainerProber(ExecProber.ContainerExec exec) {
    this.exec = exec;
  }

  @Override
  public ProbeResult probe(Pod pod, String podIp, Container container, String containerId, Probe probe) {
    Duration timeout = Duration.ofSeconds(probe.getTimeoutSeconds() == null || probe.getTimeoutSeconds() < 1 ? 1 : probe.getTimeoutSeconds());
    if (probe.getExec() != null) {
      return ExecProber.probe(exec, containerId, probe.getExec().getCommand(), timeout);
    }
    if (probe.getHttpGet() != null) {
      HTTPGetAction a = probe.getHttpGet();
      String host = a.getHost() == null || a.getHost().isEmpty() ? podIp : a.getHost();
      if (host == null || host.isEmpty()) return ProbeResult.unknown("pod has no IP yet");
      int port;
      try {
        port = resolvePort(a.getPort(), container);
      } catch (IllegalArgumentException e) {
        return ProbeResult.unknown(e.getMessage());
      }
      URI url;
      try {
        url = HttpProber.url(a.getScheme(), host, port, a.getPath());
      } catch (IllegalArgumentException e) {
        return ProbeResult.unknown(e.getMessage());
      }
      return http.probe(url, a.getHttpHeaders(), timeout);
    }
    if (probe.getTcpSocket() != null) {
      TCPSocketAction a = probe.getTcpSocket();
      String host = a.getHost() == null || a.getHost().isEmpty() ? podIp : a.getHost();
      if (host == null || host.isEmpty()) return ProbeResult.unknown("pod has no IP yet");
      try {
        return TcpProber.probe(host, resolvePort(a.getPort(), container), timeout);
      } catch (IllegalArgumentException e) {
        return ProbeResult.unknown(e.getMessage());
      }
    }
    if (probe.getGrpc() != null) {
      if (podIp == null || podIp.isEmpty()) return ProbeResult.unknown("pod has no IP yet");
      Integer port = probe.getGrpc().getPort();
      if (port == null || port < 1 || port > 65535) return ProbeResult.unknown("invalid port number: " + port);
      return GrpcProber.probe(podIp, port, probe.getGrpc().getService(), timeout);
    }
    return ProbeResult.unknown("missing probe handler for " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
        + ":" + container.getName());
  }

  /** Kubernetes' ResolveContainerPort: a number, or the name of one of the container's ports (or a number written as a string). */
  static int resolvePort(IntOrString port, Container container) {
    if (port == null) throw new IllegalArgumentException("probe has no port");
    int n;
    if (port.getStrVal() != null) {
      n = container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort)
          .findFirst().orElseGet(() -> parseOrThrow(port.getStrVal(), container));
    } else if (port.getIntVal() != null) {
      n = port.getIntVal();
    } else {
      throw new IllegalArgumentException("intOrString had no kind: " + port);
    }
    if (n <= 0 || n >= 65536) throw new IllegalArgumentException("invalid port number: " + n);
    return n;
  }

  private static int parseOrThrow(String name, Container container) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("couldn't find port: " + name + " in " + container.getName());
    }
  }
}
