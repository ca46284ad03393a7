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
      if (t == null || !t.isTextual()) continue;
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
