package io.gubernator.launcher;

import java.nio.file.Path;

/**
 * The node agent's settings, after defaults are resolved.
 *
 * @param dataDir          the agent's state: {@code <data-dir>/agent}
 * @param nodeName         the Node's name
 * @param nodeIp           the node's InternalIP; null picks the host's first address
 * @param kubeletPort      the kubelet's HTTPS port (0 picks a free one)
 * @param runtimeEndpoint  a CRI socket to use instead of starting containerd; null starts our own
 * @param nodeLabels       labels the node registers with (the server's own node is the control plane)
 */
public record AgentConfig(Path dataDir, String nodeName, String nodeIp, int kubeletPort, Path runtimeEndpoint,
    java.util.Map<String, String> nodeLabels) {}
