package io.gubernator.api.patch;

/**
 * A patch that cannot be applied: malformed, referring to something that does not exist, or using an
 * unknown directive. The API server turns it into a 422/400 {@code Status} with this message.
 */
public class PatchException extends IllegalArgumentException {

  public PatchException(String message) {
    super(message);
  }
}
