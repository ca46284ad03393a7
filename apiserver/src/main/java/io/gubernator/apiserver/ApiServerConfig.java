package io.gubernator.apiserver;

import io.gubernator.apiserver.proxy.KubeletClientConfig;
import java.nio.file.Path;

/**
 * How the API server is started.
 *
 * @param serviceCidr the range ClusterIPs come from; its first address is the {@code kubernetes} Service's
 * @param kubelet how logs, exec, attach, port-forward and node proxy reach the kubelets
 */
public record ApiServerConfig(String bindAddress, int port, Path dataDir, String datastoreEndpoint, String serviceCidr,
    String advertiseAddress, KubeletClientConfig kubelet) {

  public static final String DEFAULT_SERVICE_CIDR = "10.96.0.0/12";

  public ApiServerConfig {
    if (kubelet == null) kubelet = KubeletClientConfig.DEFAULT;
  }

  public ApiServerConfig(String bindAddress, int port, Path dataDir, String datastoreEndpoint, String serviceCidr,
      String advertiseAddress) {
    this(bindAddress, port, dataDir, datastoreEndpoint, serviceCidr, advertiseAddress, KubeletClientConfig.DEFAULT);
  }

  public Path tlsDir() {
    return dataDir.resolve("tls");
  }

  public Path tokenFile() {
    return dataDir.resolve("token");
  }
}
