package io.gubernator.apiserver.http;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request path addresses, in the terms of Kubernetes' RequestInfoFactory: an API group and
 * version, a resource, optionally a namespace, a name and a subresource. Non-resource paths
 * (discovery, health, OpenAPI) have {@code resourceRequest=false}.
 */
public record RequestInfo(boolean resourceRequest, String path, String group, String version, String namespace,
    String resource, String name, String subresource, boolean legacyWatch, List<String> parts) {

  /** Subresources of a namespace, which the namespace segment would otherwise swallow. */
  private static final List<String> NAMESPACE_SUBRESOURCES = List.of("status", "finalize");

  public static RequestInfo parse(String path) {
    String trimmed = path;
    while (trimmed.endsWith("/") && trimmed.length() > 1) trimmed = trimmed.substring(0, trimmed.length() - 1);
    List<String> parts = new ArrayList<>();
    // Each segment is percent-decoded on its own: an escaped '/' (%2F) stays inside its segment.
    for (String p : trimmed.split("/")) if (!p.isEmpty()) parts.add(decodeSegment(p));
    RequestInfo nonResource = new RequestInfo(false, trimmed, null, null, null, null, null, null, false, parts);
    int i;
    String group;
    String version;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      version = parts.get(1);
      i = 2;
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      version = parts.get(2);
      i = 3;
    } else {
      return nonResource;
    }
    if (i >= parts.size()) {
      return nonResource; // group-version discovery
    }
    boolean watch = false;
    if (parts.get(i).equals("watch")) {
      watch = true;
      i++;
    }
    List<String> rest = parts.subList(i, parts.size());
    String namespace = null;
    if (rest.size() >= 2 && rest.get(0).equals("namespaces")) {
      if (rest.size() >= 3 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
        namespace = rest.get(1);
        rest = rest.subList(2, rest.size());
      }
    }
    if (rest.isEmpty() || rest.size() > 3) {
      return new RequestInfo(true, trimmed, group, version, namespace, null, null, null, watch, parts);
    }
    String resource = rest.get(0);
    String name = rest.size() >= 2 ? rest.get(1) : null;
    String sub = rest.size() == 3 ? rest.get(2) : null;
    return new RequestInfo(true, trimmed, group, version, namespace, resource, name, sub, watch, parts);
  }

  /** Percent-decodes one path segment as UTF-8 ('+' stays a plus, as in any URL path). */
  static String decodeSegment(String segment) {
    if (segment.indexOf('%') < 0) return segment;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(segment.length());
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c == '%') {
        if (i + 2 >= segment.length() || Character.digit(segment.charAt(i + 1), 16) < 0
            || Character.digit(segment.charAt(i + 2), 16) < 0) {
          throw new IllegalArgumentException("invalid URL escape \"" + segment.substring(i, Math.min(i + 3, segment.length())) + "\"");
        }
        out.write(Character.digit(segment.charAt(i + 1), 16) * 16 + Character.digit(segment.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
