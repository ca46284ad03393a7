package io.gubernator.scheduler.framework;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * An amount of each resource, as Kubernetes' framework.Resource: cpu in millicores, memory and
 * ephemeral storage in bytes, a pod count, and every other resource (extended resources such as
 * example.com/gpu, hugepages-*) by name in its integer unit. Mutable; callers copy.
 */
public final class Resource {

  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
  public static final String PODS = "pods";

  public long milliCpu;
  public long memory;
  public long ephemeralStorage;
  public long allowedPods;
  public final Map<String, Long> scalar = new HashMap<>(0);

  public static Resource of(Map<String, Quantity> list) {
    Resource r = new Resource();
    if (list != null) list.forEach(r::add);
    return r;
  }

  public void add(String name, Quantity q) {
    switch (name) {
      case CPU -> milliCpu += milli(q);
      case MEMORY -> memory += value(q);
      case EPHEMERAL_STORAGE -> ephemeralStorage += value(q);
      case PODS -> allowedPods += value(q);
      default -> scalar.merge(name, value(q), Long::sum);
    }
  }

  public void add(Resource o) {
    milliCpu += o.milliCpu;
    memory += o.memory;
    ephemeralStorage += o.ephemeralStorage;
    allowedPods += o.allowedPods;
    o.scalar.forEach((k, v) -> scalar.merge(k, v, Long::sum));
  }

  public void subtract(Resource o) {
    milliCpu -= o.milliCpu;
    memory -= o.memory;
    ephemeralStorage -= o.ephemeralStorage;
    allowedPods -= o.allowedPods;
    o.scalar.forEach((k, v) -> scalar.merge(k, -v, Long::sum));
  }

  /** Each resource the larger of the two, as requests of init containers combine with the rest. */
  public void setMax(Resource o) {
    milliCpu = Math.max(milliCpu, o.milliCpu);
    memory = Math.max(memory, o.memory);
    ephemeralStorage = Math.max(ephemeralStorage, o.ephemeralStorage);
    allowedPods = Math.max(allowedPods, o.allowedPods);
    o.scalar.forEach((k, v) -> scalar.merge(k, v, Math::max));
  }

  public Resource copy() {
    Resource r = new Resource();
    r.add(this);
    return r;
  }

  public boolean isZero() {
    return milliCpu == 0 && memory == 0 && ephemeralStorage == 0 && scalar.values().stream().allMatch(v -> v == 0);
  }

  /** Quantity.MilliValue: rounded up, so 1.5m of cpu asks for 2m. */
  static long milli(Quantity q) {
    return Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** Quantity.Value: rounded up to an integer. */
  static long value(Quantity q) {
    return Quantity.getAmountInBytes(q).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  @Override
  public String toString() {
    return "Resource{milliCpu=" + milliCpu + ", memory=" + memory + ", ephemeralStorage=" + ephemeralStorage
        + ", pods=" + allowedPods + ", scalar=" + scalar + "}";
  }
}
