package io.gubernator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The child server's {@code apiserver_request_total}, summed by verb, resource and subresource:
 * two snapshots around a measured phase say which API calls it cost, and so where the server's
 * CPU per pod goes.
 */
public final class RequestCounts {

  private static final Pattern SAMPLE = Pattern.compile("^apiserver_request_total\\{(.*)} ([0-9.eE+]+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private RequestCounts() {}

  public static Map<String, Long> snapshot(KubernetesClient client) {
    Map<String, Long> counts = new TreeMap<>();
    for (String line : client.raw("/metrics").split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) continue;
      Map<String, String> labels = new TreeMap<>();
      Matcher l = LABEL.matcher(m.group(1));
      while (l.find()) labels.put(l.group(1), l.group(2));
      if (labels.getOrDefault("resource", "").isEmpty()) continue;
      String key = labels.get("verb") + " " + labels.get("resource")
          + (labels.getOrDefault("subresource", "").isEmpty() ? "" : "/" + labels.get("subresource"));
      counts.merge(key, (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    return counts;
  }

  /** The calls made between the snapshots, most frequent first, per {@code per} (pods, say). */
  public static String difference(Map<String, Long> before, Map<String, Long> after, int per) {
    return after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> String.format("%s=%.2f", e.getKey(), e.getValue() / (double) per))
        .collect(Collectors.joining(" "));
  }
}
