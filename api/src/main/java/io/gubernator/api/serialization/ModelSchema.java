package io.gubernator.api.serialization;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON shape of the model classes, learned from Jackson's view of them: which properties an
 * object of a class has, and the Java type of each. Used to drop unknown fields (Kubernetes'
 * decoder drops them, and reports them under {@code fieldValidation=Strict|Warn}) and to generate
 * the OpenAPI schema.
 */
public final class ModelSchema {

  private static final Map<JavaType, Map<String, JavaType>> PROPERTIES = new ConcurrentHashMap<>();

  private ModelSchema() {}

  /** The JSON properties of a bean type in declaration order; empty for maps, scalars and opaque types. */
  public static Map<String, JavaType> properties(JavaType type) {
    return PROPERTIES.computeIfAbsent(type, t -> {
      if (!isBean(t)) return Map.of();
      Map<String, JavaType> out = new LinkedHashMap<>();
      for (BeanPropertyDefinition p : Json.MAPPER.getDeserializationConfig().introspect(t).findProperties()) {
        if (!p.couldDeserialize()) continue;
        out.put(p.getName(), p.getPrimaryType());
      }
      return Collections.unmodifiableMap(out);
    });
  }

  public static Map<String, JavaType> properties(Class<?> type) {
    return properties(Json.MAPPER.constructType(type));
  }

  /** A model object with named properties, as opposed to a scalar, a map, a list or an opaque value. */
  public static boolean isBean(JavaType t) {
    Class<?> raw = t.getRawClass();
    if (t.isContainerType() || t.isPrimitive() || raw.isEnum()) return false;
    if (raw == Object.class || raw == String.class || raw == Quantity.class || raw == IntOrString.class) return false;
    if (Number.class.isAssignableFrom(raw) || raw == Boolean.class || JsonNode.class.isAssignableFrom(raw)) return false;
    return raw.getName().startsWith("io.fabric8.kubernetes.api.model");
  }

  /**
   * Removes from {@code node} every field that {@code type} does not have, recursively, and
   * returns their paths the way Kubernetes reports them ({@code spec.containers[0].foo}).
   */
  public static List<String> pruneUnknown(ObjectNode node, Class<?> type) {
    List<String> unknown = new ArrayList<>();
    prune(node, Json.MAPPER.constructType(type), "", unknown);
    return unknown;
  }

  private static void prune(JsonNode node, JavaType type, String path, List<String> unknown) {
    if (node == null || node.isNull()) return;
    if (type.isCollectionLikeType() || type.isArrayType()) {
      if (node instanceof ArrayNode array) {
        for (int i = 0; i < array.size(); i++) prune(array.get(i), type.getContentType(), path + "[" + i + "]", unknown);
      }
      return;
    }
    if (type.isMapLikeType()) {
      if (node instanceof ObjectNode object) {
        for (Map.Entry<String, JsonNode> e : object.properties()) {
          prune(e.getValue(), type.getContentType(), path + "." + e.getKey(), unknown);
        }
      }
      return;
    }
    if (!isBean(type) || !(node instanceof ObjectNode object)) return;
    Map<String, JavaType> props = properties(type);
    Iterator<Map.Entry<String, JsonNode>> it = object.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String childPath = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      JavaType child = props.get(e.getKey());
      if (child == null) {
        unknown.add(childPath);
        it.remove();
      } else {
        prune(e.getValue(), child, childPath, unknown);
      }
    }
  }
}
