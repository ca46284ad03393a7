package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.serialization.ModelSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns request bodies into typed objects of one resource and back, the way Kubernetes' decoder
 * does: the kind and apiVersion must match the endpoint, unknown fields are dropped (or refused
 * under Strict field validation), a field of the wrong type is a 400.
 */
final class ObjectCodec {

  private final ResourceType type;

  ObjectCodec(ResourceType type) {
    this.type = type;
  }

  /** Decoded object plus the warnings that field validation produced. */
  record Decoded<T>(T object, List<String> warnings) {}

  <T extends HasMetadata> Decoded<T> decode(ObjectNode body, Options.FieldValidation validation) {
    checkKind(body);
    ObjectNode copy = body.deepCopy();
    List<String> unknown = ModelSchema.pruneUnknown(copy, type.modelClass());
    List<String> warnings = new ArrayList<>();
    if (!unknown.isEmpty()) {
      switch (validation) {
        case STRICT -> throw StatusException.badRequest(type.kind() + " in version \"" + type.version()
            + "\" cannot be handled as a " + type.kind() + ": strict decoding error: "
            + String.join(", ", unknown.stream().map(f -> "unknown field \"" + f + "\"").toList()));
        case WARN -> unknown.forEach(f -> warnings.add("unknown field \"" + f + "\""));
        case IGNORE -> { }
      }
    }
    checkEncodedValues(copy);
    @SuppressWarnings("unchecked")
    T object = (T) toTyped(copy);
    return new Decoded<>(object, warnings);
  }

  /** Stored objects are trusted to have the right shape; unknown fields are not expected there. */
  @SuppressWarnings("unchecked")
  <T extends HasMetadata> T fromStored(ObjectNode node) {
    return (T) toTyped(node.deepCopy());
  }

  /**
   * Values the model keeps as strings but Kubernetes decodes into Go types, so that a malformed one
   * is a 400 there: metadata timestamps (metav1.Time, RFC 3339) and base64 bytes ([]byte) in a
   * Secret's data and a ConfigMap's binaryData.
   */
  private void checkEncodedValues(ObjectNode body) {
    JsonNode meta = body.path("metadata");
    for (String field : List.of("creationTimestamp", "deletionTimestamp")) {
      JsonNode t = meta.get(field);
      if (t == null || !t.isTextual() || isCanonicalUtc(t.asText())) continue;
      try {
        java.time.OffsetDateTime.parse(t.asText());
      } catch (java.time.format.DateTimeParseException e) {
        throw StatusException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
            + type.kind() + ": parsing time \"" + t.asText() + "\" as \"2006-01-02T15:04:05Z07:00\": cannot parse");
      }
    }
    String bytesField = switch (type.kind()) {
      case "Secret" -> "data";
      case "ConfigMap" -> "binaryData";
      default -> null;
    };
    if (bytesField == null) return;
    JsonNode bytes = body.path(bytesField);
    for (var e : bytes.properties()) {
      if (!e.getValue().isTextual()) continue; // the typed decode reports the wrong type
      try {
        java.util.Base64.getDecoder().decode(e.getValue().asText());
      } catch (IllegalArgumentException ex) {
        throw StatusException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
            + type.kind() + ": illegal base64 data in " + bytesField + "[" + e.getKey() + "]");
      }
    }
  }

  /**
   * Whether a timestamp is in the form the server itself writes ({@code 2006-01-02T15:04:05Z}) with
   * each field in range: checked by hand, since parsing it on every decode showed in profiles.
   * Anything else goes to the full RFC 3339 parser.
   */
  static boolean isCanonicalUtc(String t) {
    if (t.length() != 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
        || t.charAt(16) != ':' || t.charAt(19) != 'Z') {
      return false;
    }
    for (int i : new int[] {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
      if (t.charAt(i) < '0' || t.charAt(i) > '9') return false;
    }
    int year = Integer.parseInt(t, 0, 4, 10);
    int month = Integer.parseInt(t, 5, 7, 10);
    int day = Integer.parseInt(t, 8, 10, 10);
    return month >= 1 && month <= 12 && day >= 1 && day <= java.time.YearMonth.of(year, month).lengthOfMonth()
        && Integer.parseInt(t, 11, 13, 10) <= 23 && Integer.parseInt(t, 14, 16, 10) <= 59 && Integer.parseInt(t, 17, 19, 10) <= 59;
  }

  /** Kubernetes' decoder refuses a fraction where an integer belongs (Jackson would truncate it). */
  private static final com.fasterxml.jackson.databind.ObjectReader STRICT_NUMBERS =
      Json.MAPPER.reader().without(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private HasMetadata toTyped(ObjectNode node) {
    try {
      return STRICT_NUMBERS.forType(type.modelClass()).readValue(node);
    } catch (MismatchedInputException e) {
      throw StatusException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
          + type.kind() + ": " + describe(e));
    } catch (Exception e) {
      throw StatusException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
          + type.kind() + ": " + Json.conciseMessage(e));
    }
  }

  ObjectNode encode(HasMetadata object) {
    ObjectNode node = Json.MAPPER.valueToTree(object);
    node.put("apiVersion", type.apiVersion());
    node.put("kind", type.kind());
    return node;
  }

  private void checkKind(ObjectNode body) {
    JsonNode kind = body.get("kind");
    JsonNode apiVersion = body.get("apiVersion");
    if (kind != null && !kind.isTextual() || apiVersion != null && !apiVersion.isTextual()) {
      throw StatusException.badRequest("couldn't get version/kind; json parse error: kind and apiVersion must be strings");
    }
    if (kind != null && !kind.asText().isEmpty() && !kind.asText().equals(type.kind())) {
      throw StatusException.badRequest("the kind in the data (" + kind.asText()
          + ") does not match the expected kind (" + type.kind() + ")");
    }
    if (apiVersion != null && !apiVersion.asText().isEmpty() && !apiVersion.asText().equals(type.apiVersion())) {
      throw StatusException.badRequest("the API version in the data (" + apiVersion.asText()
          + ") does not match the expected API version (" + type.apiVersion() + ")");
    }
  }

  /** Jackson's mismatch, told the way Go's json package tells it (users read these). */
  private static String describe(MismatchedInputException e) {
    StringBuilder path = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!path.isEmpty()) path.append('.');
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    String target = e.getTargetType() == null ? "value" : goType(e.getTargetType());
    String got = e instanceof InvalidFormatException ife && ife.getValue() != null
        ? goKind(ife.getValue()) : "value";
    return "json: cannot unmarshal " + got + " into Go struct field " + path + " of type " + target;
  }

  private static String goKind(Object value) {
    if (value instanceof String) return "string";
    if (value instanceof Number) return "number";
    if (value instanceof Boolean) return "bool";
    return "value";
  }

  private static String goType(Class<?> c) {
    if (c == Integer.class || c == int.class) return "int32";
    if (c == Long.class || c == long.class) return "int64";
    if (c == Boolean.class || c == boolean.class) return "bool";
    if (c == String.class) return "string";
    if (java.util.List.class.isAssignableFrom(c)) return "[]" + "interface {}";
    if (java.util.Map.class.isAssignableFrom(c)) return "map[string]string";
    return c.getSimpleName();
  }
}
