package io.gubernator.testing.hollow;

import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Hands out pod addresses .2-.254 of each node's /24, unique per node. A node's table is seeded
 * from the addresses its pods already show when first used, so that a restarted process never
 * hands out an address a running pod holds.
 */
final class PodIps {

  private record Table(String prefix, BitSet used, Map<String, Integer> byPod) {}

  private final Map<String, Table> tables = new HashMap<>();
  private final Map<String, String> nodeOfPod = new HashMap<>();

  /** The pod's address: the one it has (if in range and free), else the lowest free one. */
  synchronized String assign(String node, String cidr, String podKey, String current, Supplier<Collection<String>> existing) {
    Table t = tables.get(node);
    if (t == null) {
      t = new Table(NodeObjects.podPrefix(cidr), new BitSet(256), new HashMap<>());
      tables.put(node, t);
      for (String ip : existing.get()) {
        int host = host(t, ip);
        if (host > 0) t.used.set(host);
      }
    }
    Integer mine = t.byPod.get(podKey);
    if (mine != null) return t.prefix + mine;
    // An address the pod already shows is its own (the seed marked it used on its behalf).
    int host = host(t, current);
    if (host <= 0) {
      host = t.used.nextClearBit(2);
      if (host > 254) throw new IllegalStateException("no free pod address on node " + node);
    }
    t.used.set(host);
    t.byPod.put(podKey, host);
    nodeOfPod.put(podKey, node);
    return t.prefix + host;
  }

  synchronized void release(String podKey) {
    String node = nodeOfPod.remove(podKey);
    if (node == null) return;
    Table t = tables.get(node);
    Integer host = t.byPod.remove(podKey);
    if (host != null) t.used.clear(host);
  }

  private static int host(Table t, String ip) {
    if (ip == null || !ip.startsWith(t.prefix)) return -1;
    try {
      int h = Integer.parseInt(ip.substring(t.prefix.length()));
      return h >= 2 && h <= 254 ? h : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
