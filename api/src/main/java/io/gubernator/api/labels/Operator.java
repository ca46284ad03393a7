package io.gubernator.api.labels;

/** Label requirement operators, with the spelling Kubernetes' {@code selection.Operator} uses. */
public enum Operator {
  IN("in"),
  NOT_IN("notin"),
  EQUALS("="),
  DOUBLE_EQUALS("=="),
  NOT_EQUALS("!="),
  EXISTS("exists"),
  DOES_NOT_EXIST("!"),
  GREATER_THAN("gt"),
  LESS_THAN("lt");

  private final String symbol;

  Operator(String symbol) {
    this.symbol = symbol;
  }

  /** The Kubernetes name of the operator, as in its error messages (e.g. {@code notin}, {@code gt}). */
  public String symbol() {
    return symbol;
  }
}
