package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.ObjectMetaValidation;
import io.gubernator.apiserver.watchcache.CachedObject;
import io.gubernator.apiserver.watchcache.WatchCache;
import io.gubernator.apiserver.watchcache.WatchCacheSet;
import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The one store path every resource goes through (Kubernetes' generic registry Store): create,
 * get, update with resourceVersion checks and retries, delete with preconditions, finalizers and
 * grace periods. What differs per resource lives in its {@link Strategy}; lists and watches are in
 * {@link ListWatcher}.
 */
public final class GenericRegistry {

  private static final int MAX_UPDATE_RETRIES = 16;
  private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SecureRandom UID_RANDOM = drbg();

  private final ResourceType type;
  @SuppressWarnings("rawtypes")
  private final Strategy strategy;
  private final Store store;
  private final WatchCacheSet caches;
  private final WatchCache cache;
  /** The store revision of the latest write through this registry, for {@link #cachedItems}. */
  private final AtomicLong lastWrite = new AtomicLong();
  private final NamespaceLifecycle namespaces;
  private final ObjectCodec codec;
  private final ListWatcher listWatcher;
  private final VersionConversion conversion;

  public GenericRegistry(ResourceType type, Strategy<?> strategy, Store store, WatchCacheSet caches,
      NamespaceLifecycle namespaces) {
    this(type, strategy, store, caches, namespaces, VersionConversion.IDENTITY);
  }

  /** A registry serving {@code type} over objects stored in another version, through {@code conversion}. */
  public GenericRegistry(ResourceType type, Strategy<?> strategy, Store store, WatchCacheSet caches,
      NamespaceLifecycle namespaces, VersionConversion conversion) {
    this.type = type;
    this.conversion = conversion;
    this.strategy = strategy;
    this.store = store;
    this.caches = caches;
    this.namespaces = namespaces;
    this.codec = new ObjectCodec(type);
    this.cache = caches.cache(type.storageKey());
    this.listWatcher = new ListWatcher(type, store, caches, this::keyPrefix, conversion);
  }

  public ResourceType type() { return type; }

  /** Turns stored (cached) objects into this registry's version. */
  public VersionConversion conversion() { return conversion; }

  public ListWatcher lists() { return listWatcher; }

  public String key(String namespace, String name) {
    return type.namespaced()
        ? WatchCacheSet.ROOT + type.storageKey() + "/" + namespace + "/" + name
        : WatchCacheSet.ROOT + type.storageKey() + "/" + name;
  }

  /** The key prefix of a namespace's objects, or of all objects when {@code namespace} is null. */
  public String keyPrefix(String namespace) {
    return namespace == null || !type.namespaced()
        ? WatchCacheSet.ROOT + type.storageKey() + "/"
        : WatchCacheSet.ROOT + type.storageKey() + "/" + namespace + "/";
  }

  // ---------------------------------------------------------------- create

  @SuppressWarnings("unchecked")
  public WriteResult create(String namespace, ObjectNode body, Options.Write options) {
    ObjectCodec.Decoded<HasMetadata> decoded = codec.decode(body, options.fieldValidation());
    HasMetadata object = decoded.object();
    ObjectMeta meta = object.getMetadata() == null ? new ObjectMeta() : object.getMetadata();
    object.setMetadata(meta);
    if (type.namespaced()) {
      if (meta.getNamespace() != null && !meta.getNamespace().isEmpty() && !meta.getNamespace().equals(namespace)) {
        throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.setNamespace(namespace);
    } else {
      meta.setNamespace(null);
    }
    if ((meta.getName() == null || meta.getName().isEmpty()) && meta.getGenerateName() != null && !meta.getGenerateName().isEmpty()) {
      meta.setName(generateName(meta.getGenerateName()));
    }
    meta.setUid(newUid());
    meta.setCreationTimestamp(now());
    meta.setResourceVersion(null);
    meta.setDeletionTimestamp(null);
    meta.setDeletionGracePeriodSeconds(null);
    meta.setManagedFields(null);
    meta.setSelfLink(null);
    meta.setGeneration(strategy.tracksGeneration() ? 1L : null);
    strategy.prepareForCreate(object);
    strategy.applyDefaults(object);
    List<FieldError> errors = new ArrayList<>(ObjectMetaValidation.validateObjectMeta(meta, type.namespaced(), strategy.nameRule()));
    errors.addAll(strategy.validate(object));
    throwIfInvalid(meta.getName(), errors);
    if (type.namespaced()) namespaces.checkCanCreateIn(namespace, type.group(), type.plural(), meta.getName());
    strategy.beforeCreate(object, options.dryRun());
    boolean created = false;
    try {
      ObjectNode encoded = codec.encode(object);
      if (options.dryRun()) {
        return new WriteResult(encoded, 201, decoded.warnings());
      }
      byte[] bytes = storedBytes(encoded);
      Store.KeyValue kv = store.create(key(namespace, meta.getName()), bytes, 0);
      created = true;
      written(kv.modRevision());
      return new WriteResult(withVersion(encoded, kv.modRevision()), 201, decoded.warnings());
    } catch (StoreException.AlreadyExists e) {
      throw StatusException.alreadyExists(type.group(), type.plural(), meta.getName());
    } catch (StoreException.ValueTooLarge e) {
      throw StatusException.tooLarge("object is too large: " + e.getMessage());
    } finally {
      if (!created && !options.dryRun()) strategy.rollbackCreate(object);
    }
  }

  // ---------------------------------------------------------------- get

  /** The latest stored object; a read from the store, so every acknowledged write is visible. */
  public ObjectNode get(String namespace, String name) {
    Store.KeyValue kv = store.get(key(namespace, name), 0)
        .orElseThrow(() -> StatusException.notFound(type.group(), type.plural(), name));
    return decodeStored(kv);
  }

  public Optional<ObjectNode> find(String namespace, String name) {
    return store.get(key(namespace, name), 0).map(this::decodeStored);
  }

  private ObjectNode decodeStored(Store.KeyValue kv) {
    return withVersion(conversion.fromStorage(Json.parseObject(kv.value())), kv.modRevision());
  }

  // ---------------------------------------------------------------- update

  /** A PUT: {@code body} replaces the object (or its status, for {@code statusOnly}). */
  @SuppressWarnings("unchecked")
  public WriteResult update(String namespace, String name, ObjectNode body, Options.Write options, boolean statusOnly) {
    ObjectCodec.Decoded<HasMetadata> decoded = codec.decode(body, options.fieldValidation());
    HasMetadata desired = decoded.object();
    ObjectMeta meta = desired.getMetadata() == null ? new ObjectMeta() : desired.getMetadata();
    desired.setMetadata(meta);
    if (meta.getName() != null && !meta.getName().isEmpty() && !meta.getName().equals(name)) {
      throw StatusException.badRequest("the name of the object (" + meta.getName()
          + ") does not match the name on the URL (" + name + ")");
    }
    if (type.namespaced() && meta.getNamespace() != null && !meta.getNamespace().isEmpty()
        && !meta.getNamespace().equals(namespace)) {
      throw StatusException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    String expected = meta.getResourceVersion();
    boolean unconditional = (expected == null || expected.isEmpty()) && allowUnconditionalUpdate();
    WriteResult result = guaranteedUpdate(namespace, name, expected, options, statusOnly ? Part.STATUS : Part.MAIN,
        current -> {
          // Kubernetes' unconditional update: the object is written over whatever version is current.
          if (unconditional) desired.getMetadata().setResourceVersion(current.path("metadata").path("resourceVersion").asText(null));
          return desired;
        });
    List<String> warnings = new ArrayList<>(decoded.warnings());
    warnings.addAll(result.warnings());
    return new WriteResult(result.object(), result.code(), warnings);
  }

  /**
   * Whether a PUT without metadata.resourceVersion overwrites the current object (Kubernetes'
   * AllowUnconditionalUpdate): true for the strategies of the built-in groups served here; the
   * admission, API extension, flow-control and resource groups' strategies say false.
   */
  boolean allowUnconditionalUpdate() {
    return !CONDITIONAL_UPDATE_GROUPS.contains(type.group());
  }

  private static final java.util.Set<String> CONDITIONAL_UPDATE_GROUPS = java.util.Set.of("admissionregistration.k8s.io",
      "apiextensions.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "internal.apiserver.k8s.io");

  /**
   * Applies {@code patch} (a function of the current object, as JSON) until it lands without a
   * conflict. Used by PATCH and by subresources.
   */
  public WriteResult patch(String namespace, String name, Options.Write options, boolean statusOnly,
      UnaryOperator<ObjectNode> patch) {
    return patch(namespace, name, options, statusOnly ? Part.STATUS : Part.MAIN, patch);
  }

  /**
   * The pods/ephemeralcontainers subresource: of the patched object only
   * {@code spec.ephemeralContainers} is taken, everything else stays as stored.
   */
  public WriteResult patchEphemeralContainers(String namespace, String name, Options.Write options,
      UnaryOperator<ObjectNode> patch) {
    return patch(namespace, name, options, Part.SPEC_EPHEMERAL_CONTAINERS, patch);
  }

  /** A PUT of pods/ephemeralcontainers: {@code body}'s {@code spec.ephemeralContainers} replaces the stored list. */
  public WriteResult updateEphemeralContainers(String namespace, String name, ObjectNode body, Options.Write options) {
    ObjectCodec.Decoded<HasMetadata> decoded = codec.decode(body, options.fieldValidation());
    String expected = decoded.object().getMetadata() == null ? null : decoded.object().getMetadata().getResourceVersion();
    WriteResult r = guaranteedUpdate(namespace, name, expected, options, Part.SPEC_EPHEMERAL_CONTAINERS, current -> decoded.object());
    return new WriteResult(r.object(), r.code(), decoded.warnings());
  }

  /**
   * A change to the main object and its status in one write, as the storage of Kubernetes' pod
   * binding makes it (nodeName and the PodScheduled condition together): one revision and one
   * watch event instead of two.
   */
  public WriteResult patchWithStatus(String namespace, String name, Options.Write options, UnaryOperator<ObjectNode> patch) {
    return patch(namespace, name, options, Part.WHOLE, patch);
  }

  private WriteResult patch(String namespace, String name, Options.Write options, Part part, UnaryOperator<ObjectNode> patch) {
    List<String> warnings = new ArrayList<>();
    WriteResult r = guaranteedUpdate(namespace, name, null, options, part, current -> {
      ObjectNode patched = patch.apply(current.deepCopy());
      checkPatchedIdentity(patched, namespace, name);
      ObjectCodec.Decoded<HasMetadata> d = codec.decode(patched, options.fieldValidation());
      warnings.clear();
      warnings.addAll(d.warnings());
      return d.object();
    });
    return new WriteResult(r.object(), r.code(), warnings);
  }

  /** As Kubernetes' patcher: a patch may not move the object to another name or namespace (400). */
  private void checkPatchedIdentity(ObjectNode patched, String namespace, String name) {
    JsonNode meta = patched.path("metadata");
    String patchedName = meta.path("name").asText("");
    if (!patchedName.isEmpty() && !patchedName.equals(name)) {
      throw StatusException.badRequest("the name of the object (" + patchedName + ") does not match the name on the URL ("
          + name + ")");
    }
    String patchedNamespace = meta.path("namespace").asText("");
    if (type.namespaced() && !patchedNamespace.isEmpty() && !patchedNamespace.equals(namespace)) {
      throw StatusException.badRequest("the namespace of the object (" + patchedNamespace
          + ") does not match the namespace on the URL (" + namespace + ")");
    }
  }

  /**
   * The namespace {@code finalize} subresource: only {@code spec.finalizers} of {@code body} is
   * taken; once the list is empty a terminating namespace is deleted.
   */
  public WriteResult finalize(String name, ObjectNode body, Options.Write options) {
    ObjectCodec.Decoded<HasMetadata> decoded = codec.decode(body, options.fieldValidation());
    String expected = decoded.object().getMetadata() == null ? null : decoded.object().getMetadata().getResourceVersion();
    return guaranteedUpdate(null, name, expected, options, Part.SPEC_FINALIZERS, current -> decoded.object());
  }

  /**
   * What an update may change: the main object (status kept), the status only, spec.finalizers or
   * spec.ephemeralContainers only, or all of it.
   */
  private enum Part { MAIN, STATUS, SPEC_FINALIZERS, SPEC_EPHEMERAL_CONTAINERS, WHOLE }

  @FunctionalInterface
  interface Mutation {
    HasMetadata apply(ObjectNode current);
  }

  @SuppressWarnings("unchecked")
  private WriteResult guaranteedUpdate(String namespace, String name, String expectedVersion, Options.Write options,
      Part part, Mutation mutation) {
    boolean statusOnly = part == Part.STATUS || part == Part.SPEC_FINALIZERS || part == Part.SPEC_EPHEMERAL_CONTAINERS;
    String key = key(namespace, name);
    for (int attempt = 0; attempt < MAX_UPDATE_RETRIES; attempt++) {
      Store.KeyValue kv = store.get(key, 0)
          .orElseThrow(() -> StatusException.notFound(type.group(), type.plural(), name));
      ObjectNode currentNode = decodeStored(kv);
      if (expectedVersion != null && !expectedVersion.isEmpty() && !expectedVersion.equals(Long.toString(kv.modRevision()))) {
        throw conflict(name);
      }
      HasMetadata old = codec.fromStored(currentNode);
      // The old object's encoding, made once per attempt: the status/spec split, the generation
      // check and the no-op check all compare against it (re-encoding it for each showed in profiles).
      ObjectNode oldEncoded = codec.encode(old);
      HasMetadata desired = mutation.apply(currentNode);
      if (desired.getMetadata() == null) desired.setMetadata(new ObjectMeta());
      ObjectMeta meta = desired.getMetadata();
      if (expectedVersion == null && meta.getResourceVersion() != null && !meta.getResourceVersion().isEmpty()
          && !meta.getResourceVersion().equals(Long.toString(kv.modRevision()))) {
        // A patch that names a resourceVersion is a precondition too.
        throw conflict(name);
      }
      if (part == Part.STATUS) {
        desired = keepAllBut(desired, oldEncoded, "status");
      } else if (part == Part.SPEC_FINALIZERS) {
        desired = keepAllBut(desired, oldEncoded, "spec", "finalizers");
      } else if (part == Part.SPEC_EPHEMERAL_CONTAINERS) {
        desired = keepAllBut(desired, oldEncoded, "spec", "ephemeralContainers");
      } else {
        carryServerFields(meta, old.getMetadata());
        if (part == Part.MAIN) strategy.prepareForUpdate(desired, old);
      }
      strategy.applyDefaults(desired);
      if (strategy.tracksGeneration() && !statusOnly && specChanged(codec.encode(desired), oldEncoded)) {
        Long g = old.getMetadata().getGeneration();
        desired.getMetadata().setGeneration((g == null ? 0 : g) + 1);
      }
      List<FieldError> errors = new ArrayList<>(ObjectMetaValidation.validateObjectMeta(desired.getMetadata(), type.namespaced(), strategy.nameRule()));
      errors.addAll(ObjectMetaValidation.validateObjectMetaUpdate(desired.getMetadata(), old.getMetadata()));
      errors.addAll(strategy.validateUpdate(desired, old));
      throwIfInvalid(name, errors);
      strategy.beforeUpdate(desired, old, options.dryRun());
      // After the generation and beforeUpdate's changes: what is stored and answered.
      ObjectNode encoded = codec.encode(desired);
      if (sameIgnoringResourceVersion(encoded, oldEncoded)) {
        // Kubernetes skips no-op writes: the resourceVersion stays, and no watch event fires.
        return new WriteResult(currentNode, 200, List.of());
      }
      if (options.dryRun()) {
        return new WriteResult(withVersion(encoded, kv.modRevision()), 200, List.of());
      }
      byte[] bytes = storedBytes(encoded);
      if (finalized(desired) && !strategy.deletionHeld(desired)) {
        try {
          written(store.delete(key, kv.modRevision()).revision());
          strategy.afterDelete(desired);
          return new WriteResult(withVersion(encoded, kv.modRevision()), 200, List.of());
        } catch (StoreException.Conflict e) {
          continue;
        } catch (StoreException.NotFound e) {
          throw StatusException.notFound(type.group(), type.plural(), name);
        }
      }
      try {
        Store.KeyValue updated = store.update(key, bytes, kv.modRevision(), 0);
        written(updated.modRevision());
        return new WriteResult(withVersion(encoded, updated.modRevision()), 200, List.of());
      } catch (StoreException.Conflict e) {
        if (expectedVersion != null && !expectedVersion.isEmpty()) throw conflict(name);
      } catch (StoreException.NotFound e) {
        throw StatusException.notFound(type.group(), type.plural(), name);
      } catch (StoreException.ValueTooLarge e) {
        throw StatusException.tooLarge("object is too large: " + e.getMessage());
      }
    }
    throw StatusException.conflict(type.group(), type.plural(), name, "too many concurrent updates, please retry");
  }

  private StatusException conflict(String name) {
    return StatusException.conflict(type.group(), type.plural(), name,
        "the object has been modified; please apply your changes to the latest version and try again");
  }

  /** An object marked for deletion whose last finalizer is gone is deleted, as Kubernetes does on update. */
  private static boolean finalized(HasMetadata object) {
    ObjectMeta m = object.getMetadata();
    return m.getDeletionTimestamp() != null && (m.getFinalizers() == null || m.getFinalizers().isEmpty())
        && (m.getDeletionGracePeriodSeconds() == null || m.getDeletionGracePeriodSeconds() == 0);
  }

  /** The old object ({@code oldEncoded}, left untouched) with only the field at {@code path} taken from {@code desired}. */
  private HasMetadata keepAllBut(HasMetadata desired, ObjectNode oldEncoded, String... path) {
    ObjectNode oldNode = oldEncoded.deepCopy();
    JsonNode from = codec.encode(desired);
    ObjectNode to = oldNode;
    for (int i = 0; i < path.length - 1; i++) {
      from = from.path(path[i]);
      to = to.with(path[i]);
    }
    String last = path[path.length - 1];
    JsonNode value = from.get(last);
    if (value == null || value.isNull()) to.remove(last);
    else to.set(last, value);
    return codec.fromStored(oldNode);
  }

  private static void carryServerFields(ObjectMeta meta, ObjectMeta old) {
    meta.setName(old.getName());
    meta.setNamespace(old.getNamespace());
    // As Kubernetes' BeforeUpdate: the existing UID only when none is given; a different one is
    // then rejected by the metadata update validation (field is immutable).
    if (meta.getUid() == null || meta.getUid().isEmpty()) meta.setUid(old.getUid());
    meta.setCreationTimestamp(old.getCreationTimestamp());
    meta.setDeletionTimestamp(old.getDeletionTimestamp());
    meta.setDeletionGracePeriodSeconds(old.getDeletionGracePeriodSeconds());
    meta.setGeneration(old.getGeneration());
    meta.setSelfLink(null);
    if (meta.getManagedFields() == null || meta.getManagedFields().isEmpty()) meta.setManagedFields(old.getManagedFields());
  }

  /** Whether anything but metadata and status differs between two encoded objects. */
  static boolean specChanged(ObjectNode desired, ObjectNode old) {
    return !equalExcept(desired, old, Set.of("metadata", "status"));
  }

  /**
   * Whether two encoded objects are equal but for their metadata.resourceVersion: a write that
   * changes nothing else is a no-op, as in Kubernetes (no new resourceVersion, no watch event).
   */
  static boolean sameIgnoringResourceVersion(ObjectNode a, ObjectNode b) {
    if (!equalExcept(a, b, Set.of("metadata"))) return false;
    JsonNode ma = a.get("metadata");
    JsonNode mb = b.get("metadata");
    if (ma instanceof ObjectNode x && mb instanceof ObjectNode y) return equalExcept(x, y, Set.of("resourceVersion"));
    return Objects.equals(ma, mb);
  }

  /** Field-by-field equality of two objects, the top-level fields in {@code skip} left out. */
  private static boolean equalExcept(ObjectNode a, ObjectNode b, Set<String> skip) {
    if (sizeWithout(a, skip) != sizeWithout(b, skip)) return false;
    for (var e : a.properties()) {
      if (!skip.contains(e.getKey()) && !e.getValue().equals(b.get(e.getKey()))) return false;
    }
    return true;
  }

  private static int sizeWithout(ObjectNode n, Set<String> skip) {
    int size = n.size();
    for (String f : skip) if (n.has(f)) size--;
    return size;
  }

  // ---------------------------------------------------------------- delete

  /**
   * Deletes the object, or marks it for deletion when finalizers hold it or it needs a graceful
   * shutdown (a pod on a node), or when the propagation policy asks the garbage collector to go first. Answers 200 either way.
   */
  public WriteResult delete(String namespace, String name, Options.Delete options) {
    String key = key(namespace, name);
    for (int attempt = 0; attempt < MAX_UPDATE_RETRIES; attempt++) {
      Store.KeyValue kv = store.get(key, 0).orElseThrow(() -> StatusException.notFound(type.group(), type.plural(), name));
      ObjectNode current = decodeStored(kv);
      JsonNode meta = current.path("metadata");
      if (options.preconditionUid() != null && !options.preconditionUid().equals(meta.path("uid").asText())) {
        throw StatusException.conflict(type.group(), type.plural(), name, "Precondition failed: UID in precondition: "
            + options.preconditionUid() + ", UID in object meta: " + meta.path("uid").asText());
      }
      if (options.preconditionResourceVersion() != null
          && !options.preconditionResourceVersion().equals(Long.toString(kv.modRevision()))) {
        throw StatusException.conflict(type.group(), type.plural(), name, "Precondition failed: ResourceVersion in precondition: "
            + options.preconditionResourceVersion() + ", ResourceVersion in meta: " + kv.modRevision());
      }
      long grace = gracePeriod(current, options);
      List<String> finalizers = new ArrayList<>();
      meta.path("finalizers").forEach(f -> finalizers.add(f.asText()));
      List<String> wanted = propagationFinalizers(finalizers, options.propagationPolicy());
      boolean hasFinalizers = !wanted.isEmpty() || strategy.deletionHeld(codec.fromStored(current));
      if (!hasFinalizers && grace == 0) {
        if (options.dryRun()) return new WriteResult(current, 200, List.of());
        try {
          Store.DeleteResult deleted = store.delete(key, kv.modRevision());
          written(deleted.revision());
          strategy.afterDelete(codec.fromStored(current));
          return new WriteResult(withVersion(current, deleted.revision()), 200, List.of());
        } catch (StoreException.Conflict e) {
          continue;
        } catch (StoreException.NotFound e) {
          throw StatusException.notFound(type.group(), type.plural(), name);
        }
      }
      // Graceful: mark, and let the finalizer owners (the garbage collector, the namespace
      // controller, the kubelet) finish the deletion. Kubernetes answers 200 here too.
      boolean alreadyMarked = meta.hasNonNull("deletionTimestamp");
      if (alreadyMarked && wanted.equals(finalizers)) {
        return new WriteResult(current, 200, List.of());
      }
      ObjectNode marked = current.deepCopy();
      ObjectNode m = (ObjectNode) marked.get("metadata");
      if (!alreadyMarked) {
        m.put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("deletionGracePeriodSeconds", grace);
      }
      if (wanted.isEmpty()) m.remove("finalizers");
      else wanted.forEach(m.putArray("finalizers")::add);
      m.remove("resourceVersion");
      HasMetadata typedMarked = codec.fromStored(marked);
      strategy.prepareForDeletion(typedMarked);
      marked = codec.encode(typedMarked);
      ((ObjectNode) marked.get("metadata")).remove("resourceVersion");
      if (options.dryRun()) return new WriteResult(withVersion(marked, kv.modRevision()), 200, List.of());
      try {
        Store.KeyValue updated = store.update(key, storedBytes(marked), kv.modRevision(), 0);
        written(updated.modRevision());
        return new WriteResult(withVersion(marked, updated.modRevision()), 200, List.of());
      } catch (StoreException.Conflict e) {
        // retry with the newer object
      } catch (StoreException.NotFound e) {
        throw StatusException.notFound(type.group(), type.plural(), name);
      }
    }
    throw StatusException.conflict(type.group(), type.plural(), name, "too many concurrent updates, please retry");
  }

  /**
   * The finalizers a delete leaves on the object: {@code Orphan} asks the garbage collector to
   * release the dependents first ({@code orphan}), {@code Foreground} to delete them first
   * ({@code foregroundDeletion}), {@code Background} neither. Namespaces have their own finalization.
   */
  private List<String> propagationFinalizers(List<String> finalizers, String policy) {
    if (policy == null || type.kind().equals("Namespace") && type.group().isEmpty()) return finalizers;
    List<String> out = new ArrayList<>(finalizers);
    out.remove("orphan");
    out.remove("foregroundDeletion");
    switch (policy) {
      case "Orphan" -> out.add("orphan");
      case "Foreground" -> out.add("foregroundDeletion");
      default -> { }
    }
    return out;
  }

  /** Pods bound to a node wait for their kubelet; everything else goes at once. */
  private long gracePeriod(ObjectNode current, Options.Delete options) {
    if (!"Pod".equals(type.kind())) return 0;
    if (current.path("spec").path("nodeName").asText("").isEmpty()) return 0;
    if (current.path("status").path("phase").asText("").matches("Succeeded|Failed")) return 0;
    if (options.gracePeriodSeconds() != null) return Math.max(0, options.gracePeriodSeconds());
    return current.path("spec").path("terminationGracePeriodSeconds").asLong(30);
  }

  // ---------------------------------------------------------------- helpers

  private void throwIfInvalid(String name, List<FieldError> errors) {
    if (errors.isEmpty()) return;
    List<StatusException.Cause> causes = errors.stream()
        .map(e -> new StatusException.Cause(e.type().reason(), e.body(), e.field())).toList();
    throw StatusException.invalid(type.group(), type.kind(), Objects.requireNonNullElse(name, ""), causes);
  }

  /** Objects are stored in their storage version, without their resourceVersion: it is the store's mod revision. */
  private byte[] storedBytes(ObjectNode served) {
    ObjectNode encoded = conversion.toStorage(served);
    ObjectNode copy = encoded;
    JsonNode meta = encoded.get("metadata");
    if (meta instanceof ObjectNode m && m.has("resourceVersion")) {
      copy = encoded.deepCopy();
      ((ObjectNode) copy.get("metadata")).remove("resourceVersion");
    }
    return Json.bytes(copy);
  }

  static ObjectNode withVersion(ObjectNode object, long revision) {
    object.with("metadata").put("resourceVersion", Long.toString(revision));
    return object;
  }

  /** Formatted once per second: timestamps have second precision, and formatting showed in profiles. */
  private record Second(long epochSecond, String text) {}

  private static volatile Second lastSecond = new Second(-1, "");

  static String now() {
    long second = Instant.now().getEpochSecond();
    Second cached = lastSecond;
    if (cached.epochSecond() == second) return cached.text();
    String text = Instant.ofEpochSecond(second).toString();
    lastSecond = new Second(second, text);
    return text;
  }

  /**
   * A random (version 4) UID like {@link UUID#randomUUID()}, from a DRBG instead of the platform's
   * NativePRNG, whose reads of /dev/urandom under a lock showed in write-heavy profiles.
   */
  static String newUid() {
    byte[] b = new byte[16];
    UID_RANDOM.nextBytes(b);
    b[6] = (byte) ((b[6] & 0x0f) | 0x40);
    b[8] = (byte) ((b[8] & 0x3f) | 0x80);
    long msb = 0;
    long lsb = 0;
    for (int i = 0; i < 8; i++) msb = (msb << 8) | (b[i] & 0xff);
    for (int i = 8; i < 16; i++) lsb = (lsb << 8) | (b[i] & 0xff);
    return new UUID(msb, lsb).toString();
  }

  private static SecureRandom drbg() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }

  static String generateName(String prefix) {
    String base = prefix.length() > 58 ? prefix.substring(0, 58) : prefix;
    StringBuilder b = new StringBuilder(base);
    for (int i = 0; i < 5; i++) b.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
    return b.toString();
  }

  /**
   * The object from the watch cache, else from the store (created a moment ago, not cached yet): how
   * admission reads other objects, as Kubernetes' reads its informers.
   */
  public Optional<ObjectNode> findCachedFirst(String namespace, String name) {
    CachedObject cached = cached(namespace, name);
    return cached != null ? Optional.of(cached.object()) : find(namespace, name);
  }

  /** Objects in the cache, for subresource handlers and namespace checks. */
  public CachedObject cached(String namespace, String name) {
    return cache.get(key(namespace, name));
  }

  /**
   * Every object in the watch cache once it holds this registry's own latest write: for admission,
   * which must see a class created a moment ago through this server, but not wait, as a consistent
   * LIST does, for the cache to catch up with every other resource's writes (under a stream of pod
   * creates it always lags by a few).
   */
  public List<ObjectNode> cachedItems() {
    listWatcher.waitFor(lastWrite.get());
    return cache.list(null, o -> true).stream().map(CachedObject::object).toList();
  }

  private void written(long revision) {
    lastWrite.accumulateAndGet(revision, Math::max);
  }
}
