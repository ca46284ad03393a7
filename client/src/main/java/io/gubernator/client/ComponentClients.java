package io.gubernator.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * Clients for our components (controllers, scheduler, kubelet, hollow nodes), configured as
 * client-go configures Kubernetes' own: watches are plain streaming GETs, so that over HTTP/2
 * (see {@link TunedVertxHttpClientFactory}) every watch of a component is a stream on its one
 * connection. fabric8 otherwise opens a WebSocket per watch, an HTTP/1.1 connection with a TLS
 * session of its own at both ends: the controllers' and the garbage collector's informers alone
 * held about fifty.
 */
public final class ComponentClients {
  private ComponentClients() {}

  public static KubernetesClient build(Config config) {
    config.setOnlyHttpWatches(true);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
