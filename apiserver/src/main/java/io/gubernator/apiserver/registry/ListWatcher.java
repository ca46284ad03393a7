package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.fields.FieldSelector;
import io.gubernator.api.labels.LabelSelector;
import io.gubernator.api.labels.SelectorException;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.watchcache.CachedObject;
import io.gubernator.apiserver.watchcache.WatchCache;
import io.gubernator.apiserver.watchcache.WatchCacheSet;
import io.gubernator.apiserver.watchcache.Watcher;
import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * LIST and WATCH of one resource, with Kubernetes' resourceVersion rules: a list without a
 * resourceVersion is consistent (served from the watch cache once it has caught up with the
 * store); "0" takes whatever the cache has; an exact resourceVersion or a paged list (limit and
 * continue) reads the store at one revision, so pages stay consistent while writes continue.
 */
public final class ListWatcher {

  private static final long FRESHNESS_TIMEOUT_MS = 3_000;

  /** Field selectors each resource supports beyond metadata.name and metadata.namespace. */
  private static final Map<String, Set<String>> FIELDS = Map.ofEntries(
      Map.entry("core/pods", Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
          "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName")),
      Map.entry("core/events", Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
          "reason", "reportingComponent", "source", "type")),
      Map.entry("core/secrets", Set.of("type")),
      Map.entry("core/nodes", Set.of("spec.unschedulable")),
      Map.entry("core/namespaces", Set.of("status.phase")),
      Map.entry("core/replicationcontrollers", Set.of("status.replicas")),
      Map.entry("apps/replicasets", Set.of("status.replicas")),
      Map.entry("batch/jobs", Set.of("status.successful")),
      Map.entry("core/persistentvolumeclaims", Set.of()));

  /** One answer to a LIST: the items, the revision they are consistent at, and paging state. */
  public record Page(List<ObjectNode> items, long revision, String continueToken, Long remainingItemCount) {}

  private final ResourceType type;
  private final Store store;
  private final WatchCache cache;
  private final WatchCacheSet caches;
  private final Function<String, String> keyPrefix;

  private final VersionConversion conversion;

  ListWatcher(ResourceType type, Store store, WatchCacheSet caches, Function<String, String> keyPrefix,
      VersionConversion conversion) {
    this.type = type;
    this.conversion = conversion;
    this.store = store;
    this.cache = caches.cache(type.storageKey());
    this.caches = caches;
    this.keyPrefix = keyPrefix;
  }

  /** The filter a list or watch applies, parsed and checked up front so bad selectors are a 400. */
  public Predicate<CachedObject> filter(String namespace, String name, Options.ListWatch options) {
    LabelSelector labels;
    FieldSelector fields;
    try {
      labels = options.labelSelector() == null || options.labelSelector().isBlank()
          ? LabelSelector.everything() : LabelSelector.parse(options.labelSelector());
    } catch (SelectorException e) {
      throw StatusException.badRequest("unable to parse requirement: " + e.getMessage());
    }
    try {
      fields = options.fieldSelector() == null || options.fieldSelector().isBlank()
          ? FieldSelector.everything() : FieldSelector.parse(options.fieldSelector());
    } catch (SelectorException e) {
      throw StatusException.badRequest(e.getMessage());
    }
    Set<String> supported = FIELDS.getOrDefault(type.storageKey(), Set.of());
    for (FieldSelector.Requirement r : fields.requirements()) {
      if (!r.field().equals("metadata.name") && !r.field().equals("metadata.namespace") && !supported.contains(r.field())) {
        throw StatusException.badRequest("field label not supported: " + r.field());
      }
    }
    LabelSelector l = labels;
    FieldSelector f = fields;
    return o -> (namespace == null || !type.namespaced() || namespace.equals(o.namespace()))
        && (name == null || name.equals(o.name()))
        && l.matches(labelsOf(o.object()))
        && (f.isEmpty() || f.matches(field -> fieldValue(o.object(), field)));
  }

  static Map<String, String> labelsOf(ObjectNode object) {
    JsonNode labels = object.path("metadata").path("labels");
    if (!labels.isObject() || labels.isEmpty()) return Map.of();
    Map<String, String> out = new java.util.HashMap<>();
    labels.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static String fieldValue(ObjectNode object, String field) {
    if (field.equals("source")) {
      return object.path("source").path("component").asText("");
    }
    JsonNode n = object;
    for (String part : field.split("\\.")) n = n.path(part);
    if (n.isMissingNode() || n.isNull()) {
      return field.equals("spec.unschedulable") || field.equals("spec.hostNetwork") ? "false"
          : field.equals("status.replicas") || field.equals("status.successful") ? "0" : "";
    }
    return n.asText();
  }

  public Page list(String namespace, Options.ListWatch options) {
    Predicate<CachedObject> filter = filter(namespace, null, options);
    String rv = options.resourceVersion() == null ? "" : options.resourceVersion();
    String match = options.resourceVersionMatch() == null ? "" : options.resourceVersionMatch();
    if (!match.isEmpty() && !match.equals("NotOlderThan") && !match.equals("Exact")) {
      throw StatusException.badRequest("resourceVersionMatch: Unsupported value: \"" + match
          + "\": supported values: \"Exact\", \"NotOlderThan\"");
    }
    if (!match.isEmpty() && rv.isEmpty()) {
      throw StatusException.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    boolean paged = options.limit() > 0 || (options.continueToken() != null && !options.continueToken().isEmpty());
    if (options.continueToken() != null && !options.continueToken().isEmpty()) {
      if (!rv.isEmpty() && !rv.equals("0")) {
        throw StatusException.badRequest("specifying resource version is not allowed when using continue");
      }
      Continue c = Continue.decode(options.continueToken());
      return storePage(namespace, filter, c.revision(), c.startAfter(), options.limit());
    }
    if (match.equals("Exact")) {
      long exact = parseVersion(rv);
      return storePage(namespace, filter, exact, "", options.limit());
    }
    if (paged && !rv.equals("0")) {
      long at = rv.isEmpty() ? 0 : parseVersion(rv);
      if (at > 0) waitFor(at);
      return storePage(namespace, filter, at, "", options.limit());
    }
    if (rv.isEmpty()) {
      waitFresh();
    } else if (!rv.equals("0")) {
      waitFor(parseVersion(rv));
    }
    long revision = caches.revision();
    List<ObjectNode> items = new ArrayList<>();
    for (CachedObject o : cache.list(type.namespaced() ? keyPrefix.apply(namespace) : null, filter)) {
      items.add(conversion.fromStorage(o.object()));
    }
    return new Page(items, revision, null, null);
  }

  private Page storePage(String namespace, Predicate<CachedObject> filter, long revision, String startAfter, long limit) {
    String prefix = keyPrefix.apply(namespace);
    List<ObjectNode> items = new ArrayList<>();
    String after = startAfter;
    long rev = revision;
    try {
      while (true) {
        int want = limit <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(limit - items.size(), 1));
        Store.ListResult page = store.list(prefix, after, rev, want);
        rev = page.revision();
        int consumed = 0;
        boolean full = false;
        for (Store.KeyValue kv : page.items()) {
          consumed++;
          after = kv.key();
          ObjectNode o = Json.parseObject(kv.value());
          o.with("metadata").put("resourceVersion", Long.toString(kv.modRevision()));
          o = conversion.fromStorage(o);
          CachedObject co = new CachedObject(kv.key(), o.path("metadata").path("namespace").asText(""),
              o.path("metadata").path("name").asText(""), o, kv.modRevision());
          if (filter.test(co)) items.add(o);
          full = limit > 0 && items.size() >= limit;
          if (full) break;
        }
        boolean moreInStore = page.more() || consumed < page.items().size();
        if (full) return new Page(items, rev, moreInStore ? new Continue(rev, after).encode() : null, null);
        if (!page.more() || page.items().isEmpty()) return new Page(items, rev, null, null);
      }
    } catch (StoreException.Compacted e) {
      throw StatusException.gone("The provided continue parameter is too old to display a consistent list result. "
          + "You can start a new list without the continue parameter, or use the continue token in this response to "
          + "retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list "
          + "- objects that were created, modified, or deleted between the time the first chunk was returned and now "
          + "may show up in the list.");
    }
  }

  /**
   * Starts a watch. Returns null when {@code resourceVersion} is older than the cache's window
   * (the caller answers 410 Gone, and the client re-lists).
   */
  public Watcher watch(String namespace, String name, Options.ListWatch options) {
    Predicate<CachedObject> filter = filter(namespace, name, options);
    String rv = options.resourceVersion() == null ? "" : options.resourceVersion();
    String prefix = type.namespaced() && namespace != null ? keyPrefix.apply(namespace) : null;
    boolean initial = rv.isEmpty() || rv.equals("0") || Boolean.TRUE.equals(options.sendInitialEvents());
    if (initial) {
      if (rv.isEmpty()) waitFresh();
      return cache.watch(0, true, filter, prefix);
    }
    long after = parseVersion(rv);
    waitFor(after);
    Watcher w = cache.watch(after, false, filter, prefix);
    if (w == null) {
      throw StatusException.gone("too old resource version: " + after + " (" + cache.historyStart() + ")");
    }
    return w;
  }

  public long revision() {
    return caches.revision();
  }

  private void waitFresh() {
    try {
      if (!caches.waitUntilFresh(FRESHNESS_TIMEOUT_MS)) {
        throw StatusException.timeout("Too large resource version: the watch cache is not yet up to date");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StatusException.serviceUnavailable("interrupted");
    }
  }

  /** Waits until the cache holds {@code revision}; a revision the store has not reached is a timeout. */
  void waitFor(long revision) {
    try {
      if (revision > store.currentRevision()) {
        throw StatusException.timeout("Too large resource version: " + revision + ", current: " + store.currentRevision());
      }
      if (!caches.waitFor(revision, FRESHNESS_TIMEOUT_MS)) {
        throw StatusException.timeout("Too large resource version: " + revision + ", current: " + caches.revision());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StatusException.serviceUnavailable("interrupted");
    }
  }

  static long parseVersion(String rv) {
    try {
      long v = Long.parseLong(rv);
      if (v < 0) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw StatusException.badRequest("invalid resource version: \"" + rv + "\"");
    }
  }

  /** The continue token: the revision of the first page and the last key returned, opaque to clients. */
  record Continue(long revision, String startAfter) {
    String encode() {
      String json = Json.MAPPER.createObjectNode().put("v", "gubernator/v1").put("rv", revision).put("start", startAfter).toString();
      return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static Continue decode(String token) {
      try {
        byte[] raw = Base64.getUrlDecoder().decode(token.trim().replace('+', '-').replace('/', '_').replace("=", ""));
        ObjectNode o = Json.parseObject(raw);
        if (!"gubernator/v1".equals(o.path("v").asText()) || !o.path("rv").canConvertToLong() || !o.path("start").isTextual()) {
          throw new IllegalArgumentException("unknown token format");
        }
        return new Continue(o.path("rv").asLong(), o.path("start").asText());
      } catch (RuntimeException e) {
        throw StatusException.badRequest("continue key is not valid: " + (e instanceof StatusException ? "invalid encoding" : e.getMessage()));
      }
    }
  }
}
