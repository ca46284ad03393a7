package io.gubernator.api.patch;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.ser.std.BeanSerializerBase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What strategic merge patch needs to know about a JSON location: for each field of an object, the schema
 * of its value (of its elements, for a list) and its patch strategy. Built from the fabric8 model classes
 * with Jackson's bean introspection plus {@link MergeKeys}. Locations whose type is not a bean (maps of
 * arbitrary JSON, {@code Object}, custom-serialized types) get {@link #UNKNOWN}: maps merge, lists replace.
 */
final class PatchSchema {

  /** Strategy and merge key of one field, and the schema of its value or list element. */
  record FieldMeta(PatchSchema schema, boolean merge, boolean replace, boolean retainKeys, String mergeKey) {
    static final FieldMeta NONE = new FieldMeta(UNKNOWN, false, false, false, "");
  }

  static final PatchSchema UNKNOWN = new PatchSchema(null, null, "unknown");

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<JavaType, PatchSchema> CACHE = new ConcurrentHashMap<>();

  private final Class<?> bean;
  private final JavaType mapValue;
  private final String name;
  private volatile Map<String, FieldMeta> fields;

  private PatchSchema(Class<?> bean, JavaType mapValue, String name) {
    this.bean = bean;
    this.mapValue = mapValue;
    this.name = name;
  }

  static PatchSchema of(Class<?> type) {
    return type == null ? UNKNOWN : of(MAPPER.constructType(type));
  }

  /** The schema of a value of this type; lists and arrays resolve to their element's schema. */
  static PatchSchema of(JavaType type) {
    JavaType t = type;
    while (t.isCollectionLikeType() || t.isArrayType()) {
      t = t.getContentType();
    }
    if (t.isMapLikeType()) {
      return new PatchSchema(null, t.getContentType(), "map of " + t.getContentType().getRawClass().getSimpleName());
    }
    return CACHE.computeIfAbsent(t, PatchSchema::forBean);
  }

  private static PatchSchema forBean(JavaType t) {
    Class<?> raw = t.getRawClass();
    if (raw.isPrimitive() || raw.isInterface() || raw.isEnum() || raw.getName().startsWith("java.")
        || java.lang.reflect.Modifier.isAbstract(raw.getModifiers()) || !serializedAsBean(t)) {
      return UNKNOWN;
    }
    return new PatchSchema(raw, null, raw.getSimpleName());
  }

  /** Custom-serialized types (IntOrString, Quantity, JsonNode...) are opaque values, not structures. */
  private static boolean serializedAsBean(JavaType t) {
    try {
      JsonSerializer<Object> ser = MAPPER.getSerializerProviderInstance().findValueSerializer(t);
      return ser instanceof BeanSerializerBase;
    } catch (JsonMappingException | RuntimeException e) {
      return false;
    }
  }

  String name() {
    return name;
  }

  /** Metadata for the JSON field {@code jsonName} of an object at this location. */
  FieldMeta field(String jsonName) {
    if (mapValue != null) {
      return new FieldMeta(of(mapValue), false, false, false, "");
    }
    if (bean == null) {
      return FieldMeta.NONE;
    }
    FieldMeta meta = fields().get(jsonName);
    return meta == null ? FieldMeta.NONE : meta;
  }

  /** Whether this is a known structure that declares {@code jsonName} (so a "$..." key can be real data). */
  boolean declares(String jsonName) {
    return bean == null || fields().containsKey(jsonName);
  }

  boolean isKnownStructure() {
    return bean != null;
  }

  private Map<String, FieldMeta> fields() {
    Map<String, FieldMeta> f = fields;
    if (f == null) {
      // Built lazily so recursive types (e.g. JSONSchemaProps) do not recurse at construction.
      Map<String, FieldMeta> built = new ConcurrentHashMap<>();
      BeanDescription desc = MAPPER.getSerializationConfig().introspect(MAPPER.constructType(bean));
      for (BeanPropertyDefinition p : desc.findProperties()) {
        JavaType type = p.getPrimaryType();
        if (type == null) {
          continue;
        }
        String strategy = MergeKeys.strategy(bean, p.getName());
        built.put(p.getName(), new FieldMeta(of(type), strategy.contains("merge"),
            strategy.contains("replace"), strategy.contains("retainKeys"), MergeKeys.mergeKey(bean, p.getName())));
      }
      fields = f = built;
    }
    return f;
  }
}
