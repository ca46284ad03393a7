package io.gubernator.api.labels;

/**
 * A label or field selector that cannot be parsed or is invalid. The message reads like the one the
 * Kubernetes API server returns for the same input, so it can go straight into a 400 {@code Status}.
 */
public class SelectorException extends IllegalArgumentException {

  public SelectorException(String message) {
    super(message);
  }
}
