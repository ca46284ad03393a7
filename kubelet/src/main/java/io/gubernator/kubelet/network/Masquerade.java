package io.gubernator.kubelet.network;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MASQUERADE rule for traffic leaving the node's pod range, as flannel and k3s install it,
 * instead of the bridge plugin's ipMasq, which adds a NAT chain per pod: several iptables runs
 * for every pod start and stop, the largest part of a sandbox's CPU cost on a small machine.
 */
public final class Masquerade {

  private static final Logger LOG = LoggerFactory.getLogger(Masquerade.class);
  static final String COMMENT = "gubernator: pod traffic leaving the pod network";

  private Masquerade() {}

  static List<String> rule(String podCidr) {
    return List.of("-s", podCidr, "!", "-d", podCidr, "-m", "comment", "--comment", COMMENT, "-j", "MASQUERADE");
  }

  /** Adds the rule unless it is there (iptables -C first, so restarts do not pile up copies). */
  public static void ensure(String podCidr) {
    try {
      List<String> check = new ArrayList<>(List.of("iptables", "-w", "-t", "nat", "-C", "POSTROUTING"));
      check.addAll(rule(podCidr));
      if (run(check) == 0) return;
      List<String> add = new ArrayList<>(List.of("iptables", "-w", "-t", "nat", "-A", "POSTROUTING"));
      add.addAll(rule(podCidr));
      if (run(add) != 0) LOG.warn("masquerade rule not added: podCIDR={} (pods cannot reach outside the node)", podCidr);
      else LOG.info("masquerade rule added: podCIDR={}", podCidr);
    } catch (IOException e) {
      LOG.warn("iptables not runnable, no masquerade rule: podCIDR={} error={}", podCidr, e.toString());
    }
  }

  private static int run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
