package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Service environment variables every container gets, as the kubelet makes them: for the
 * {@code kubernetes} Service always, and for the Services of the pod's namespace unless
 * {@code enableServiceLinks: false}: {@code NAME_SERVICE_HOST}, {@code NAME_SERVICE_PORT[_PORTNAME]}
 * and the Docker-link style {@code NAME_PORT[_n_PROTO[_PROTO|_PORT|_ADDR]]}. The pod's own
 * env and envFrom override them.
 */
final class ServiceEnv {

  static final String MASTER_NAMESPACE = "default";

  private ServiceEnv() {}

  static Map<String, String> of(Pod pod, EnvVars.Objects objects) {
    String ns = pod.getMetadata().getNamespace();
    boolean links = !Boolean.FALSE.equals(pod.getSpec().getEnableServiceLinks());
    List<Service> services = new ArrayList<>();
    if (links) services.addAll(objects.services(ns));
    if (!links || !MASTER_NAMESPACE.equals(ns)) {
      for (Service s : objects.services(MASTER_NAMESPACE)) {
        if ("kubernetes".equals(s.getMetadata().getName())) services.add(s);
      }
    }
    services.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    Map<String, String> env = new LinkedHashMap<>();
    for (Service s : services) {
      String ip = s.getSpec() == null ? null : s.getSpec().getClusterIP();
      if (ip == null || ip.isEmpty() || "None".equals(ip) || s.getSpec().getPorts().isEmpty()) continue;
      String name = envName(s.getMetadata().getName());
      List<ServicePort> ports = s.getSpec().getPorts();
      env.put(name + "_SERVICE_HOST", ip);
      env.put(name + "_SERVICE_PORT", String.valueOf(ports.get(0).getPort()));
      for (ServicePort p : ports) {
        if (p.getName() != null && !p.getName().isEmpty()) env.put(name + "_SERVICE_PORT_" + envName(p.getName()), String.valueOf(p.getPort()));
      }
      ServicePort first = ports.get(0);
      env.put(name + "_PORT", protocol(first) + "://" + ip + ":" + first.getPort());
      for (ServicePort p : ports) {
        String prefix = name + "_PORT_" + p.getPort() + "_" + protocol(p).toUpperCase(Locale.ROOT);
        env.put(prefix, protocol(p) + "://" + ip + ":" + p.getPort());
        env.put(prefix + "_PROTO", protocol(p));
        env.put(prefix + "_PORT", String.valueOf(p.getPort()));
        env.put(prefix + "_ADDR", ip);
      }
    }
    return env;
  }

  private static String protocol(ServicePort p) {
    return (p.getProtocol() == null ? "TCP" : p.getProtocol()).toLowerCase(Locale.ROOT);
  }

  static String envName(String name) {
    return name.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
