package io.gubernator.scheduler.framework;

import java.util.List;

/**
 * The outcome of a plugin at an extension point, as Kubernetes' framework.Status: a code and the
 * human reasons that end up, counted per node, in the FailedScheduling message.
 */
public record Status(Code code, List<String> reasons, String plugin) {

  public enum Code {
    SUCCESS,
    /** The pod does not fit this node now; preemption might help. */
    UNSCHEDULABLE,
    /** The pod does not fit this node and preempting pods will not change that. */
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    /** Something broke (a bug or an unexpected object); the pod is retried with backoff. */
    ERROR,
    /** A PreFilter plugin has nothing to do for this pod; its Filter is skipped. */
    SKIP
  }

  private static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), null);
  private static final Status SKIP = new Status(Code.SKIP, List.of(), null);

  public Status {
    reasons = List.copyOf(reasons);
  }

  public static Status success() {
    return SUCCESS;
  }

  public static Status skip() {
    return SKIP;
  }

  public static Status unschedulable(String... reasons) {
    return new Status(Code.UNSCHEDULABLE, List.of(reasons), null);
  }

  public static Status unschedulable(List<String> reasons) {
    return new Status(Code.UNSCHEDULABLE, reasons, null);
  }

  public static Status unresolvable(String... reasons) {
    return new Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons), null);
  }

  public static Status error(String reason) {
    return new Status(Code.ERROR, List.of(reason), null);
  }

  public Status withPlugin(String name) {
    return new Status(code, reasons, name);
  }

  public boolean isSuccess() {
    return code == Code.SUCCESS;
  }

  public boolean isSkip() {
    return code == Code.SKIP;
  }

  /** Unschedulable with or without hope: the pod waits for a cluster event rather than erroring. */
  public boolean isRejected() {
    return code == Code.UNSCHEDULABLE || code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE;
  }

  /** The reasons joined as Kubernetes' Status.Message() does. */
  public String message() {
    return String.join(", ", reasons);
  }
}
