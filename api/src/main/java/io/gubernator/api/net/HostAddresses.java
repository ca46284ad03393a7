package io.gubernator.api.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The host's own address as other machines see it: the IPv4 address of the interface that holds
 * the default route (as the kubelet and the API server pick their advertised address), not a
 * bridge or veth that pods created.
 */
public final class HostAddresses {

  private HostAddresses() {}

  /** The default route's interface address; else the first non-loopback IPv4 of an interface that is not a pod bridge/veth. */
  public static Optional<String> primaryIPv4() {
    Optional<String> viaRoute = defaultRouteInterface().flatMap(HostAddresses::ipv4Of);
    if (viaRoute.isPresent()) return viaRoute;
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback() || isPodInterface(nic.getName())) continue;
        Optional<String> ip = ipv4Of(nic.getName());
        if (ip.isPresent()) return ip;
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  static boolean isPodInterface(String name) {
    return name.startsWith("cni") || name.startsWith("veth") || name.startsWith("flannel") || name.startsWith("docker");
  }

  /** The interface of the 0.0.0.0/0 route in /proc/net/route (Linux). */
  static Optional<String> defaultRouteInterface() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/net/route"));
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 2 && f[1].equals("00000000")) return Optional.of(f[0]);
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static Optional<String> ipv4Of(String iface) {
    try {
      NetworkInterface nic = NetworkInterface.getByName(iface);
      if (nic == null) return Optional.empty();
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) return Optional.of(a.getHostAddress());
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
