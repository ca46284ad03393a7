package io.gubernator.launcher;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The node flags {@code server} (for its own agent) and {@code agent} share, as a picocli mixin. */
final class NodeOptions {

  @Option(names = "--node-name", description = "The node's name (default: the host name).")
  String nodeName;

  @Option(names = "--node-ip", description = "The node's InternalIP (default: the host's first IPv4 address).")
  String nodeIp;

  @Option(names = "--kubelet-port", defaultValue = "10250", description = "The kubelet's HTTPS port, 0 for any free port (default ${DEFAULT-VALUE}).")
  int kubeletPort;

  @Option(names = "--container-runtime-endpoint", description = "A containerd CRI socket to use instead of starting containerd.")
  Path runtimeEndpoint;

  ServerConfig.AgentFlags flags() {
    return new ServerConfig.AgentFlags(nodeName, nodeIp, kubeletPort, runtimeEndpoint);
  }
}
