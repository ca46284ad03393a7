package io.gubernator.apiserver.watchcache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch caches of every resource, fed by ONE store watch on the whole registry prefix. One
 * stream gives one revision for the cache as a whole, so a consistent read only has to wait until
 * the cache has caught up with the store's current revision (Kubernetes' consistent reads from
 * cache do the same with etcd progress notifications).
 */
public final class WatchCacheSet implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WatchCacheSet.class);
  public static final String ROOT = "/registry/";
  private static final int LIST_PAGE = 1000;

  private final Store store;
  private final int historyCapacity;
  private final Map<String, WatchCache> caches = new ConcurrentHashMap<>();
  private final Object revisionLock = new Object();
  private volatile long revision;
  private volatile Store.Watch storeWatch;
  private volatile boolean closed;

  public WatchCacheSet(Store store, int historyCapacity) {
    this.store = store;
    this.historyCapacity = historyCapacity;
  }

  /** The cache for a resource's storage key ({@code apps/deployments}), created on first use. */
  public WatchCache cache(String storageKey) {
    return caches.computeIfAbsent(storageKey, k -> new WatchCache(k, historyCapacity));
  }

  /** Loads everything and starts following the store. */
  public synchronized void start() {
    long rev = store.currentRevision();
    Map<String, List<CachedObject>> byResource = new HashMap<>();
    String after = "";
    while (true) {
      Store.ListResult page = store.list(ROOT, after, rev, LIST_PAGE);
      for (Store.KeyValue kv : page.items()) {
        CachedObject o = decode(kv.key(), kv.value(), kv.modRevision());
        if (o != null) byResource.computeIfAbsent(storageKeyOf(kv.key()), k -> new ArrayList<>()).add(o);
      }
      if (!page.more() || page.items().isEmpty()) break;
      after = page.items().getLast().key();
    }
    for (WatchCache c : caches.values()) c.reset(byResource.getOrDefault(c.storageKey(), List.of()), rev);
    byResource.forEach((k, items) -> cache(k).reset(items, rev));
    setRevision(rev);
    storeWatch = store.watch(ROOT, rev, new Store.WatchListener() {
      @Override
      public void onEvents(List<Store.Event> events) {
        for (Store.Event e : events) dispatch(e);
        setRevision(events.getLast().revision());
      }

      @Override
      public void onError(StoreException error) {
        if (closed) return;
        LOG.warn("store watch ended, re-listing: error={}", error.getMessage());
        Thread.ofVirtual().start(WatchCacheSet.this::restart);
      }
    });
    LOG.info("watch cache ready: revision={} resources={}", rev, caches.size());
  }

  private void restart() {
    try {
      Thread.sleep(100);
      if (!closed) start();
    } catch (RuntimeException e) {
      LOG.error("watch cache re-list failed, retrying: error={}", e.toString());
      Thread.ofVirtual().start(this::restart);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void dispatch(Store.Event e) {
    String storageKey = storageKeyOf(e.key());
    if (storageKey == null) return;
    WatchCache cache = cache(storageKey);
    CachedObject previous = e.previous() == null ? cache.get(e.key())
        : decode(e.key(), e.previous().value(), e.previous().modRevision());
    WatchEvent event;
    switch (e.type()) {
      case CREATED -> event = new WatchEvent(WatchEvent.Type.ADDED, decode(e.key(), e.kv().value(), e.revision()), null, e.revision());
      case UPDATED -> event = new WatchEvent(WatchEvent.Type.MODIFIED, decode(e.key(), e.kv().value(), e.revision()), previous, e.revision());
      case DELETED -> {
        if (previous == null) return;
        // A deleted object is reported with the revision of its deletion, as Kubernetes does.
        ObjectNode gone = previous.object().deepCopy();
        ((ObjectNode) gone.path("metadata")).put("resourceVersion", Long.toString(e.revision()));
        event = new WatchEvent(WatchEvent.Type.DELETED,
            new CachedObject(previous.key(), previous.namespace(), previous.name(), gone, e.revision()), previous, e.revision());
      }
      default -> throw new IllegalStateException();
    }
    if (event.object() == null) return;
    cache.apply(event);
  }

  private void setRevision(long rev) {
    synchronized (revisionLock) {
      if (rev > revision) revision = rev;
      revisionLock.notifyAll();
    }
  }

  public long revision() {
    return revision;
  }

  /** Waits until the cache has seen every write up to {@code rev}; false on timeout. */
  public boolean waitFor(long rev, long timeoutMillis) throws InterruptedException {
    if (revision >= rev) return true; // most waits: no lock to take beside the dispatching thread
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (revisionLock) {
      while (revision < rev) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) return false;
        revisionLock.wait(left);
      }
    }
    return true;
  }

  /** Waits until the cache is as fresh as the store is now: what a consistent read needs. */
  public boolean waitUntilFresh(long timeoutMillis) throws InterruptedException {
    return waitFor(store.currentRevision(), timeoutMillis);
  }

  /** {@code /registry/apps/deployments/ns/name} → {@code apps/deployments}. */
  static String storageKeyOf(String key) {
    if (!key.startsWith(ROOT)) return null;
    int first = key.indexOf('/', ROOT.length());
    if (first < 0) return null;
    int second = key.indexOf('/', first + 1);
    if (second < 0) return null;
    return key.substring(ROOT.length(), second);
  }

  static CachedObject decode(String key, byte[] value, long revision) {
    try {
      ObjectNode o = Json.parseObject(value);
      ObjectNode meta = o.with("metadata");
      meta.put("resourceVersion", Long.toString(revision));
      return new CachedObject(key, meta.path("namespace").asText(""), meta.path("name").asText(""), o, revision);
    } catch (RuntimeException e) {
      LOG.error("undecodable object in store, skipped: key={} error={}", key, e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    closed = true;
    Store.Watch w = storeWatch;
    if (w != null) w.close();
    for (WatchCache c : caches.values()) c.closeAll("server shutting down");
  }
}
