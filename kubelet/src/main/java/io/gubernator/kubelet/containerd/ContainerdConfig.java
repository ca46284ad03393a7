package io.gubernator.kubelet.containerd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the agent's own containerd keeps everything, and what its CRI plugin needs: all of its
 * files live under {@code dir} (as k3s keeps them under {@code <data-dir>/agent/containerd}), so
 * it never touches a system containerd's {@code /var/lib/containerd} or {@code /run/containerd}.
 *
 * @param dir root of containerd's files: config, content/snapshots ({@code root}), runtime state,
 *     socket and log
 * @param cniBinDir the CNI plugin binaries (Debian: {@code /usr/lib/cni})
 * @param cniConfDir where the pod network's CNI config is written
 * @param sandboxImage the image every pod sandbox runs (our pause image)
 * @param restrictOomScoreAdj keep containers' oom_score_adj no lower than containerd's own; needed
 *     where the process lacks CAP_SYS_RESOURCE (some VMs and containers), or runc fails to start
 *     sandboxes, which the CRI plugin gives -998
 */
public record ContainerdConfig(Path dir, Path cniBinDir, Path cniConfDir, String sandboxImage,
    boolean restrictOomScoreAdj) {
  /** CAP_SYS_RESOURCE, the capability that allows lowering an oom_score_adj. */
  private static final int CAP_SYS_RESOURCE = 24;
  /** sockaddr_un.sun_path holds 108 bytes including the terminating NUL. */
  static final int MAX_SOCKET_PATH = 107;

  public ContainerdConfig {
    dir = dir.toAbsolutePath().normalize();
    cniBinDir = cniBinDir.toAbsolutePath().normalize();
    cniConfDir = cniConfDir.toAbsolutePath().normalize();
    if (sandboxImage == null || sandboxImage.isBlank()) {
      throw new IllegalArgumentException("sandboxImage must name an image");
    }
    int socketBytes = dir.resolve("containerd.sock").toString().getBytes(StandardCharsets.UTF_8).length;
    if (socketBytes > MAX_SOCKET_PATH) {
      throw new IllegalArgumentException("containerd's socket path would be " + socketBytes
          + " bytes, more than a unix socket allows (" + MAX_SOCKET_PATH + "); use a shorter dir than " + dir);
    }
  }

  /** The OOM score restriction follows what this process may do ({@link #canLowerOomScoreAdj()}). */
  public ContainerdConfig(Path dir, Path cniBinDir, Path cniConfDir, String sandboxImage) {
    this(dir, cniBinDir, cniConfDir, sandboxImage, !canLowerOomScoreAdj());
  }

  /** Whether this process (and so the containerd it starts) holds CAP_SYS_RESOURCE. */
  public static boolean canLowerOomScoreAdj() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
          return (caps & (1L << CAP_SYS_RESOURCE)) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux or no procfs: assume a normal root, as containerd does.
    }
    return true;
  }

  public Path configFile() {
    return dir.resolve("config.toml");
  }

  /** Content store, metadata and snapshots: what survives restarts. */
  public Path root() {
    return dir.resolve("root");
  }

  /** Runtime state (task bundles, shim sockets). */
  public Path state() {
    return dir.resolve("state");
  }

  public Path socket() {
    return dir.resolve("containerd.sock");
  }

  public Path logFile() {
    return dir.resolve("containerd.log");
  }

  /** The pid of the containerd we started, so a restarted agent can stop one it left behind. */
  public Path pidFile() {
    return dir.resolve("containerd.pid");
  }

  /**
   * The config.toml (version 2): the CRI plugin with runc through the v2 shim on overlayfs, our
   * sandbox image, the CNI directories, and its streaming server (exec/attach/port-forward) on
   * loopback with a kernel-chosen port, since only the kubelet talks to it.
   */
  public String toToml() {
    String cri = "[plugins.\"io.containerd.grpc.v1.cri\"";
    return """
        # Written by Gubernator's kubelet on every start; edits are overwritten.
        version = 2
        root = %s
        state = %s

        [grpc]
          address = %s

        %s]
          sandbox_image = %s
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          restrict_oom_score_adj = %s

        %s.containerd]
          snapshotter = "overlayfs"
          default_runtime_name = "runc"

        %s.containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

        %s.cni]
          bin_dir = %s
          conf_dir = %s
        """.formatted(str(root().toString()), str(state().toString()), str(socket().toString()),
        cri, str(sandboxImage), restrictOomScoreAdj, cri, cri, cri, str(cniBinDir.toString()), str(cniConfDir.toString()));
  }

  /** A TOML basic string. */
  static String str(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\u%04X", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
