package io.gubernator.kubelet.prober;

/**
 * The outcome of one probe, as Kubernetes' probe.Result: {@code WARNING} is a success worth an
 * event (an HTTP redirect to another host that was not followed); {@code UNKNOWN} means the probe
 * could not be run at all (a runtime error, an unknown named port), and is not counted.
 */
public record ProbeResult(Result result, String output) {

  public enum Result { SUCCESS, WARNING, FAILURE, UNKNOWN }

  public ProbeResult {
    output = output == null ? "" : output;
  }

  public static ProbeResult success(String output) {
    return new ProbeResult(Result.SUCCESS, output);
  }

  public static ProbeResult warning(String output) {
    return new ProbeResult(Result.WARNING, output);
  }

  public static ProbeResult failure(String output) {
    return new ProbeResult(Result.FAILURE, output);
  }

  public static ProbeResult unknown(String error) {
    return new ProbeResult(Result.UNKNOWN, error);
  }

  /** Success or warning: what the worker counts towards successThreshold. */
  public boolean succeeded() {
    return result == Result.SUCCESS || result == Result.WARNING;
  }
}
