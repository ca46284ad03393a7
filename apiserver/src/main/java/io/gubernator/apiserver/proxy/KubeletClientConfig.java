package io.gubernator.apiserver.proxy;

import java.util.List;

/**
 * How the API server reaches kubelets for logs, exec, attach, port-forward and node proxy.
 *
 * @param verifyServingCertificate whether the kubelet's serving certificate must chain to the
 *     cluster CA and name the address dialled. Off by default, as in Kubernetes without
 *     {@code --kubelet-certificate-authority}: kubelets usually serve a self-signed certificate
 *     that no CA vouches for, and the connection is still encrypted and the API server still
 *     authenticates itself with its client certificate.
 * @param preferredAddressTypes the Node address types to dial, first match wins
 *     ({@code --kubelet-preferred-address-types})
 * @param defaultPort the port when a Node reports no {@code daemonEndpoints.kubeletEndpoint}
 *     ({@code --kubelet-port})
 */
public record KubeletClientConfig(boolean verifyServingCertificate, List<String> preferredAddressTypes, int defaultPort) {

  public static final KubeletClientConfig DEFAULT = new KubeletClientConfig(false,
      List.of("InternalIP", "Hostname", "InternalDNS", "ExternalIP", "ExternalDNS"), 10250);

  public KubeletClientConfig {
    preferredAddressTypes = List.copyOf(preferredAddressTypes);
    if (defaultPort <= 0 || defaultPort > 65535) throw new IllegalArgumentException("invalid kubelet port: " + defaultPort);
  }

  public KubeletClientConfig withVerifyServingCertificate(boolean verify) {
    return new KubeletClientConfig(verify, preferredAddressTypes, defaultPort);
  }
}
