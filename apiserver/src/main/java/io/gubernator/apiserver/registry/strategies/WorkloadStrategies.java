package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.gubernator.api.labels.SelectorException;
import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.IntOrPercentValidation;
import io.gubernator.api.validation.ObjectMetaValidation;
import io.gubernator.apiserver.registry.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Strategies of the workload resources: generation tracking, status reset, spec defaults and validation. */
final class WorkloadStrategies {

  private WorkloadStrategies() {}

  /** Workloads whose status belongs to their controller and whose spec changes bump the generation. */
  static class Generational<T extends HasMetadata> implements Strategy<T> {
    @Override
    public boolean tracksGeneration() {
      return true;
    }

    @Override
    public void prepareForCreate(T object) {
      StatusFields.clear(object);
    }

    @Override
    public void prepareForUpdate(T object, T old) {
      StatusFields.copy(old, object);
    }
  }

  static final class DeploymentRegistryStrategy extends Generational<Deployment> {

    @Override
    public void applyDefaults(Deployment d) {
      DeploymentSpec spec = d.getSpec();
      if (spec == null) return;
      if (spec.getReplicas() == null) spec.setReplicas(1);
      if (spec.getRevisionHistoryLimit() == null) spec.setRevisionHistoryLimit(10);
      if (spec.getProgressDeadlineSeconds() == null) spec.setProgressDeadlineSeconds(600);
      DeploymentStrategy strategy = spec.getStrategy();
      if (strategy == null) {
        strategy = new DeploymentStrategy();
        spec.setStrategy(strategy);
      }
      if (strategy.getType() == null) strategy.setType("RollingUpdate");
      if (strategy.getType().equals("RollingUpdate")) {
        RollingUpdateDeployment ru = strategy.getRollingUpdate();
        if (ru == null) {
          ru = new RollingUpdateDeployment();
          strategy.setRollingUpdate(ru);
        }
        if (ru.getMaxSurge() == null) ru.setMaxSurge(new IntOrString("25%"));
        if (ru.getMaxUnavailable() == null) ru.setMaxUnavailable(new IntOrString("25%"));
      }
      if (spec.getTemplate() != null && spec.getTemplate().getSpec() != null) PodSpecs.applyDefaults(spec.getTemplate().getSpec());
    }

    @Override
    public List<FieldError> validate(Deployment d) {
      DeploymentSpec spec = d.getSpec();
      List<FieldError> errors = new ArrayList<>();
      if (spec == null) return List.of(FieldError.required("spec", ""));
      replicas(spec.getReplicas(), errors);
      errors.addAll(selectorAndTemplate(spec.getSelector(), spec.getTemplate()));
      DeploymentStrategy s = spec.getStrategy();
      if (s != null && !List.of("RollingUpdate", "Recreate").contains(s.getType())) {
        errors.add(FieldError.notSupported("spec.strategy.type", s.getType(), List.of("Recreate", "RollingUpdate")));
      }
      if (s != null && "Recreate".equals(s.getType()) && s.getRollingUpdate() != null) {
        errors.add(FieldError.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
      }
      if (s != null && "RollingUpdate".equals(s.getType()) && s.getRollingUpdate() != null) {
        errors.addAll(rollingUpdate(s.getRollingUpdate(), "spec.strategy.rollingUpdate"));
      }
      return errors;
    }

    @Override
    public List<FieldError> validateUpdate(Deployment d, Deployment old) {
      List<FieldError> errors = new ArrayList<>(validate(d));
      if (old.getSpec() != null && d.getSpec() != null && old.getSpec().getSelector() != null
          && !old.getSpec().getSelector().equals(d.getSpec().getSelector())) {
        errors.add(FieldError.invalid("spec.selector", String.valueOf(d.getSpec().getSelector()), "field is immutable"));
      }
      return errors;
    }
  }

  /** Kubernetes' ValidateRollingUpdateDeployment. */
  static List<FieldError> rollingUpdate(RollingUpdateDeployment ru, String path) {
    List<FieldError> errors = new ArrayList<>();
    errors.addAll(IntOrPercentValidation.nonNegative(ru.getMaxUnavailable(), path + ".maxUnavailable"));
    errors.addAll(IntOrPercentValidation.nonNegative(ru.getMaxSurge(), path + ".maxSurge"));
    if (Integer.valueOf(0).equals(IntOrPercentValidation.intOrPercentValue(ru.getMaxUnavailable()))
        && Integer.valueOf(0).equals(IntOrPercentValidation.intOrPercentValue(ru.getMaxSurge()))) {
      errors.add(IntOrPercentValidation.invalid(ru.getMaxUnavailable(), path + ".maxUnavailable", "may not be 0 when `maxSurge` is 0"));
    }
    errors.addAll(IntOrPercentValidation.notMoreThan100Percent(ru.getMaxUnavailable(), path + ".maxUnavailable"));
    return errors;
  }

  static final class ReplicaSetStrategy extends Generational<ReplicaSet> {

    @Override
    public void applyDefaults(ReplicaSet r) {
      if (r.getSpec() == null) return;
      if (r.getSpec().getReplicas() == null) r.getSpec().setReplicas(1);
      if (r.getSpec().getTemplate() != null && r.getSpec().getTemplate().getSpec() != null) {
        PodSpecs.applyDefaults(r.getSpec().getTemplate().getSpec());
      }
    }

    @Override
    public List<FieldError> validate(ReplicaSet r) {
      if (r.getSpec() == null) return List.of(FieldError.required("spec", ""));
      List<FieldError> errors = new ArrayList<>();
      replicas(r.getSpec().getReplicas(), errors);
      errors.addAll(selectorAndTemplate(r.getSpec().getSelector(), r.getSpec().getTemplate()));
      return errors;
    }
  }

  /**
   * autoscaling/v2 HorizontalPodAutoscalers as stored: Kubernetes' defaults of at least one replica
   * and, without metrics, a target of 80 % average CPU utilization.
   */
  static final class HorizontalPodAutoscalerStrategy extends Generational<HorizontalPodAutoscaler> {

    @Override
    public void applyDefaults(HorizontalPodAutoscaler h) {
      if (h.getSpec() == null) return;
      if (h.getSpec().getMinReplicas() == null) h.getSpec().setMinReplicas(1);
      if (h.getSpec().getMetrics() == null || h.getSpec().getMetrics().isEmpty()) {
        h.getSpec().setMetrics(new ArrayList<>(List.of(new MetricSpecBuilder().withType("Resource").withNewResource().withName("cpu")
            .withNewTarget().withType("Utilization").withAverageUtilization(80).endTarget().endResource().build())));
      }
    }
  }

  static final class JobStrategy extends Generational<Job> {
    @Override
    public void prepareForCreate(Job j) {
      super.prepareForCreate(j);
      JobSpec spec = j.getSpec();
      if (spec == null || j.getMetadata().getUid() == null) return;
      // Kubernetes generates the selector from the job's uid unless manualSelector is set.
      if (!Boolean.TRUE.equals(spec.getManualSelector())) {
        Map<String, String> labels = Map.of("batch.kubernetes.io/controller-uid", j.getMetadata().getUid());
        spec.setSelector(new LabelSelector(List.of(), labels));
        PodTemplateSpec t = spec.getTemplate();
        if (t != null) {
          if (t.getMetadata() == null) t.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
          var tl = t.getMetadata().getLabels() == null ? new java.util.HashMap<String, String>() : new java.util.HashMap<>(t.getMetadata().getLabels());
          tl.put("batch.kubernetes.io/controller-uid", j.getMetadata().getUid());
          tl.put("controller-uid", j.getMetadata().getUid());
          tl.put("batch.kubernetes.io/job-name", j.getMetadata().getName());
          tl.put("job-name", j.getMetadata().getName());
          t.getMetadata().setLabels(tl);
        }
      }
    }

    @Override
    public void applyDefaults(Job j) {
      JobSpec spec = j.getSpec();
      if (spec == null) return;
      if (spec.getParallelism() == null) spec.setParallelism(1);
      if (spec.getCompletions() == null && spec.getParallelism() != null) spec.setCompletions(1);
      if (spec.getBackoffLimit() == null) spec.setBackoffLimit(6);
      if (spec.getCompletionMode() == null) spec.setCompletionMode("NonIndexed");
      if (spec.getSuspend() == null) spec.setSuspend(false);
      if (spec.getPodReplacementPolicy() == null) spec.setPodReplacementPolicy("TerminatingOrFailed");
      if (spec.getManualSelector() != null && !spec.getManualSelector()) spec.setManualSelector(null);
      if (spec.getTemplate() != null && spec.getTemplate().getSpec() != null) PodSpecs.applyDefaults(spec.getTemplate().getSpec());
    }

    @Override
    public List<FieldError> validate(Job j) {
      JobSpec spec = j.getSpec();
      if (spec == null) return List.of(FieldError.required("spec", ""));
      List<FieldError> errors = new ArrayList<>(selectorAndTemplate(spec.getSelector(), spec.getTemplate()));
      if (spec.getTemplate() != null && spec.getTemplate().getSpec() != null
          && "Always".equals(spec.getTemplate().getSpec().getRestartPolicy())) {
        errors.add(FieldError.notSupported("spec.template.spec.restartPolicy", "Always", List.of("OnFailure", "Never")));
      }
      if (spec.getParallelism() != null && spec.getParallelism() < 0) {
        errors.add(FieldError.invalidJson("spec.parallelism", String.valueOf(spec.getParallelism()), "must be greater than or equal to 0"));
      }
      if (spec.getCompletions() != null && spec.getCompletions() < 0) {
        errors.add(FieldError.invalidJson("spec.completions", String.valueOf(spec.getCompletions()), "must be greater than or equal to 0"));
      }
      return errors;
    }
  }

  private static void replicas(Integer replicas, List<FieldError> errors) {
    if (replicas != null && replicas < 0) {
      errors.add(FieldError.invalidJson("spec.replicas", String.valueOf(replicas), "must be greater than or equal to 0"));
    }
  }

  static List<FieldError> selectorAndTemplate(LabelSelector selector, PodTemplateSpec template) {
    List<FieldError> errors = new ArrayList<>();
    boolean matches = true;
    if (selector == null) {
      errors.add(FieldError.required("spec.selector", ""));
      matches = false;
    } else {
      errors.addAll(ObjectMetaValidation.validateLabelSelector(selector, "spec.selector"));
      try {
        io.gubernator.api.labels.LabelSelector s = io.gubernator.api.labels.LabelSelector.from(selector);
        if (s.isEmpty()) {
          errors.add(FieldError.invalid("spec.selector", "{}", "empty selector is invalid for deployment"));
        }
        Map<String, String> labels = template == null || template.getMetadata() == null || template.getMetadata().getLabels() == null
            ? Map.of() : template.getMetadata().getLabels();
        matches = s.matches(labels);
      } catch (SelectorException e) {
        matches = true; // already reported by validateLabelSelector
      }
    }
    errors.addAll(PodSpecs.validateTemplate(template, "spec.template", Map.of(), matches));
    return errors;
  }
}
