package io.gubernator.apiserver;

import java.nio.file.Path;

/**
 * How the API server is started.
 *
 * @param serviceCidr the range ClusterIPs come from; its first address is the {@code kubernetes} Service's
 */
public record ApiServerConfig(String bindAddress, int port, Path dataDir, String datastoreEndpoint, String serviceCidr,
    String advertiseAddress) {

  public static final String DEFAULT_SERVICE_CIDR = "10.96.0.0/12";

  public Path tlsDir() {
    return dataDir.resolve("tls");
  }

  public Path tokenFile() {
    return dataDir.resolve("token");
  }
}
