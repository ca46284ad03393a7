package io.gubernator.launcher;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A join token: {@code K10<sha256 of the CA certificate, hex>::<secret>}, or a bare secret (then
 * the CA is taken on first use, with a warning, as k3s does for short tokens).
 */
record JoinToken(String caHash, String secret) {

  private static final Pattern FULL = Pattern.compile("K10([0-9a-f]{64})::(.+)");

  static JoinToken parse(String token) {
    String t = token.trim();
    Matcher m = FULL.matcher(t);
    if (m.matches()) return new JoinToken(m.group(1), m.group(2));
    if (t.isEmpty() || t.contains(" ")) throw new IllegalArgumentException("invalid join token");
    return new JoinToken(null, t);
  }
}
