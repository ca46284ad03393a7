package io.gubernator.apiserver.watchcache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The objects of one resource, as of the cache set's revision, and a window of its recent events
 * so that a watch can resume from a recent resourceVersion without touching the store.
 */
public final class WatchCache {

  static final int WATCHER_BUFFER = 10_000;

  private final String storageKey;
  private final int historyCapacity;
  private final ConcurrentSkipListMap<String, CachedObject> objects = new ConcurrentSkipListMap<>();
  private final ArrayDeque<WatchEvent> history = new ArrayDeque<>();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  /** The lowest revision R such that every event of this resource after R is in {@link #history}. */
  private long historyStart;

  WatchCache(String storageKey, int historyCapacity) {
    this.storageKey = storageKey;
    this.historyCapacity = historyCapacity;
  }

  public String storageKey() {
    return storageKey;
  }

  /** Replaces the content after a (re)list at {@code revision}; open watchers are ended, since they missed events. */
  synchronized void reset(Collection<CachedObject> items, long revision) {
    objects.clear();
    for (CachedObject o : items) objects.put(o.key(), o);
    history.clear();
    historyStart = revision;
    for (Watcher w : watchers) w.terminate("the watch cache was re-initialized");
    watchers.clear();
  }

  synchronized void apply(WatchEvent event) {
    if (event.type() == WatchEvent.Type.DELETED) {
      objects.remove(event.object().key());
    } else {
      objects.put(event.object().key(), event.object());
    }
    if (history.size() >= historyCapacity) {
      historyStart = history.removeFirst().revision();
    }
    history.addLast(event);
    for (Watcher w : watchers) {
      if (!w.offer(event)) watchers.remove(w);
    }
  }

  public CachedObject get(String key) {
    return objects.get(key);
  }

  /** The objects under {@code keyPrefix} (a namespace's, or all) that pass {@code filter}, in key order. */
  public List<CachedObject> list(String keyPrefix, Predicate<CachedObject> filter) {
    List<CachedObject> out = new ArrayList<>();
    Map<String, CachedObject> range = keyPrefix == null ? objects : objects.subMap(keyPrefix, keyPrefix + Character.MAX_VALUE);
    for (CachedObject o : range.values()) {
      if (filter.test(o)) out.add(o);
    }
    return out;
  }

  /**
   * Starts a watch. With {@code initialState}, the current matching objects arrive first as ADDED
   * events (Kubernetes' answer to a watch without a resourceVersion, or at "0"); otherwise the
   * events after {@code afterRevision} are replayed from the history window.
   *
   * @return null when {@code afterRevision} is older than the window: the caller answers 410 Gone
   */
  public synchronized Watcher watch(long afterRevision, boolean initialState, Predicate<CachedObject> filter,
      String keyPrefix) {
    Watcher[] self = new Watcher[1];
    Watcher watcher = new Watcher(filter, WATCHER_BUFFER, () -> watchers.remove(self[0]));
    self[0] = watcher;
    if (initialState) {
      for (CachedObject o : list(keyPrefix, filter)) {
        watcher.enqueue(new Watcher.Event("ADDED", o));
      }
    } else {
      if (afterRevision < historyStart) return null;
      for (WatchEvent e : history) {
        if (e.revision() > afterRevision) watcher.offer(e);
      }
    }
    watchers.add(watcher);
    return watcher;
  }

  /** The oldest revision a watch can resume from. */
  public synchronized long historyStart() {
    return historyStart;
  }

  public int size() {
    return objects.size();
  }

  synchronized void closeAll(String reason) {
    for (Watcher w : watchers) w.terminate(reason);
    watchers.clear();
  }
}
