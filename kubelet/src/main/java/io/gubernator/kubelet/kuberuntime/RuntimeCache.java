package io.gubernator.kubelet.kuberuntime;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The runtime's view of every pod, kept as the kubelet's PLEG keeps its pod cache: the relist
 * replaces it as a whole every second, and a pod worker's own read after it changed something
 * replaces one pod. A sync reads its pod from here instead of asking the runtime.
 *
 * <p>Reads are ordered by when they began, so a read that began earlier never overwrites one that
 * began later. While the kubelet changes a pod (starts or stops something), and afterwards until
 * a read that began after the change has ended arrives, {@link #get} answers null for it: no sync
 * decides on a view that misses the kubelet's own last action (it would start a container twice).
 */
final class RuntimeCache {

  private record Entry(RuntimePod pod, long readAt) {}

  /** The kubelet's changes to one pod: how many are under way, and when the last one ended. */
  private static final class Change {
    int underWay;
    long endedAt = Long.MIN_VALUE;
  }

  private final Map<String, Entry> pods = new HashMap<>();
  /** The kubelet's changes that no read has covered yet, by UID. */
  private final Map<String, Change> changes = new HashMap<>();
  /** When the last relist began; a pod it did not find had nothing in the runtime then. */
  private long relistAt = Long.MIN_VALUE;
  private boolean primed;

  /** The pod's runtime view, or null when it has to be read from the runtime. */
  synchronized RuntimePod get(String uid) {
    if (!primed || changes.containsKey(uid)) return null;
    Entry e = pods.get(uid);
    return e == null ? RuntimePod.empty(uid) : e.pod();
  }

  /** The kubelet begins to change the pod's sandboxes or containers. */
  synchronized void changing(String uid) {
    changes.computeIfAbsent(uid, k -> new Change()).underWay++;
  }

  /** A change begun with {@link #changing} has ended (or failed) at {@code now}. */
  synchronized void changed(String uid, long now) {
    Change c = changes.get(uid);
    if (c == null) return;
    c.underWay--;
    c.endedAt = Math.max(c.endedAt, now);
  }

  /** One pod, read from the runtime by a read that began at {@code readAt}. */
  synchronized void put(RuntimePod pod, long readAt) {
    accept(pod.uid(), pod, readAt);
  }

  /** All pods from a relist that began at {@code readAt}; a pod not among them had nothing in the runtime. */
  synchronized void replaceAll(Map<String, RuntimePod> found, long readAt) {
    Set<String> uids = new HashSet<>(pods.keySet());
    uids.addAll(changes.keySet());
    uids.addAll(found.keySet());
    for (String uid : uids) accept(uid, found.getOrDefault(uid, RuntimePod.empty(uid)), readAt);
    relistAt = Math.max(relistAt, readAt);
    primed = true;
  }

  private void accept(String uid, RuntimePod pod, long readAt) {
    Entry e = pods.get(uid);
    if (e != null ? e.readAt() > readAt : relistAt > readAt) return;
    Change c = changes.get(uid);
    if (c != null) {
      // A read that overlapped a change may or may not show it: only a later one settles the pod.
      if (c.underWay > 0 || readAt <= c.endedAt) return;
      changes.remove(uid);
    }
    if (pod.isEmpty() && readAt >= relistAt) pods.remove(uid);
    else pods.put(uid, new Entry(pod, readAt));
  }
}
