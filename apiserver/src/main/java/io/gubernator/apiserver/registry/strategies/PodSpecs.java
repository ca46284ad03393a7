package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.NameValidation;
import io.gubernator.api.validation.ObjectMetaValidation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Defaults and validation of a PodSpec, shared by pods and every workload's pod template. */
final class PodSpecs {

  private static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
  private static final List<String> DNS_POLICIES = List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
  private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
  private static final List<String> PROTOCOLS = List.of("TCP", "UDP", "SCTP");

  private PodSpecs() {}

  /**
   * Kubernetes' SetDefaults_PodSpec, which applies to pods and pod templates alike. What only a Pod
   * gets (its own defaults and the admission plugins') is in {@link #podOnlyDefaults}.
   */
  static void applyDefaults(PodSpec spec) {
    if (spec.getRestartPolicy() == null) spec.setRestartPolicy("Always");
    if (spec.getDnsPolicy() == null) spec.setDnsPolicy("ClusterFirst");
    if (spec.getSchedulerName() == null) spec.setSchedulerName("default-scheduler");
    if (spec.getTerminationGracePeriodSeconds() == null) spec.setTerminationGracePeriodSeconds(30L);
    if (spec.getSecurityContext() == null) spec.setSecurityContext(new PodSecurityContext());
    for (Container c : spec.getContainers()) containerDefaults(c);
    for (Container c : spec.getInitContainers()) containerDefaults(c);
    for (Volume v : spec.getVolumes()) {
      if (v.getEmptyDir() == null && v.getHostPath() == null && v.getConfigMap() == null && v.getSecret() == null
          && v.getPersistentVolumeClaim() == null && v.getProjected() == null && v.getDownwardAPI() == null
          && v.getAdditionalProperties().isEmpty() && noOtherSource(v)) {
        v.setEmptyDir(new io.fabric8.kubernetes.api.model.EmptyDirVolumeSource());
      }
    }
  }

  /**
   * Defaults a Pod gets and a workload's template does not: SetDefaults_Pod (enableServiceLinks),
   * the ServiceAccount admission (serviceAccountName, mirrored into the deprecated serviceAccount)
   * and the Priority admission (priority 0, preemptionPolicy). A Deployment's template keeps what
   * the user wrote, so its pods get these when they are created.
   */
  static void podOnlyDefaults(PodSpec spec) {
    // SetDefaults_Pod: a resource with a limit and no request is requested at its limit (the
    // scheduler then counts it, and a limits-only pod is Guaranteed).
    for (Container c : spec.getContainers()) requestsFromLimits(c);
    for (Container c : spec.getInitContainers()) requestsFromLimits(c);
    if (spec.getEnableServiceLinks() == null) spec.setEnableServiceLinks(true);
    if (spec.getServiceAccountName() == null || spec.getServiceAccountName().isEmpty()) spec.setServiceAccountName("default");
    if (spec.getServiceAccount() == null) spec.setServiceAccount(spec.getServiceAccountName());
    if (spec.getPriority() == null) spec.setPriority(0);
    if (spec.getPreemptionPolicy() == null) spec.setPreemptionPolicy("PreemptLowerPriority");
  }

  private static void requestsFromLimits(Container c) {
    var r = c.getResources();
    if (r == null || r.getLimits() == null || r.getLimits().isEmpty()) return;
    Map<String, Quantity> requests = new java.util.LinkedHashMap<>(r.getRequests() == null ? Map.of() : r.getRequests());
    r.getLimits().forEach((name, limit) -> requests.putIfAbsent(name, new Quantity(limit.getAmount(), limit.getFormat())));
    r.setRequests(requests);
  }

  /** The DefaultTolerationSeconds admission (pods only, not templates): ride out a not-ready or unreachable node for 5 minutes. */
  static void defaultTolerations(PodSpec spec) {
    addToleration(spec, "node.kubernetes.io/not-ready");
    addToleration(spec, "node.kubernetes.io/unreachable");
  }

  private static boolean noOtherSource(Volume v) {
    return v.getNfs() == null && v.getCsi() == null && v.getEphemeral() == null && v.getImage() == null;
  }

  private static void addToleration(PodSpec spec, String key) {
    for (Toleration t : spec.getTolerations()) {
      if (key.equals(t.getKey()) && (t.getEffect() == null || t.getEffect().equals("NoExecute"))) return;
      if (t.getKey() == null && "Exists".equals(t.getOperator())) return;
    }
    spec.getTolerations().add(new Toleration("NoExecute", key, "Exists", 300L, null));
  }

  static void containerDefaults(Container c) {
    if (c.getTerminationMessagePath() == null) c.setTerminationMessagePath("/dev/termination-log");
    if (c.getTerminationMessagePolicy() == null) c.setTerminationMessagePolicy("File");
    if (c.getImagePullPolicy() == null && c.getImage() != null) c.setImagePullPolicy(defaultPullPolicy(c.getImage()));
    if (c.getResources() == null) c.setResources(new ResourceRequirements());
    for (ContainerPort p : c.getPorts()) if (p.getProtocol() == null) p.setProtocol("TCP");
    for (io.fabric8.kubernetes.api.model.Probe probe : new io.fabric8.kubernetes.api.model.Probe[] {
        c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
      probeDefaults(probe);
    }
  }

  /** Always for an image without a tag or tagged latest, else IfNotPresent (a digest pins the image). */
  static String defaultPullPolicy(String image) {
    String last = image.substring(image.lastIndexOf('/') + 1);
    boolean latest = !image.contains("@") && (!last.contains(":") || last.endsWith(":latest"));
    return latest ? "Always" : "IfNotPresent";
  }

  /** Kubernetes' probe defaults: 1 s timeout, every 10 s, one success, three failures, HTTP. */
  private static void probeDefaults(io.fabric8.kubernetes.api.model.Probe probe) {
    if (probe == null) return;
    if (probe.getTimeoutSeconds() == null) probe.setTimeoutSeconds(1);
    if (probe.getPeriodSeconds() == null) probe.setPeriodSeconds(10);
    if (probe.getSuccessThreshold() == null) probe.setSuccessThreshold(1);
    if (probe.getFailureThreshold() == null) probe.setFailureThreshold(3);
    if (probe.getHttpGet() != null && probe.getHttpGet().getScheme() == null) probe.getHttpGet().setScheme("HTTP");
  }

  static String qosClass(PodSpec spec) {
    if (spec == null) return "BestEffort";
    boolean any = false;
    boolean guaranteed = true;
    for (Container c : spec.getContainers()) {
      ResourceRequirements r = c.getResources();
      Map<String, Quantity> req = r == null ? Map.of() : r.getRequests();
      Map<String, Quantity> lim = r == null ? Map.of() : r.getLimits();
      if (!req.isEmpty() || !lim.isEmpty()) any = true;
      for (String res : List.of("cpu", "memory")) {
        Quantity l = lim.get(res);
        Quantity q = req.get(res) == null ? l : req.get(res);
        if (l == null || q == null || l.getNumericalAmount().compareTo(q.getNumericalAmount()) != 0) guaranteed = false;
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  static List<FieldError> validate(PodSpec spec, String path) {
    List<FieldError> errors = new ArrayList<>();
    if (spec == null) {
      errors.add(FieldError.required(path, ""));
      return errors;
    }
    if (spec.getContainers().isEmpty()) errors.add(FieldError.required(path + ".containers", ""));
    Set<String> names = new HashSet<>();
    Set<String> volumes = new HashSet<>();
    for (int i = 0; i < spec.getVolumes().size(); i++) {
      Volume v = spec.getVolumes().get(i);
      String vp = path + ".volumes[" + i + "].name";
      if (v.getName() == null || v.getName().isEmpty()) errors.add(FieldError.required(vp, ""));
      else {
        for (String m : NameValidation.isDns1123Label(v.getName())) errors.add(FieldError.invalid(vp, v.getName(), m));
        if (!volumes.add(v.getName())) errors.add(FieldError.duplicate(vp, v.getName()));
      }
    }
    validateContainers(spec.getInitContainers(), path + ".initContainers", names, volumes, errors);
    validateContainers(spec.getContainers(), path + ".containers", names, volumes, errors);
    if (!RESTART_POLICIES.contains(spec.getRestartPolicy())) {
      errors.add(FieldError.notSupported(path + ".restartPolicy", spec.getRestartPolicy(), RESTART_POLICIES));
    }
    if (!DNS_POLICIES.contains(spec.getDnsPolicy())) {
      errors.add(FieldError.notSupported(path + ".dnsPolicy", spec.getDnsPolicy(), DNS_POLICIES));
    }
    if (spec.getTerminationGracePeriodSeconds() != null && spec.getTerminationGracePeriodSeconds() < 0) {
      errors.add(FieldError.invalidJson(path + ".terminationGracePeriodSeconds", String.valueOf(spec.getTerminationGracePeriodSeconds()),
          "must be greater than or equal to 0"));
    }
    if (spec.getActiveDeadlineSeconds() != null && spec.getActiveDeadlineSeconds() <= 0) {
      errors.add(FieldError.invalidJson(path + ".activeDeadlineSeconds", String.valueOf(spec.getActiveDeadlineSeconds()),
          "must be between 1 and 2147483647, inclusive"));
    }
    if (spec.getNodeSelector() != null) errors.addAll(ObjectMetaValidation.validateLabels(spec.getNodeSelector(), path + ".nodeSelector"));
    return errors;
  }

  private static void validateContainers(List<Container> containers, String path, Set<String> names, Set<String> volumes,
      List<FieldError> errors) {
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      String p = path + "[" + i + "]";
      validateCommon(c, p, names, volumes, errors);
      for (int j = 0; j < c.getPorts().size(); j++) {
        ContainerPort port = c.getPorts().get(j);
        String pp = p + ".ports[" + j + "]";
        Integer n = port.getContainerPort();
        if (n == null || n < 1 || n > 65535) {
          errors.add(FieldError.invalidJson(pp + ".containerPort", String.valueOf(n == null ? 0 : n), "must be between 1 and 65535, inclusive"));
        }
        if (port.getProtocol() != null && !PROTOCOLS.contains(port.getProtocol())) {
          errors.add(FieldError.notSupported(pp + ".protocol", port.getProtocol(), PROTOCOLS));
        }
      }
      ResourceRequirements r = c.getResources();
      if (r != null) {
        r.getLimits().forEach((name, q) -> nonNegative(p + ".resources.limits[" + name + "]", q, errors));
        for (var e : r.getRequests().entrySet()) {
          Quantity limit = r.getLimits().get(e.getKey());
          nonNegative(p + ".resources.requests[" + e.getKey() + "]", e.getValue(), errors);
          // Kubernetes reports this one on the requests map itself, not on the key.
          if (limit != null && e.getValue().getNumericalAmount().compareTo(limit.getNumericalAmount()) > 0) {
            errors.add(FieldError.invalid(p + ".resources.requests", e.getValue().toString(),
                "must be less than or equal to " + e.getKey() + " limit of " + limit));
          }
        }
      }
    }
  }

  /**
   * What every kind of container must get right: a unique DNS-label name, an image, a known pull
   * policy, and mounts of the pod's own volumes ({@code names} collects the names seen so far).
   */
  static void validateCommon(Container c, String p, Set<String> names, Set<String> volumes, List<FieldError> errors) {
    if (c.getName() == null || c.getName().isEmpty()) {
      errors.add(FieldError.required(p + ".name", ""));
    } else {
      for (String m : NameValidation.isDns1123Label(c.getName())) errors.add(FieldError.invalid(p + ".name", c.getName(), m));
      if (!names.add(c.getName())) errors.add(FieldError.duplicate(p + ".name", c.getName()));
    }
    if (c.getImage() == null || c.getImage().isBlank()) errors.add(FieldError.required(p + ".image", ""));
    if (c.getImagePullPolicy() != null && !PULL_POLICIES.contains(c.getImagePullPolicy())) {
      errors.add(FieldError.notSupported(p + ".imagePullPolicy", c.getImagePullPolicy(), PULL_POLICIES));
    }
    for (int j = 0; j < c.getVolumeMounts().size(); j++) {
      var m = c.getVolumeMounts().get(j);
      String mp = p + ".volumeMounts[" + j + "]";
      if (m.getName() == null || !volumes.contains(m.getName())) errors.add(FieldError.notFound(mp + ".name", m.getName()));
      if (m.getMountPath() == null || m.getMountPath().isEmpty()) errors.add(FieldError.required(mp + ".mountPath", ""));
    }
  }

  /** ValidateNonnegativeQuantity. */
  private static void nonNegative(String path, Quantity q, List<FieldError> errors) {
    if (q.getNumericalAmount().signum() < 0) errors.add(FieldError.invalid(path, q.toString(), "must be greater than or equal to 0"));
  }

  /** A workload's pod template: its labels must be selected by the workload's selector. */
  static List<FieldError> validateTemplate(PodTemplateSpec template, String path, Map<String, String> selectorLabels,
      boolean selectorMatches) {
    List<FieldError> errors = new ArrayList<>();
    if (template == null) {
      errors.add(FieldError.required(path, ""));
      return errors;
    }
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      errors.addAll(ObjectMetaValidation.validateLabels(template.getMetadata().getLabels(), path + ".metadata.labels"));
    }
    if (!selectorMatches) {
      // Kubernetes passes the labels map as the bad value, which its messages print with Go's %#v.
      errors.add(FieldError.invalidJson(path + ".metadata.labels",
          toGoMap(template.getMetadata() == null ? null : template.getMetadata().getLabels()),
          "`selector` does not match template `labels`"));
    }
    errors.addAll(validate(template.getSpec(), path + ".spec"));
    return errors;
  }

  /** A label map as Go's {@code %#v} prints a {@code map[string]string}: keys sorted, strings quoted. */
  private static String toGoMap(Map<String, String> labels) {
    if (labels == null) return "map[string]string(nil)";
    StringBuilder b = new StringBuilder("map[string]string{");
    labels.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      if (b.charAt(b.length() - 1) != '{') b.append(", ");
      b.append(goQuote(e.getKey())).append(':').append(goQuote(e.getValue()));
    });
    return b.append('}').toString();
  }

  /** Go's %q for the characters labels may hold (label syntax excludes control characters). */
  private static String goQuote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
