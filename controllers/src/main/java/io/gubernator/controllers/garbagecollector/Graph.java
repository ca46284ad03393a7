package io.gubernator.controllers.garbagecollector;

import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The garbage collector's view of ownership: every observed object by uid, and for every uid
 * (observed or only referenced) the uids that name it as an owner. Thread-safe; informers of many
 * resources update it concurrently.
 */
final class Graph {

  record Node(String uid, String apiVersion, String kind, String namespace, String name, List<OwnerReference> owners,
      boolean beingDeleted, boolean orphan, boolean foreground) {}

  /** What {@link #put} changed: owners not observed yet, and whether the owner list differs from before. */
  record Observed(Set<String> unknownOwners, boolean ownersChanged) {}

  record Removed(Set<String> dependents, Set<String> owners) {}

  private final Map<String, Node> nodes = new HashMap<>();
  private final Map<String, Set<String>> dependents = new HashMap<>();

  synchronized Observed put(Node node) {
    Node old = nodes.put(node.uid(), node);
    Set<String> before = old == null ? Set.of() : ownerUids(old);
    Set<String> after = ownerUids(node);
    for (String o : before) {
      if (!after.contains(o)) removeDependent(o, node.uid());
    }
    Set<String> unknown = new HashSet<>();
    for (String o : after) {
      dependents.computeIfAbsent(o, k -> new HashSet<>()).add(node.uid());
      if (!nodes.containsKey(o)) unknown.add(o);
    }
    return new Observed(unknown, old != null && !Objects.equals(before, after));
  }

  synchronized Removed remove(String uid) {
    Node old = nodes.remove(uid);
    Set<String> deps = Set.copyOf(dependents.getOrDefault(uid, Set.of()));
    Set<String> owners = old == null ? Set.of() : ownerUids(old);
    for (String o : owners) removeDependent(o, uid);
    return new Removed(deps, owners);
  }

  private void removeDependent(String owner, String dependent) {
    Set<String> s = dependents.get(owner);
    if (s == null) return;
    s.remove(dependent);
    if (s.isEmpty()) dependents.remove(owner);
  }

  synchronized Node get(String uid) {
    return nodes.get(uid);
  }

  synchronized Set<String> dependents(String uid) {
    return Set.copyOf(dependents.getOrDefault(uid, Set.of()));
  }

  private static Set<String> ownerUids(Node n) {
    Set<String> s = new HashSet<>();
    for (OwnerReference r : n.owners()) s.add(r.getUid());
    return s;
  }
}
