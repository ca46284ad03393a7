package io.gubernator.controllers;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Kubernetes' {@code UIDTrackingControllerExpectations}: before a controller creates or deletes
 * children it records how many it expects to see; the informer events lower the count, and the
 * controller only acts again once its expectations are met (or have expired after 5 minutes, in
 * case an event was lost). That keeps a cache that lags behind the controller's own writes from
 * causing a second round of creates. Deletions are tracked by child key, so a child whose
 * deletion is observed twice (marked, then gone) counts once.
 */
public final class Expectations {

  public static final Duration TTL = Duration.ofMinutes(5);

  private static final class Entry {
    long add;
    long del;
    final Set<String> deleting = new HashSet<>();
    final long createdNanos;

    Entry(long createdNanos) {
      this.createdNanos = createdNanos;
    }
  }

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  public Expectations() {
    this(System::nanoTime);
  }

  public Expectations(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Whether the controller of {@code key} may act: nothing pending, or the expectations expired. */
  public boolean satisfied(String key) {
    Entry e = entries.get(key);
    if (e == null) return true;
    synchronized (e) {
      if (e.add <= 0 && e.del <= 0) return true;
      return nanoTime.getAsLong() - e.createdNanos > TTL.toNanos();
    }
  }

  public void expectCreations(String key, int count) {
    entries.put(key, newEntry(count, Set.of()));
  }

  public void expectDeletions(String key, Set<String> childKeys) {
    entries.put(key, newEntry(0, childKeys));
  }

  private Entry newEntry(int add, Set<String> deleting) {
    Entry e = new Entry(nanoTime.getAsLong());
    e.add = add;
    e.deleting.addAll(deleting);
    e.del = deleting.size();
    return e;
  }

  /** A create was seen in the cache, or will never happen (the request failed). */
  public void creationObserved(String key) {
    Entry e = entries.get(key);
    if (e == null) return;
    synchronized (e) {
      e.add--;
    }
  }

  /** The deletion of {@code childKey} was seen, or will never happen. */
  public void deletionObserved(String key, String childKey) {
    Entry e = entries.get(key);
    if (e == null) return;
    synchronized (e) {
      if (e.deleting.remove(childKey)) e.del--;
    }
  }

  public void delete(String key) {
    entries.remove(key);
  }

  /** Pending creations and deletions of {@code key}, for logs and tests. */
  public long[] pending(String key) {
    Entry e = entries.get(key);
    if (e == null) return new long[] {0, 0};
    synchronized (e) {
      return new long[] {e.add, e.del};
    }
  }
}
