package io.gubernator.kubelet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The node agent's settings.
 *
 * @param nodeName        the Node object's name (the host name by default)
 * @param nodeIp          the node's InternalIP; null picks the host's first non-loopback IPv4 address
 * @param rootDir         pod volumes and state ({@code <data-dir>/agent/kubelet})
 * @param podLogsDir      container logs, {@code <ns>_<pod>_<uid>/<container>/<n>.log}
 * @param runtimeSocket   containerd's CRI socket
 * @param cniConfDir      where the pod network configuration is written for containerd
 * @param cniDataDir      host-local IPAM state
 * @param port            the kubelet's HTTPS port (10250; 0 picks a free one)
 * @param statusFrequency how often the node status is reported (Kubernetes: 10 s)
 * @param leaseSeconds    the node Lease's duration (Kubernetes: 40 s, renewed every 10 s)
 * @param nodeLabels      extra labels for the Node
 * @param tls             the serving certificate and key (PEM) and the CA that signs API server clients
 * @param staticPodPath   a directory of Pod manifests the kubelet runs without the API server (static pods)
 */
public record KubeletConfig(String nodeName, String nodeIp, Path rootDir, Path podLogsDir, Path runtimeSocket, Path cniConfDir,
    Path cniDataDir, int port, Duration statusFrequency, int leaseSeconds, Map<String, String> nodeLabels, Tls tls,
    Path staticPodPath) {

  /** PEM material for the kubelet's HTTPS server. */
  public record Tls(String certificatePem, String keyPem, String clientCaPem) {}

  public static final int DEFAULT_PORT = 10250;
  public static final int MAX_PODS = 110;
}
