package io.gubernator.kubelet.prober;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;

/** The three probes a container may have, named as the kubelet's events name them. */
public enum ProbeType {
  LIVENESS("Liveness"),
  READINESS("Readiness"),
  STARTUP("Startup");

  private final String title;

  ProbeType(String title) {
    this.title = title;
  }

  /** "Liveness", "Readiness" or "Startup", as in "Liveness probe failed: ...". */
  public String title() {
    return title;
  }

  /** The container's probe of this type, or null. */
  public Probe of(Container c) {
    return switch (this) {
      case LIVENESS -> c.getLivenessProbe();
      case READINESS -> c.getReadinessProbe();
      case STARTUP -> c.getStartupProbe();
    };
  }
}
