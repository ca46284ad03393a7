package io.gubernator.controllers.garbagecollector;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.MetadataOnly;
import io.gubernator.controllers.Discovery;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' garbage collector. Informers on every deletable resource feed a graph of owner
 * references (uid → node, with each node's dependents). Two queues act on it:
 * <ul>
 *   <li>attemptToDelete: an object whose owners are all gone is deleted (with the propagation its
 *       own finalizers ask for); dangling references next to a live owner are removed; an owner
 *       held by {@code foregroundDeletion} loses the finalizer once no blocking dependent is left;
 *   <li>attemptToOrphan: an owner held by {@code orphan} has its dependents' references removed,
 *       then loses the finalizer.
 * </ul>
 * Whether an owner is gone is always checked against the API (a live GET), never the cache.
 */
public final class GarbageCollector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
  static final String ORPHAN = "orphan";
  static final String FOREGROUND = "foregroundDeletion";
  /** Kubernetes' GC ignores events: they never own anything and are too many to watch for nothing. */
  private static final Set<String> IGNORED = Set.of("events", "events.events.k8s.io");

  private final KubernetesClient client;
  // The graph needs owners, finalizers and deletion state only: its informers read metadata alone.
  private final KubernetesClient metadataClient;
  private final Graph graph = new Graph();
  private final Map<String, Discovery.Resource> byKind = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
  private final Controller attemptToDelete;
  private final Controller attemptToOrphan;

  public GarbageCollector(KubernetesClient client, int workers) {
    this.client = client;
    this.metadataClient = MetadataOnly.client(client);
    this.attemptToDelete = new Controller("garbagecollector-delete", workers, this::attemptToDelete);
    this.attemptToOrphan = new Controller("garbagecollector-orphan", 1, this::attemptToOrphan);
  }

  /** Discovers the resources, starts an informer per deletable resource, and the workers once all have synced. */
  public void start() {
    for (Discovery.Resource r : Discovery.preferredResources(client)) {
      byKind.put(r.apiVersion() + "/" + r.kind(), r);
      String id = r.plural() + (r.group().isEmpty() ? "" : "." + r.group());
      if (IGNORED.contains(id) || !r.supports("list", "watch", "delete")) continue;
      var ops = metadataClient.genericKubernetesResources(r.context());
      SharedIndexInformer<GenericKubernetesResource> informer = r.namespaced()
          ? ops.inAnyNamespace().runnableInformer(0) : ops.runnableInformer(0);
      informer.addEventHandler(new Handler(r));
      informers.add(informer);
    }
    informers.forEach(SharedIndexInformer::start);
    attemptToDelete.start(informers);
    attemptToOrphan.start(informers);
  }

  /** Graph changes are applied under the graph's lock and only enqueue uids, as every handler must. */
  private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    private final Discovery.Resource resource;

    Handler(Discovery.Resource resource) {
      this.resource = resource;
    }

    @Override
    public void onAdd(GenericKubernetesResource o) {
      observe(resource, o);
    }

    @Override
    public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource o) {
      observe(resource, o);
    }

    @Override
    public void onDelete(GenericKubernetesResource o, boolean finalStateUnknown) {
      Graph.Removed removed = graph.remove(o.getMetadata().getUid());
      // The dependents may now be orphans; a foreground owner may now be free of blockers.
      removed.dependents().forEach(attemptToDelete::enqueue);
      removed.owners().forEach(attemptToDelete::enqueue);
    }
  }

  private void observe(Discovery.Resource r, GenericKubernetesResource o) {
    var meta = o.getMetadata();
    List<OwnerReference> owners = meta.getOwnerReferences() == null ? List.of() : meta.getOwnerReferences();
    Graph.Node node = new Graph.Node(meta.getUid(), r.apiVersion(), r.kind(), meta.getNamespace(), meta.getName(), owners,
        meta.getDeletionTimestamp() != null, has(o, ORPHAN), has(o, FOREGROUND));
    Graph.Observed observed = graph.put(node);
    // Owners the graph has never seen are checked against the API through their dependent.
    if (!observed.unknownOwners().isEmpty() || observed.ownersChanged()) attemptToDelete.enqueue(node.uid());
    if (node.beingDeleted() && node.orphan()) attemptToOrphan.enqueue(node.uid());
    if (node.beingDeleted() && node.foreground()) {
      attemptToDelete.enqueue(node.uid());
      graph.dependents(node.uid()).forEach(attemptToDelete::enqueue);
    }
  }

  private static boolean has(GenericKubernetesResource o, String finalizer) {
    return o.getMetadata().getFinalizers() != null && o.getMetadata().getFinalizers().contains(finalizer);
  }

  // ------------------------------------------------------------------ attemptToDelete

  void attemptToDelete(String uid) {
    Graph.Node node = graph.get(uid);
    if (node == null) return;
    Resource<GenericKubernetesResource> ref = resource(node.apiVersion(), node.kind(), node.namespace(), node.name());
    if (ref == null) return;
    GenericKubernetesResource live = ref.get();
    if (live == null || !uid.equals(live.getMetadata().getUid())) return;
    boolean beingDeleted = live.getMetadata().getDeletionTimestamp() != null;
    if (beingDeleted && has(live, FOREGROUND)) {
      processDeletingDependents(node, live, ref);
      return;
    }
    if (beingDeleted) return;
    List<OwnerReference> owners = live.getMetadata().getOwnerReferences() == null ? List.of() : live.getMetadata().getOwnerReferences();
    if (owners.isEmpty()) return;
    List<OwnerReference> solid = new ArrayList<>();
    List<OwnerReference> dangling = new ArrayList<>();
    List<OwnerReference> waiting = new ArrayList<>();
    for (OwnerReference o : owners) {
      GenericKubernetesResource owner = owner(o, node.namespace());
      if (owner == null) dangling.add(o);
      else if (owner.getMetadata().getDeletionTimestamp() != null && has(owner, FOREGROUND)) waiting.add(o);
      else solid.add(o);
    }
    if (!solid.isEmpty()) {
      if (dangling.isEmpty() && waiting.isEmpty()) return;
      // A live owner keeps the object; references to gone or foreground-deleting owners are dropped.
      Set<String> drop = new HashSet<>();
      dangling.forEach(o -> drop.add(o.getUid()));
      waiting.forEach(o -> drop.add(o.getUid()));
      GenericKubernetesResource copy = client.getKubernetesSerialization().clone(live);
      copy.getMetadata().setOwnerReferences(owners.stream().filter(o -> !drop.contains(o.getUid())).toList());
      update(copy, node.apiVersion(), node.kind());
      LOG.info("removed dangling owner references: kind={} object={}/{} removed={}", node.kind(), node.namespace(), node.name(), drop.size());
      return;
    }
    String policy;
    if (!waiting.isEmpty() && !graph.dependents(uid).isEmpty()) policy = "Foreground";
    else if (has(live, ORPHAN)) policy = "Orphan";
    else if (has(live, FOREGROUND)) policy = "Foreground";
    else policy = "Background";
    try {
      // Preconditions on what was checked above: an object changed since (say, re-owned) is looked at again.
      Discovery.Resource r = kind(node.apiVersion(), node.kind());
      String body = "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"" + policy
          + "\",\"preconditions\":{\"uid\":\"" + uid + "\",\"resourceVersion\":\"" + live.getMetadata().getResourceVersion() + "\"}}";
      client.raw(path(r, node.namespace(), node.name()), "DELETE", client.getKubernetesSerialization().unmarshal(body, java.util.Map.class));
      LOG.info("deleting object whose owners are gone: kind={} object={}/{} propagation={}", node.kind(), node.namespace(), node.name(), policy);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  /** An owner under foreground deletion: delete its blocking dependents, and release it once none is left. */
  private void processDeletingDependents(Graph.Node node, GenericKubernetesResource live, Resource<GenericKubernetesResource> ref) {
    List<String> blocking = new ArrayList<>();
    for (String dep : graph.dependents(node.uid())) {
      Graph.Node d = graph.get(dep);
      if (d == null) continue;
      boolean blocks = d.owners().stream().anyMatch(o -> node.uid().equals(o.getUid()) && Boolean.TRUE.equals(o.getBlockOwnerDeletion()));
      if (blocks) blocking.add(dep);
    }
    if (blocking.isEmpty()) {
      removeFinalizer(live, ref, FOREGROUND);
      return;
    }
    blocking.forEach(attemptToDelete::enqueue);
  }

  // ------------------------------------------------------------------ attemptToOrphan

  void attemptToOrphan(String uid) {
    Graph.Node node = graph.get(uid);
    if (node == null) return;
    Resource<GenericKubernetesResource> ref = resource(node.apiVersion(), node.kind(), node.namespace(), node.name());
    if (ref == null) return;
    for (String dep : graph.dependents(uid)) {
      Graph.Node d = graph.get(dep);
      if (d == null) continue;
      Resource<GenericKubernetesResource> depRef = resource(d.apiVersion(), d.kind(), d.namespace(), d.name());
      GenericKubernetesResource live = depRef == null ? null : depRef.get();
      if (live == null || live.getMetadata().getOwnerReferences() == null) continue;
      GenericKubernetesResource copy = client.getKubernetesSerialization().clone(live);
      copy.getMetadata().setOwnerReferences(live.getMetadata().getOwnerReferences().stream().filter(o -> !uid.equals(o.getUid())).toList());
      if (copy.getMetadata().getOwnerReferences().size() == live.getMetadata().getOwnerReferences().size()) continue;
      update(copy, d.apiVersion(), d.kind());
    }
    GenericKubernetesResource owner = ref.get();
    if (owner == null || !uid.equals(owner.getMetadata().getUid())) return;
    removeFinalizer(owner, ref, ORPHAN);
    LOG.info("orphaned dependents: kind={} object={}/{}", node.kind(), node.namespace(), node.name());
  }

  private void removeFinalizer(GenericKubernetesResource live, Resource<GenericKubernetesResource> ref, String finalizer) {
    if (!has(live, finalizer)) return;
    GenericKubernetesResource copy = client.getKubernetesSerialization().clone(live);
    List<String> kept = new ArrayList<>(live.getMetadata().getFinalizers());
    kept.remove(finalizer);
    copy.getMetadata().setFinalizers(kept);
    try {
      update(copy, live.getApiVersion(), live.getKind());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  // ------------------------------------------------------------------ API lookups

  /** A PUT carrying the resourceVersion it was read at, so a concurrent change makes it conflict and retry. */
  private void update(GenericKubernetesResource o, String apiVersion, String kind) {
    Discovery.Resource r = kind(apiVersion, kind);
    var ops = client.genericKubernetesResources(r.context());
    (r.namespaced() ? ops.inNamespace(o.getMetadata().getNamespace()).resource(o) : ops.resource(o)).update();
  }

  private static String path(Discovery.Resource r, String namespace, String name) {
    String base = r.group().isEmpty() ? "/api/" + r.version() : "/apis/" + r.group() + "/" + r.version();
    return base + (r.namespaced() ? "/namespaces/" + namespace : "") + "/" + r.plural() + "/" + name;
  }

  /** The owner as the API has it now, or null if it is gone or a different object (another uid) holds its name. */
  private GenericKubernetesResource owner(OwnerReference o, String dependentNamespace) {
    Discovery.Resource r = kind(o.getApiVersion(), o.getKind());
    if (r == null) {
      // An unknown kind cannot be checked; Kubernetes keeps the dependent in that case too.
      return new GenericKubernetesResource();
    }
    var ops = client.genericKubernetesResources(r.context());
    GenericKubernetesResource live = r.namespaced() ? ops.inNamespace(dependentNamespace).withName(o.getName()).get() : ops.withName(o.getName()).get();
    return live != null && Objects.equals(live.getMetadata().getUid(), o.getUid()) ? live : null;
  }

  private Resource<GenericKubernetesResource> resource(String apiVersion, String kind, String namespace, String name) {
    Discovery.Resource r = kind(apiVersion, kind);
    if (r == null) return null;
    var ops = client.genericKubernetesResources(r.context());
    return r.namespaced() ? ops.inNamespace(namespace).withName(name) : ops.withName(name);
  }

  private Discovery.Resource kind(String apiVersion, String kind) {
    Discovery.Resource r = byKind.get(apiVersion + "/" + kind);
    if (r != null) return r;
    // Custom resources may have appeared since start; look again once.
    Map<String, Discovery.Resource> fresh = new HashMap<>();
    for (Discovery.Resource d : Discovery.preferredResources(client)) fresh.put(d.apiVersion() + "/" + d.kind(), d);
    byKind.putAll(fresh);
    return fresh.get(apiVersion + "/" + kind);
  }

  public boolean hasSynced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public void close() {
    attemptToDelete.close();
    attemptToOrphan.close();
    informers.forEach(SharedIndexInformer::stop);
    metadataClient.close();
  }
}
