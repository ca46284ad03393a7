package io.gubernator.apiserver.registry;

/** The query options of the generic registry's verbs, parsed from the request by the HTTP layer. */
public final class Options {

  private Options() {}

  public enum FieldValidation { IGNORE, WARN, STRICT }

  public record Write(boolean dryRun, FieldValidation fieldValidation) {
    public static final Write DEFAULT = new Write(false, FieldValidation.WARN);
  }

  public record ListWatch(
      String labelSelector,
      String fieldSelector,
      long limit,
      String continueToken,
      String resourceVersion,
      String resourceVersionMatch,
      boolean allowWatchBookmarks,
      Boolean sendInitialEvents) {
    public static final ListWatch ALL = new ListWatch(null, null, 0, null, null, null, false, null);
  }

  public record Delete(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
      String preconditionResourceVersion, boolean dryRun) {
    public static final Delete DEFAULT = new Delete(null, null, null, null, false);
  }
}
