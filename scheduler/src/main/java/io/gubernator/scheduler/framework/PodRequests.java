package io.gubernator.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * What a pod asks of a node, computed once per pod as Kubernetes' resource helpers do: the sum
 * of its containers' requests, raised to any single init container's request (init containers
 * run one at a time, before the others), with restartable ("sidecar") init containers counted as
 * running alongside everything after them, plus the pod overhead.
 *
 * @param requests what NodeResourcesFit compares with the node's allocatable
 * @param nonZeroMilliCpu cpu for scoring, with 100m for a container that requests none
 * @param nonZeroMemory memory for scoring, with 200 MiB for a container that requests none
 */
public record PodRequests(Resource requests, long nonZeroMilliCpu, long nonZeroMemory) {

  /** Kubernetes' DefaultMilliCPURequest and DefaultMemoryRequest, for scoring only. */
  public static final long DEFAULT_MILLI_CPU = 100;
  public static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

  public static PodRequests of(Pod pod) {
    PodSpec spec = pod.getSpec();
    Resource sum = new Resource();
    long[] nonZero = new long[2];
    for (Container c : spec.getContainers()) {
      Resource r = containerRequests(c);
      sum.add(r);
      nonZero[0] += r.milliCpu == 0 && !has(c, Resource.CPU) ? DEFAULT_MILLI_CPU : r.milliCpu;
      nonZero[1] += r.memory == 0 && !has(c, Resource.MEMORY) ? DEFAULT_MEMORY : r.memory;
    }
    // Walk init containers in order: a sidecar keeps running, so it adds to everything after it;
    // a regular init container needs its request plus the sidecars started before it.
    Resource sidecars = new Resource();
    Resource initMax = new Resource();
    long sidecarCpu = 0;
    long sidecarMem = 0;
    long initMaxCpu = 0;
    long initMaxMem = 0;
    List<Container> inits = spec.getInitContainers() == null ? List.of() : spec.getInitContainers();
    for (Container c : inits) {
      Resource r = containerRequests(c);
      long cpu = r.milliCpu == 0 && !has(c, Resource.CPU) ? DEFAULT_MILLI_CPU : r.milliCpu;
      long mem = r.memory == 0 && !has(c, Resource.MEMORY) ? DEFAULT_MEMORY : r.memory;
      if ("Always".equals(c.getRestartPolicy())) {
        sidecars.add(r);
        sidecarCpu += cpu;
        sidecarMem += mem;
        initMax.setMax(sidecars);
        initMaxCpu = Math.max(initMaxCpu, sidecarCpu);
        initMaxMem = Math.max(initMaxMem, sidecarMem);
      } else {
        Resource during = sidecars.copy();
        during.add(r);
        initMax.setMax(during);
        initMaxCpu = Math.max(initMaxCpu, sidecarCpu + cpu);
        initMaxMem = Math.max(initMaxMem, sidecarMem + mem);
      }
    }
    sum.add(sidecars);
    sum.setMax(initMax);
    long cpu = Math.max(nonZero[0] + sidecarCpu, initMaxCpu);
    long mem = Math.max(nonZero[1] + sidecarMem, initMaxMem);
    Map<String, Quantity> overhead = spec.getOverhead();
    if (overhead != null) {
      Resource o = Resource.of(overhead);
      sum.add(o);
      cpu += o.milliCpu;
      mem += o.memory;
    }
    return new PodRequests(sum, cpu, mem);
  }

  private static Resource containerRequests(Container c) {
    return c.getResources() == null ? new Resource() : Resource.of(c.getResources().getRequests());
  }

  private static boolean has(Container c, String name) {
    return c.getResources() != null && c.getResources().getRequests() != null && c.getResources().getRequests().containsKey(name);
  }
}
