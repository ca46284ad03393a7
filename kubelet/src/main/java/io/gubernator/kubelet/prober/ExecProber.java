package io.gubernator.kubelet.prober;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.gubernator.kubelet.cri.v1.ExecSyncResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * exec probes, as Kubernetes' pkg/probe/exec over CRI ExecSync: exit code 0 is a success, any
 * other a failure whose output (stdout then stderr, at most 10 KiB) becomes the event's message.
 * A command that outlives the probe's timeout fails with Kubernetes' "command ... timed out".
 */
final class ExecProber {

  static final int MAX_OUTPUT = 10 * 1024;

  /** The part of the CRI client exec probes use; {@code RemoteRuntime::execSync} fits. */
  @FunctionalInterface
  interface ContainerExec {
    ExecSyncResponse execSync(String containerId, List<String> cmd, Duration timeout);
  }

  private ExecProber() {}

  static ProbeResult probe(ContainerExec exec, String containerId, List<String> cmd, Duration timeout) {
    if (cmd == null || cmd.isEmpty()) return ProbeResult.unknown("exec probe has no command");
    ExecSyncResponse r;
    try {
      r = exec.execSync(containerId, cmd, timeout);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        return ProbeResult.failure("command \"" + String.join(" ", cmd) + "\" timed out");
      }
      return ProbeResult.unknown(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
    } catch (RuntimeException e) {
      return ProbeResult.unknown(String.valueOf(e.getMessage()));
    }
    byte[] out = r.getStdout().concat(r.getStderr()).toByteArray();
    String output = new String(out, 0, Math.min(out.length, MAX_OUTPUT), StandardCharsets.UTF_8);
    return r.getExitCode() == 0 ? ProbeResult.success(output) : ProbeResult.failure(output);
  }
}
