package io.gubernator.store.embedded;

import io.gubernator.store.Store.KeyValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Every version of every key since the compact revision, in memory, sorted by key for prefix
 * scans. Only the committer thread mutates it; readers run concurrently without locks because each
 * key's history is an immutable array replaced as a whole, and a reader ignores versions newer than
 * the revision it reads at.
 */
final class MvccIndex {

  /** One version of a key; a tombstone marks a delete. */
  record Version(long modRevision, long createRevision, long version, byte[] value, boolean deleted, long expiresAtMillis) {
    KeyValue toKeyValue(String key) {
      return new KeyValue(key, value, createRevision, modRevision, version);
    }
  }

  /** What a compaction removes: the log revisions to delete, and each key's remaining history. */
  record CompactionPlan(long revision, List<Long> removedRevisions, Map<String, Version[]> replacements) {}

  private final ConcurrentSkipListMap<String, Version[]> keys = new ConcurrentSkipListMap<>();

  /** The newest version of {@code key}, tombstones included; null when it has no history. */
  Version latest(String key) {
    Version[] history = keys.get(key);
    return history == null ? null : history[history.length - 1];
  }

  /** The live version of {@code key} as of {@code revision}; null when absent or deleted then. */
  Version at(String key, long revision) {
    Version[] history = keys.get(key);
    return history == null ? null : visible(history, revision);
  }

  /** The version with exactly this mod revision, tombstones included. */
  Version exact(String key, long modRevision) {
    Version[] history = keys.get(key);
    if (history == null) {
      return null;
    }
    for (int i = history.length - 1; i >= 0; i--) {
      if (history[i].modRevision() == modRevision) {
        return history[i];
      }
    }
    return null;
  }

  void append(String key, Version version) {
    keys.compute(key, (k, history) -> {
      if (history == null) {
        return new Version[] {version};
      }
      Version[] grown = Arrays.copyOf(history, history.length + 1);
      grown[history.length] = version;
      return grown;
    });
  }

  /**
   * Up to {@code limit} live keys with {@code prefix} after {@code startAfter} as of {@code
   * revision}; {@code limit} 0 means all.
   */
  List<KeyValue> range(String prefix, String startAfter, long revision, int limit) {
    NavigableMap<String, Version[]> tail = startAfter == null || startAfter.compareTo(prefix) < 0
        ? keys.tailMap(prefix, true)
        : keys.tailMap(startAfter, false);
    List<KeyValue> out = new ArrayList<>();
    for (Map.Entry<String, Version[]> e : tail.entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      Version v = visible(e.getValue(), revision);
      if (v != null) {
        out.add(v.toKeyValue(e.getKey()));
        if (limit > 0 && out.size() >= limit) {
          break;
        }
      }
    }
    return out;
  }

  long count(String prefix, long revision) {
    long n = 0;
    for (Map.Entry<String, Version[]> e : keys.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      if (visible(e.getValue(), revision) != null) {
        n++;
      }
    }
    return n;
  }

  /**
   * Plans a compaction at {@code revision}: per key, versions older than the one visible at {@code
   * revision} go, and so does that one when it is a tombstone, since reads at or after {@code
   * revision} can no longer reach them.
   */
  CompactionPlan planCompaction(long revision) {
    List<Long> removed = new ArrayList<>();
    Map<String, Version[]> replacements = new java.util.HashMap<>();
    for (Map.Entry<String, Version[]> e : keys.entrySet()) {
      Version[] history = e.getValue();
      int keepFrom = 0;
      for (int i = history.length - 1; i >= 0; i--) {
        if (history[i].modRevision() <= revision) {
          keepFrom = history[i].deleted() ? i + 1 : i;
          break;
        }
      }
      if (keepFrom == 0) {
        continue;
      }
      for (int i = 0; i < keepFrom; i++) {
        removed.add(history[i].modRevision());
      }
      replacements.put(e.getKey(), Arrays.copyOfRange(history, keepFrom, history.length));
    }
    return new CompactionPlan(revision, removed, replacements);
  }

  void applyCompaction(CompactionPlan plan) {
    plan.replacements().forEach((key, history) -> {
      if (history.length == 0) {
        keys.remove(key);
      } else {
        keys.put(key, history);
      }
    });
  }

  /** Keys whose newest version is live and expires: the reaper's starting point after a reopen. */
  void forEachLatest(java.util.function.BiConsumer<String, Version> action) {
    keys.forEach((key, history) -> action.accept(key, history[history.length - 1]));
  }

  private static Version visible(Version[] history, long revision) {
    for (int i = history.length - 1; i >= 0; i--) {
      Version v = history[i];
      if (v.modRevision() <= revision) {
        return v.deleted() ? null : v;
      }
    }
    return null;
  }
}
