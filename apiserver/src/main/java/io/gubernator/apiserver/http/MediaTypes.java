package io.gubernator.apiserver.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parsing of Accept and Content-Type headers, with their Kubernetes parameters (as, g, v). */
public final class MediaTypes {

  public static final String JSON = "application/json";
  public static final String YAML = "application/yaml";
  public static final String PROTOBUF = "application/vnd.kubernetes.protobuf";

  /** One media range: type/subtype and its parameters (lower-cased names). */
  public record MediaType(String type, Map<String, String> params) {
    public String param(String name) {
      return params.get(name);
    }

    public boolean is(String mime) {
      return type.equals(mime);
    }
  }

  private MediaTypes() {}

  public static List<MediaType> parseList(String header) {
    List<MediaType> out = new ArrayList<>();
    if (header == null || header.isBlank()) return out;
    for (String part : header.split(",")) {
      MediaType m = parse(part);
      if (m != null) out.add(m);
    }
    return out;
  }

  public static MediaType parse(String value) {
    if (value == null) return null;
    String[] pieces = value.split(";");
    String type = pieces[0].trim().toLowerCase(Locale.ROOT);
    if (type.isEmpty()) return null;
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 1; i < pieces.length; i++) {
      String p = pieces[i].trim();
      int eq = p.indexOf('=');
      if (eq > 0) params.put(p.substring(0, eq).trim().toLowerCase(Locale.ROOT), p.substring(eq + 1).trim().replace("\"", ""));
    }
    return new MediaType(type, params);
  }
}
