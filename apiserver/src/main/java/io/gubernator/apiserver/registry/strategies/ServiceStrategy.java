package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.NameRule;
import io.gubernator.api.validation.NameValidation;
import io.gubernator.apiserver.registry.RangeAllocator;
import io.gubernator.apiserver.registry.Strategy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Services: defaults, validation, and ClusterIP and NodePort allocation that never hands a value out twice. */
final class ServiceStrategy implements Strategy<Service> {

  private static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");

  private final RangeAllocator ips;
  private final RangeAllocator nodePorts;

  ServiceStrategy(RangeAllocator ips, RangeAllocator nodePorts) {
    this.ips = ips;
    this.nodePorts = nodePorts;
  }

  @Override
  public NameRule nameRule() {
    return NameRule.DNS1035_LABEL;
  }

  @Override
  public void prepareForCreate(Service svc) {
    svc.setStatus(new ServiceStatus());
  }

  @Override
  public void prepareForUpdate(Service svc, Service old) {
    svc.setStatus(old.getStatus());
    ServiceSpec spec = svc.getSpec();
    ServiceSpec prev = old.getSpec();
    if (spec == null || prev == null) return;
    // A replace that leaves out the allocated values keeps them, as Kubernetes does.
    if (empty(spec.getClusterIP()) && !"ExternalName".equals(spec.getType())) {
      spec.setClusterIP(prev.getClusterIP());
      spec.setClusterIPs(prev.getClusterIPs());
    }
    if (needsNodePorts(spec) && needsNodePorts(prev)) {
      for (ServicePort p : spec.getPorts()) {
        if (p.getNodePort() != null) continue;
        for (ServicePort q : prev.getPorts()) {
          if (Objects.equals(q.getPort(), p.getPort()) && Objects.equals(q.getProtocol(), p.getProtocol())) p.setNodePort(q.getNodePort());
        }
      }
    }
  }

  @Override
  public void applyDefaults(Service svc) {
    ServiceSpec spec = svc.getSpec();
    if (spec == null) return;
    if (spec.getType() == null) spec.setType("ClusterIP");
    if (spec.getSessionAffinity() == null) spec.setSessionAffinity("None");
    for (ServicePort p : spec.getPorts()) {
      if (p.getProtocol() == null) p.setProtocol("TCP");
      if (p.getTargetPort() == null && p.getPort() != null) p.setTargetPort(new IntOrString(p.getPort()));
    }
    if (!"ExternalName".equals(spec.getType())) {
      if (spec.getIpFamilies().isEmpty()) spec.setIpFamilies(new ArrayList<>(List.of("IPv4")));
      if (spec.getIpFamilyPolicy() == null) spec.setIpFamilyPolicy("SingleStack");
      if (spec.getInternalTrafficPolicy() == null) spec.setInternalTrafficPolicy("Cluster");
    }
    if (needsNodePorts(spec) && spec.getExternalTrafficPolicy() == null) spec.setExternalTrafficPolicy("Cluster");
    if (!empty(spec.getClusterIP()) && spec.getClusterIPs().isEmpty()) spec.setClusterIPs(new ArrayList<>(List.of(spec.getClusterIP())));
  }

  @Override
  public List<FieldError> validate(Service svc) {
    List<FieldError> errors = new ArrayList<>();
    ServiceSpec spec = svc.getSpec();
    if (spec == null) return List.of(FieldError.required("spec", ""));
    if (!TYPES.contains(spec.getType())) errors.add(FieldError.notSupported("spec.type", spec.getType(), TYPES));
    boolean external = "ExternalName".equals(spec.getType());
    if (external) {
      if (empty(spec.getExternalName())) errors.add(FieldError.required("spec.externalName", ""));
    } else if (spec.getPorts().isEmpty() && !"None".equals(spec.getClusterIP())) {
      errors.add(FieldError.required("spec.ports", ""));
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < spec.getPorts().size(); i++) {
      ServicePort p = spec.getPorts().get(i);
      String path = "spec.ports[" + i + "]";
      if (spec.getPorts().size() > 1 && empty(p.getName())) errors.add(FieldError.required(path + ".name", ""));
      if (!empty(p.getName())) {
        for (String m : NameValidation.isDns1123Label(p.getName())) errors.add(FieldError.invalid(path + ".name", p.getName(), m));
        if (!names.add(p.getName())) errors.add(FieldError.duplicate(path + ".name", p.getName()));
      }
      if (p.getPort() == null || p.getPort() < 1 || p.getPort() > 65535) {
        errors.add(FieldError.invalidJson(path + ".port", String.valueOf(p.getPort() == null ? 0 : p.getPort()), "must be between 1 and 65535, inclusive"));
      }
      if (p.getNodePort() != null && p.getNodePort() != 0 && !needsNodePorts(spec)) {
        errors.add(FieldError.forbidden(path + ".nodePort", "may not be used when `type` is '" + spec.getType() + "'"));
      }
    }
    return errors;
  }

  @Override
  public void beforeCreate(Service svc, boolean dryRun) {
    String owner = svc.getMetadata().getNamespace() + "/" + svc.getMetadata().getName();
    allocate(svc.getSpec(), null, owner, dryRun);
  }

  @Override
  public void beforeUpdate(Service svc, Service old, boolean dryRun) {
    String owner = svc.getMetadata().getNamespace() + "/" + svc.getMetadata().getName();
    allocate(svc.getSpec(), old.getSpec(), owner, dryRun);
    if (!dryRun && needsNodePorts(old.getSpec()) && !needsNodePorts(svc.getSpec())) {
      for (ServicePort p : old.getSpec().getPorts()) if (p.getNodePort() != null) nodePorts.release(p.getNodePort());
      for (ServicePort p : svc.getSpec().getPorts()) p.setNodePort(null);
    }
  }

  @Override
  public void rollbackCreate(Service svc) {
    afterDelete(svc);
  }

  @Override
  public void afterDelete(Service svc) {
    ServiceSpec spec = svc.getSpec();
    if (spec == null) return;
    long ip = ipToLong(spec.getClusterIP());
    if (ip >= 0 && ips.contains(ip)) ips.release(ip);
    for (ServicePort p : spec.getPorts()) if (p.getNodePort() != null && nodePorts.contains(p.getNodePort())) nodePorts.release(p.getNodePort());
  }

  private void allocate(ServiceSpec spec, ServiceSpec old, String owner, boolean dryRun) {
    if (spec == null || "ExternalName".equals(spec.getType())) return;
    String oldIp = old == null ? null : old.getClusterIP();
    if (old != null && !empty(oldIp) && !Objects.equals(oldIp, spec.getClusterIP())) {
      throw StatusException.invalid("", "Service", owner.substring(owner.indexOf('/') + 1), List.of(new StatusException.Cause(
          "FieldValueInvalid", "Invalid value: \"" + spec.getClusterIP() + "\": field is immutable", "spec.clusterIPs[0]")));
    }
    if (old == null) {
      if (empty(spec.getClusterIP())) {
        long ip = dryRun ? ips.peek() : ips.allocate(owner);
        if (ip < 0) throw StatusException.internal("failed to allocate a serviceIP: range is full");
        spec.setClusterIP(longToIp(ip));
        spec.setClusterIPs(new ArrayList<>(List.of(longToIp(ip))));
      } else if (!"None".equals(spec.getClusterIP())) {
        long ip = ipToLong(spec.getClusterIP());
        String name = owner.substring(owner.indexOf('/') + 1);
        if (ip < 0 || !ips.contains(ip)) {
          throw StatusException.invalid("", "Service", name, List.of(new StatusException.Cause("FieldValueInvalid",
              "Invalid value: \"" + spec.getClusterIP() + "\": failed to allocate IP " + spec.getClusterIP()
                  + ": the provided IP (" + spec.getClusterIP() + ") is not in the valid range", "spec.clusterIPs")));
        }
        if (dryRun ? ips.isTaken(ip) : !ips.reserve(ip, owner)) {
          throw StatusException.invalid("", "Service", name, List.of(new StatusException.Cause("FieldValueInvalid",
              "Invalid value: \"" + spec.getClusterIP() + "\": failed to allocate IP " + spec.getClusterIP()
                  + ": provided IP is already allocated", "spec.clusterIPs")));
        }
      }
    }
    if (!needsNodePorts(spec)) return;
    for (ServicePort p : spec.getPorts()) {
      boolean had = old != null && old.getPorts().stream().anyMatch(q -> Objects.equals(q.getNodePort(), p.getNodePort()) && p.getNodePort() != null);
      if (had) continue;
      if (p.getNodePort() == null || p.getNodePort() == 0) {
        long port = dryRun ? nodePorts.peek() : nodePorts.allocate(owner);
        if (port < 0) throw StatusException.internal("failed to allocate a nodePort: range is full");
        p.setNodePort((int) port);
      } else if (!nodePorts.contains(p.getNodePort()) || (dryRun ? nodePorts.isTaken(p.getNodePort()) : !nodePorts.reserve(p.getNodePort(), owner))) {
        String name = owner.substring(owner.indexOf('/') + 1);
        throw StatusException.invalid("", "Service", name, List.of(new StatusException.Cause("FieldValueInvalid",
            "Invalid value: " + p.getNodePort() + ": provided port is " + (nodePorts.contains(p.getNodePort())
                ? "already allocated" : "not in the valid range. The range of valid ports is 30000-32767"), "spec.ports[].nodePort")));
      }
    }
  }

  private static boolean needsNodePorts(ServiceSpec spec) {
    return spec != null && ("NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType()));
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  static long ipToLong(String ip) {
    if (ip == null) return -1;
    String[] p = ip.split("\\.");
    if (p.length != 4) return -1;
    long v = 0;
    try {
      for (String part : p) {
        int n = Integer.parseInt(part);
        if (n < 0 || n > 255) return -1;
        v = v * 256 + n;
      }
    } catch (NumberFormatException e) {
      return -1;
    }
    return v;
  }

  static String longToIp(long v) {
    return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
  }
}
