package io.gubernator.api.resource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Kubernetes' resource quantities ({@code 500m}, {@code 1536Mi}, {@code 2e6}): parsed the way
 * apimachinery's {@code resource.ParseQuantity} accepts them and written back in their canonical
 * form, so that {@code cpu: "0.5"} reads back as {@code 500m} and {@code 1.5Gi} as {@code 1536Mi},
 * exactly as from Kubernetes.
 *
 * <p>The canonical form keeps the quantity's format (decimal SI suffix, binary SI suffix or decimal
 * exponent) and picks the largest unit that leaves an integer. A binary quantity below 1024 in
 * magnitude, or not a whole number, is written in decimal SI instead. Precision beyond nano units is
 * rounded away from zero.
 */
public final class Quantities {

  /** The error texts of apimachinery, which users and tools match on. */
  public static final String FORMAT_WRONG =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  public static final String NUMERIC = "unable to parse numeric part of quantity";
  public static final String SUFFIX = "unable to parse quantity's suffix";

  public enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

  /** A parsed quantity: its exact value and the format it was written in. */
  public record Quantity(BigDecimal value, Format format) {}

  private static final Map<String, Integer> DECIMAL = Map.of(
      "n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  private static final Map<String, Integer> BINARY = Map.of(
      "Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
  private static final String[] DECIMAL_BY_THOUSANDS = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  private static final String[] BINARY_BY_1024 = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  private static final BigInteger K1024 = BigInteger.valueOf(1024);
  /** Longer than any real quantity: a hostile megabyte of digits would cost quadratic arithmetic. */
  private static final int MAX_LENGTH = 128;

  private Quantities() {}

  /** Parses {@code s}; an {@link IllegalArgumentException} carries apimachinery's message. */
  public static Quantity parse(String s) {
    if (s == null || s.isEmpty()) throw new IllegalArgumentException(FORMAT_WRONG);
    if (s.length() > MAX_LENGTH) throw new IllegalArgumentException(NUMERIC);
    int pos = 0;
    int end = s.length();
    boolean negative = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      negative = s.charAt(0) == '-';
      pos++;
    }
    int numberStart = pos;
    while (pos < end && isDigit(s.charAt(pos))) pos++;
    boolean digits = pos > numberStart;
    if (pos < end && s.charAt(pos) == '.') {
      pos++;
      int fractionStart = pos;
      while (pos < end && isDigit(s.charAt(pos))) pos++;
      digits |= pos > fractionStart;
    }
    String number = s.substring(numberStart, pos);
    int suffixStart = pos;
    while (pos < end && "eEinumkKMGTP".indexOf(s.charAt(pos)) >= 0) pos++;
    if (pos < end && (s.charAt(pos) == '-' || s.charAt(pos) == '+')) pos++;
    while (pos < end && isDigit(s.charAt(pos))) pos++;
    if (pos < end) throw new IllegalArgumentException(FORMAT_WRONG);
    String suffix = s.substring(suffixStart);
    if (!digits) throw new IllegalArgumentException(number.isEmpty() ? FORMAT_WRONG : NUMERIC);

    // Digits with at most one point and at least one digit: BigDecimal takes it as it is ("5.", ".5").
    BigDecimal mantissa = new BigDecimal(number);
    if (negative) mantissa = mantissa.negate();
    Format format;
    BigDecimal value;
    Integer decimal = DECIMAL.get(suffix);
    Integer binary = BINARY.get(suffix);
    if (decimal != null) {
      format = Format.DECIMAL_SI;
      value = mantissa.scaleByPowerOfTen(decimal);
    } else if (binary != null) {
      format = Format.BINARY_SI;
      value = mantissa.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(binary)));
    } else if ((suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E') && suffix.length() > 1) {
      int exponent;
      try {
        exponent = Integer.parseInt(suffix.substring(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(SUFFIX);
      }
      // Far beyond any real quantity; BigDecimal would otherwise build numbers of any size.
      if (Math.abs(exponent) > 1000) throw new IllegalArgumentException(NUMERIC);
      format = Format.DECIMAL_EXPONENT;
      value = mantissa.scaleByPowerOfTen(exponent);
    } else {
      throw new IllegalArgumentException(SUFFIX);
    }
    if (value.scale() > 9) value = value.setScale(9, RoundingMode.UP);
    return new Quantity(value, format);
  }

  /** The canonical text of {@code s}, e.g. {@code 0.5} → {@code 500m}. */
  public static String canonical(String s) {
    return canonical(parse(s));
  }

  public static String canonical(Quantity q) {
    BigDecimal value = q.value();
    if (value.signum() == 0) return "0";
    Format format = q.format();
    if (format == Format.BINARY_SI) {
      boolean whole = value.stripTrailingZeros().scale() <= 0;
      if (!whole || value.abs().compareTo(BigDecimal.valueOf(1024)) < 0) {
        format = Format.DECIMAL_SI;
      } else {
        BigInteger mantissa = value.toBigIntegerExact();
        int power = 0;
        while (power < BINARY_BY_1024.length - 1) {
          BigInteger[] qr = mantissa.divideAndRemainder(K1024);
          if (qr[1].signum() != 0) break;
          mantissa = qr[0];
          power++;
        }
        return mantissa + BINARY_BY_1024[power];
      }
    }
    // value = unscaled × 10^-scale; drop factors of ten, then step down to a multiple of three.
    BigDecimal stripped = value.stripTrailingZeros();
    BigInteger mantissa = stripped.unscaledValue();
    int exponent = -stripped.scale();
    int step = Math.floorMod(exponent, 3);
    mantissa = mantissa.multiply(BigInteger.TEN.pow(step));
    exponent -= step;
    if (format == Format.DECIMAL_EXPONENT) return exponent == 0 ? mantissa.toString() : mantissa + "e" + exponent;
    int index = exponent / 3 + 3;
    if (index >= 0 && index < DECIMAL_BY_THOUSANDS.length) return mantissa + DECIMAL_BY_THOUSANDS[index];
    // Beyond exa: no SI suffix exists, and a plain exponent still reads back as the same value.
    return mantissa + "e" + exponent;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
