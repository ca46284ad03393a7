package io.gubernator.kubelet.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The node's pod network for containerd's CNI plugin: a bridge with host-local addresses from the
 * node's podCIDR, plus portmap for hostPort. containerd adds the loopback interface itself; one
 * node-wide rule ({@link Masquerade}) masquerades traffic that leaves the pod range.
 */
public final class CniConfig {

  public static final String FILE = "10-gubernator.conflist";
  public static final String BRIDGE = "cni0";

  private CniConfig() {}

  public static String render(String podCidr, Path ipamDataDir) {
    return """
        {
          "cniVersion": "0.4.0",
          "name": "gubernator",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "%s",
              "isGateway": true,
              "ipMasq": false,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": "%s"}]],
                "routes": [{"dst": "0.0.0.0/0"}],
                "dataDir": "%s"
              }
            },
            {
              "type": "portmap",
              "capabilities": {"portMappings": true},
              "snat": true
            }
          ]
        }
        """.formatted(BRIDGE, podCidr, ipamDataDir);
  }

  /** Writes the configuration when it differs; containerd notices the file and loads it. */
  public static boolean write(Path confDir, String podCidr, Path ipamDataDir) throws IOException {
    Files.createDirectories(confDir);
    Path file = confDir.resolve(FILE);
    String content = render(podCidr, ipamDataDir);
    if (Files.exists(file) && Files.readString(file).equals(content)) return false;
    Path tmp = confDir.resolve("." + FILE + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return true;
  }
}
