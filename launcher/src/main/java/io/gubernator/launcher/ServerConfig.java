package io.gubernator.launcher;

import java.nio.file.Path;

/** The typed configuration of {@code gubernator server}, after defaults are resolved. */
public record ServerConfig(Path dataDir, String bindAddress, int httpsPort, String datastoreEndpoint, boolean disableAgent,
    int hollowNodes, AgentFlags agent, java.util.List<String> controllers) {

  /** The node agent's flags (meaningful unless {@code --disable-agent}). */
  public record AgentFlags(String nodeName, String nodeIp, int kubeletPort, Path runtimeEndpoint) {
    public static AgentFlags defaults() {
      return new AgentFlags(null, null, io.gubernator.kubelet.KubeletConfig.DEFAULT_PORT, null);
    }
  }

  public static Path defaultDataDir() {
    boolean root = "root".equals(System.getProperty("user.name"));
    return root ? Path.of("/var/lib/gubernator") : Path.of(System.getProperty("user.home"), ".gubernator");
  }

  public String resolvedDatastore() {
    return datastoreEndpoint == null || datastoreEndpoint.isBlank()
        ? "embedded://" + dataDir.toAbsolutePath().resolve("db")
        : datastoreEndpoint;
  }
}
