package io.gubernator.controllers.nodeipam;

import java.util.Set;

/**
 * An IPv4 cluster CIDR cut into per-node blocks of {@code /maskSize} (Kubernetes'
 * --cluster-cidr and --node-cidr-mask-size, default /24).
 */
public record ClusterCidr(long base, int prefix, int maskSize) {

  public static final String DEFAULT = "10.42.0.0/16";

  public ClusterCidr {
    if (prefix < 0 || prefix > 32 || maskSize < prefix || maskSize > 32) {
      throw new IllegalArgumentException("invalid cluster CIDR /" + prefix + " with node mask /" + maskSize);
    }
  }

  public static ClusterCidr parse(String cidr, int maskSize) {
    String[] parts = cidr.split("/");
    if (parts.length != 2) throw new IllegalArgumentException("not a CIDR: " + cidr);
    String[] octets = parts[0].split("\\.");
    if (octets.length != 4) throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
    long ip = 0;
    for (String o : octets) {
      int v = Integer.parseInt(o);
      if (v < 0 || v > 255) throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
      ip = ip << 8 | v;
    }
    int prefix = Integer.parseInt(parts[1]);
    long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    return new ClusterCidr(ip & mask, prefix, maskSize);
  }

  public int blocks() {
    return 1 << (maskSize - prefix);
  }

  public String block(int i) {
    long ip = base + ((long) i << (32 - maskSize));
    return (ip >> 24 & 0xFF) + "." + (ip >> 16 & 0xFF) + "." + (ip >> 8 & 0xFF) + "." + (ip & 0xFF) + "/" + maskSize;
  }

  /** The first block not in {@code used}, or null when the range is exhausted. */
  public String firstFree(Set<String> used) {
    for (int i = 0; i < blocks(); i++) {
      String b = block(i);
      if (!used.contains(b)) return b;
    }
    return null;
  }

  @Override
  public String toString() {
    return block(0).replaceAll("/\\d+$", "") + "/" + prefix;
  }
}
