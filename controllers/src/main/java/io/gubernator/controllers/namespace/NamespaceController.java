package io.gubernator.controllers.namespace;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceCondition;
import io.fabric8.kubernetes.api.model.NamespaceConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.controllers.Discovery;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' namespace controller: when a namespace is Terminating, every namespaced resource the
 * API serves (found through discovery) is deleted with one delete-collection request per resource;
 * once nothing is left, the {@code kubernetes} finalizer is removed through the {@code finalize}
 * subresource, and the API server then deletes the namespace. While content remains (graceful pod
 * deletion, finalizers on objects), the namespace's conditions say so and the sync is retried.
 */
public final class NamespaceController implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NamespaceController.class);
  static final String FINALIZER = "kubernetes";
  /** How soon to look again while content remains (Kubernetes estimates from grace periods; objects held by finalizers have no estimate). */
  static final Duration RECHECK = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> namespaces;
  private final Controller controller;

  public NamespaceController(KubernetesClient client, SharedIndexInformer<Namespace> namespaces, int workers) {
    this.client = client;
    this.namespaces = namespaces;
    this.controller = new Controller("namespace", workers, this::sync);
    namespaces.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace ns) {
        enqueueIfTerminating(ns);
      }

      @Override
      public void onUpdate(Namespace old, Namespace ns) {
        enqueueIfTerminating(ns);
      }

      @Override
      public void onDelete(Namespace ns, boolean finalStateUnknown) {
        // Gone: nothing left to do.
      }
    });
  }

  private void enqueueIfTerminating(Namespace ns) {
    if (ns.getMetadata().getDeletionTimestamp() != null) controller.enqueue(ns.getMetadata().getName());
  }

  public void start() {
    controller.start(List.of(namespaces));
  }

  void sync(String name) {
    Namespace cached = namespaces.getIndexer().getByKey(name);
    if (cached == null || cached.getMetadata().getDeletionTimestamp() == null) return;
    // Read the namespace itself from the API: emptying a namespace is too destructive to do on a stale cache entry.
    Namespace ns = client.namespaces().withName(name).get();
    if (ns == null || ns.getMetadata().getDeletionTimestamp() == null
        || !Objects.equals(ns.getMetadata().getUid(), cached.getMetadata().getUid())) {
      return;
    }
    List<String> finalizers = ns.getSpec() == null || ns.getSpec().getFinalizers() == null ? List.of() : ns.getSpec().getFinalizers();
    if (!finalizers.contains(FINALIZER)) return;

    long begin = System.nanoTime();
    Map<String, Integer> remaining = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    for (Discovery.Resource r : Discovery.preferredResources(client)) {
      if (!r.namespaced() || !r.supports("list", "delete")) continue;
      var resources = client.genericKubernetesResources(r.context()).inNamespace(name);
      try {
        if (r.supports("deletecollection")) {
          resources.delete();
        } else {
          for (GenericKubernetesResource o : resources.list().getItems()) resources.withName(o.getMetadata().getName()).delete();
        }
        int left = resources.list().getItems().size();
        if (left > 0) remaining.put(r.plural() + (r.group().isEmpty() ? "" : "." + r.group()), left);
      } catch (KubernetesClientException e) {
        // Kubernetes goes on with the other resources and reports the failures together.
        if (e.getCode() == 404 || e.getCode() == 405) continue;
        failures.add(r.plural() + ": " + e.getMessage());
      }
    }
    if (!failures.isEmpty() || !remaining.isEmpty()) {
      setConditions(ns, remaining, failures);
      LOG.info("namespace content remains: namespace={} remaining={} failures={}", name, remaining, failures.size());
      controller.enqueueAfter(name, RECHECK);
      return;
    }
    List<String> kept = new ArrayList<>(finalizers);
    kept.remove(FINALIZER);
    Namespace finalized = client.getKubernetesSerialization().clone(ns);
    finalized.getSpec().setFinalizers(kept);
    try {
      client.raw("/api/v1/namespaces/" + name + "/finalize", "PUT", finalized);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
    LOG.info("namespace finalized: namespace={} ms={}", name, (System.nanoTime() - begin) / 1_000_000);
  }

  /** Kubernetes' NamespaceContentRemaining and NamespaceDeletionContentFailure conditions, so {@code kubectl describe ns} explains the wait. */
  private void setConditions(Namespace ns, Map<String, Integer> remaining, List<String> failures) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<NamespaceCondition> conditions = new ArrayList<>();
    if (!remaining.isEmpty()) {
      StringBuilder msg = new StringBuilder("Some resources are remaining: ");
      remaining.forEach((r, n) -> msg.append(r).append(" has ").append(n).append(" resource instances, "));
      msg.setLength(msg.length() - 2);
      conditions.add(new NamespaceConditionBuilder().withType("NamespaceContentRemaining").withStatus("True")
          .withReason("SomeResourcesRemain").withMessage(msg.toString()).withLastTransitionTime(now).build());
    }
    if (!failures.isEmpty()) {
      conditions.add(new NamespaceConditionBuilder().withType("NamespaceDeletionContentFailure").withStatus("True")
          .withReason("ContentDeletionFailed").withMessage("Failed to delete all resource types, " + failures.size()
              + " remaining: " + String.join(", ", failures)).withLastTransitionTime(now).build());
    }
    List<NamespaceCondition> old = ns.getStatus().getConditions() == null ? List.of() : ns.getStatus().getConditions();
    if (sameConditions(old, conditions)) return;
    Namespace copy = client.getKubernetesSerialization().clone(ns);
    copy.getStatus().setConditions(conditions);
    try {
      client.namespaces().resource(copy).updateStatus();
    } catch (KubernetesClientException e) {
      // Informational only; the next pass writes them again.
      LOG.debug("namespace conditions not written: namespace={} code={}", ns.getMetadata().getName(), e.getCode());
    }
  }

  private static boolean sameConditions(List<NamespaceCondition> a, List<NamespaceCondition> b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); i++) {
      if (!Objects.equals(a.get(i).getType(), b.get(i).getType()) || !Objects.equals(a.get(i).getMessage(), b.get(i).getMessage())) return false;
    }
    return true;
  }

  @Override
  public void close() {
    controller.close();
  }
}
