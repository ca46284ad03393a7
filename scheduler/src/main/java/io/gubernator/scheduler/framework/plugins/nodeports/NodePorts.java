package io.gubernator.scheduler.framework.plugins.nodeports;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * NodePorts: a pod's container hostPorts must be free on the node. Two uses conflict when protocol
 * and port match and the host IPs overlap (0.0.0.0, or empty, overlaps every address).
 */
public final class NodePorts implements Plugin.PreFilter, Plugin.Filter {

  public static final String NAME = "NodePorts";
  public static final String ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
  static final String STATE_KEY = "PreFilter" + NAME;

  /** One host port claim. */
  record HostPort(String ip, String protocol, int port) {
    boolean conflicts(HostPort o) {
      return port == o.port && protocol.equals(o.protocol) && (ip.equals(o.ip) || ip.equals("0.0.0.0") || o.ip.equals("0.0.0.0"));
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  static List<HostPort> hostPorts(Pod pod) {
    List<HostPort> ports = new ArrayList<>(0);
    List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
    // Restartable init containers (sidecars) keep their ports for the pod's lifetime.
    if (pod.getSpec().getInitContainers() != null) {
      for (Container c : pod.getSpec().getInitContainers()) {
        if ("Always".equals(c.getRestartPolicy())) all.add(c);
      }
    }
    for (Container c : all) {
      if (c.getPorts() == null) continue;
      for (ContainerPort p : c.getPorts()) {
        if (p.getHostPort() == null || p.getHostPort() <= 0) continue;
        String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
        String proto = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
        ports.add(new HostPort(ip, proto, p.getHostPort()));
      }
    }
    return ports;
  }

  @Override
  public Status preFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes) {
    List<HostPort> ports = hostPorts(pod);
    if (ports.isEmpty()) return Status.skip();
    state.write(STATE_KEY, new Wanted(ports));
    return Status.success();
  }

  private record Wanted(List<HostPort> ports) {
  }

  @Override
  public Status filter(CycleState state, Pod pod, NodeInfo node) {
    Wanted w = state.read(STATE_KEY, Wanted.class);
    List<HostPort> wanted = w == null ? hostPorts(pod) : w.ports();
    if (wanted.isEmpty()) return Status.success();
    for (NodeInfo.PodInfo p : node.pods()) {
      for (HostPort used : hostPorts(p.pod())) {
        for (HostPort want : wanted) {
          if (want.conflicts(used)) return Status.unschedulable(ERR_REASON);
        }
      }
    }
    return Status.success();
  }
}
