package io.gubernator.api.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.gubernator.api.errors.StatusException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' protobuf encoding ({@code application/vnd.kubernetes.protobuf}): a {@code k8s\0}
 * magic prefix, then a {@code runtime.Unknown} envelope naming the apiVersion and kind around the
 * object's own message. Messages are read with the descriptors of the published Kubernetes
 * {@code .proto} files (client-java-proto) and turned into the JSON form the rest of the server
 * works with, following Kubernetes' JSON conventions for its special types (Time, Quantity,
 * IntOrString, RawExtension).
 */
public final class Protobuf {

  public static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};
  private static final int MAX_DEPTH = 100;
  private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /** Outer classes of client-java-proto holding the stable API groups. */
  private static final List<String> OUTER_CLASSES = List.of("V1", "V1Apps", "V1Batch", "V1Autoscaling", "V2Autoscaling",
      "V1Coordination", "V1Discovery", "V1Events", "V1Networking", "V1Policy", "V1Rbac", "V1Scheduling", "V1Storage",
      "V1Node", "V1Certificates", "V1Apiextensions", "V1Admissionregistration", "V1Flowcontrol", "V1Authentication", "V1Authorization", "Meta", "Runtime");

  /**
   * Non-pointer Go fields that Go always writes to protobuf, where JSON's omitempty would have left
   * out the zero value; keeping them would show {@code paused: false} and the like in every object.
   */
  private static final java.util.Set<String> OMIT_ZERO = java.util.Set.of(
      "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta.generation",
      "k8s.io.api.core.v1.Container.stdin", "k8s.io.api.core.v1.Container.stdinOnce", "k8s.io.api.core.v1.Container.tty",
      "k8s.io.api.core.v1.PodSpec.hostNetwork", "k8s.io.api.core.v1.PodSpec.hostPID", "k8s.io.api.core.v1.PodSpec.hostIPC",
      "k8s.io.api.core.v1.ContainerPort.hostPort", "k8s.io.api.core.v1.VolumeMount.readOnly",
      "k8s.io.api.core.v1.ServicePort.nodePort", "k8s.io.api.core.v1.ServiceSpec.allocateLoadBalancerNodePorts",
      "k8s.io.api.apps.v1.DeploymentSpec.paused", "k8s.io.api.apps.v1.DeploymentSpec.minReadySeconds",
      "k8s.io.api.apps.v1.ReplicaSetSpec.minReadySeconds", "k8s.io.api.apps.v1.StatefulSetSpec.minReadySeconds",
      "k8s.io.api.apps.v1.DaemonSetSpec.minReadySeconds");

  /**
   * Go structs embedded with {@code json:",inline"}: a field of their own in protobuf, but their
   * fields sit directly in the parent's JSON object (a Volume's {@code emptyDir}, a Probe's
   * {@code httpGet}, a ConfigMapKeySelector's {@code name}).
   */
  static final java.util.Set<String> INLINE = java.util.Set.of(
      "k8s.io.api.core.v1.Volume.volumeSource",
      "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource",
      "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon",
      "k8s.io.api.core.v1.Probe.handler",
      "k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference",
      "k8s.io.api.core.v1.SecretKeySelector.localObjectReference",
      "k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference",
      "k8s.io.api.core.v1.SecretEnvSource.localObjectReference",
      "k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference",
      "k8s.io.api.core.v1.ConfigMapProjection.localObjectReference",
      "k8s.io.api.core.v1.SecretProjection.localObjectReference",
      "k8s.io.api.networking.v1.IngressRule.ingressRuleValue");

  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final java.util.Set<String> GROUP_VERSION_META_KINDS = java.util.Set.of("Status", "WatchEvent",
      "DeleteOptions", "ListOptions", "GetOptions", "CreateOptions", "UpdateOptions", "PatchOptions");

  /** A message's fields by their JSON name, and its inline fields. */
  private record Fields(Map<String, FieldDescriptor> byJson, List<FieldDescriptor> inline) {}

  private static final Map<Descriptor, Fields> FIELDS = new java.util.concurrent.ConcurrentHashMap<>();

  /** "package.Message" → descriptor, e.g. {@code k8s.io.api.apps.v1.Deployment}. */
  private static final Map<String, Descriptor> MESSAGES = load();

  private Protobuf() {}

  private static Map<String, Descriptor> load() {
    Map<String, Descriptor> out = new HashMap<>();
    for (String name : OUTER_CLASSES) {
      try {
        Class<?> c = Class.forName("io.kubernetes.client.proto." + name);
        FileDescriptor fd = (FileDescriptor) c.getMethod("getDescriptor").invoke(null);
        for (Descriptor d : fd.getMessageTypes()) out.put(d.getFullName(), d);
      } catch (ReflectiveOperationException e) {
        // A group missing from this client-java-proto version is simply not decodable.
      }
    }
    return Map.copyOf(out);
  }

  public static boolean hasMagic(byte[] body) {
    return body != null && body.length >= 4 && Arrays.equals(body, 0, 4, MAGIC, 0, 4);
  }

  /**
   * Decodes a protobuf request body into the object's JSON form. {@code group} is the API group
   * of the endpoint (the envelope names only the version's short package).
   */
  public static ObjectNode decode(byte[] body) {
    if (!hasMagic(body)) throw StatusException.badRequest("provided protobuf data does not begin with the Kubernetes magic prefix");
    try {
      io.kubernetes.client.proto.Runtime.Unknown unknown =
          io.kubernetes.client.proto.Runtime.Unknown.parseFrom(ByteString.copyFrom(body, 4, body.length - 4));
      String apiVersion = unknown.getTypeMeta().getApiVersion();
      String kind = unknown.getTypeMeta().getKind();
      if (!unknown.getContentEncoding().isEmpty()) {
        throw StatusException.badRequest("unsupported protobuf content encoding: " + unknown.getContentEncoding());
      }
      Descriptor d = descriptorFor(apiVersion, kind);
      if (d == null) {
        throw StatusException.badRequest("no kind \"" + kind + "\" is registered for version \"" + apiVersion
            + "\" in the protobuf encoding");
      }
      DynamicMessage message = DynamicMessage.parseFrom(d, unknown.getRaw());
      ObjectNode json = (ObjectNode) toJson(message, 0);
      json.put("apiVersion", apiVersion);
      json.put("kind", kind);
      return json;
    } catch (InvalidProtocolBufferException e) {
      throw StatusException.badRequest("unable to decode protobuf body: " + e.getMessage());
    }
  }

  /** Whether objects of this kind (and apiVersion) have a protobuf message. */
  public static boolean supports(String apiVersion, String kind) {
    return apiVersion != null && kind != null && descriptorFor(apiVersion, kind) != null;
  }

  /**
   * Encodes an object in its JSON form as kube-apiserver sends it: the {@code k8s\0} magic, then a
   * {@code runtime.Unknown} naming the apiVersion and kind, with the object's message as raw bytes.
   */
  public static byte[] encode(ObjectNode json) {
    String apiVersion = json.path("apiVersion").asText("");
    String kind = json.path("kind").asText("");
    Descriptor d = descriptorFor(apiVersion, kind);
    if (d == null) {
      throw StatusException.notAcceptable("no protobuf message for kind \"" + kind + "\" in version \"" + apiVersion + "\"");
    }
    ByteString raw = toMessage(json, d, 0).toByteString();
    io.kubernetes.client.proto.Runtime.Unknown unknown = io.kubernetes.client.proto.Runtime.Unknown.newBuilder()
        .setTypeMeta(io.kubernetes.client.proto.Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
        .setRaw(raw).setContentEncoding("").setContentType("").build();
    byte[] out = new byte[MAGIC.length + unknown.getSerializedSize()];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    try {
      unknown.writeTo(com.google.protobuf.CodedOutputStream.newInstance(out, MAGIC.length, out.length - MAGIC.length));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /**
   * One watch event as a versioned {@code meta.v1.WatchEvent} message (without the envelope: a
   * watch stream is framed, not enveloped), the object inside enveloped as by {@link #encode}.
   */
  public static byte[] encodeWatchEvent(String type, ObjectNode object) {
    return io.kubernetes.client.proto.Meta.WatchEvent.newBuilder().setType(type)
        .setObject(io.kubernetes.client.proto.Runtime.RawExtension.newBuilder().setRaw(ByteString.copyFrom(encode(object))))
        .build().toByteArray();
  }

  private static Fields fields(Descriptor d) {
    return FIELDS.computeIfAbsent(d, k -> {
      Map<String, FieldDescriptor> byJson = new HashMap<>();
      List<FieldDescriptor> inline = new java.util.ArrayList<>();
      for (FieldDescriptor fd : k.getFields()) {
        byJson.put(fd.getJsonName(), fd);
        if (INLINE.contains(fd.getFullName())) inline.add(fd);
      }
      return new Fields(byJson, List.copyOf(inline));
    });
  }

  private static Message toMessage(JsonNode json, Descriptor d, int depth) {
    if (depth > MAX_DEPTH) throw StatusException.badRequest("object nested too deeply for protobuf");
    DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
    switch (d.getFullName()) {
      case META + "Time" -> {
        return b.setField(d.findFieldByName("seconds"), parseTime(json).getEpochSecond()).build();
      }
      case META + "MicroTime" -> {
        Instant t = parseTime(json);
        return b.setField(d.findFieldByName("seconds"), t.getEpochSecond())
            .setField(d.findFieldByName("nanos"), t.getNano()).build();
      }
      case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
        return b.setField(d.findFieldByName("string"), json.isNumber() ? json.numberValue().toString() : json.asText()).build();
      }
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
        if (json.isNumber()) {
          return b.setField(d.findFieldByName("type"), 0L).setField(d.findFieldByName("intVal"), json.asInt())
              .setField(d.findFieldByName("strVal"), "").build();
        }
        return b.setField(d.findFieldByName("type"), 1L).setField(d.findFieldByName("intVal"), 0)
            .setField(d.findFieldByName("strVal"), json.asText()).build();
      }
      case META + "Duration" -> {
        return b.setField(d.findFieldByName("duration"), json.asText()).build();
      }
      case "k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1",
           "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON" -> {
        return b.setField(rawField(d), ByteString.copyFrom(Json.bytes(json))).build();
      }
      default -> { }
    }
    Fields fields = fields(d);
    if (json.isArray() && d.getFields().size() == 1 && d.getFields().get(0).isRepeated()
        && d.getFields().get(0).getName().equals("items")) {
      // Go's named string slices (ExtraValue, Verbs) are messages with one repeated field in protobuf.
      FieldDescriptor items = d.getFields().get(0);
      for (JsonNode v : json) if (!v.isNull()) b.addRepeatedField(items, value(items, v, depth));
      return b.build();
    }
    if (!json.isObject()) {
      throw StatusException.badRequest("cannot encode " + json.getNodeType().name().toLowerCase() + " as " + d.getName());
    }
    Map<FieldDescriptor, ObjectNode> inlined = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : json.properties()) {
      JsonNode v = e.getValue();
      if (v == null || v.isNull()) continue;
      FieldDescriptor fd = fields.byJson().get(e.getKey());
      if (fd == null || fields.inline().contains(fd)) {
        for (FieldDescriptor in : fields.inline()) {
          if (fields(in.getMessageType()).byJson().containsKey(e.getKey())) {
            inlined.computeIfAbsent(in, k -> JsonNodeFactory.instance.objectNode()).set(e.getKey(), v);
            break;
          }
        }
        continue; // apiVersion, kind, and fields this proto version does not know
      }
      if (fd.isMapField()) {
        if (!v.isObject()) continue;
        Descriptor entry = fd.getMessageType();
        FieldDescriptor kf = entry.findFieldByName("key");
        FieldDescriptor vf = entry.findFieldByName("value");
        for (Map.Entry<String, JsonNode> me : v.properties()) {
          if (me.getValue().isNull()) continue;
          b.addRepeatedField(fd, DynamicMessage.newBuilder(entry).setField(kf, me.getKey())
              .setField(vf, value(vf, me.getValue(), depth)).build());
        }
      } else if (fd.isRepeated()) {
        if (!v.isArray()) continue;
        for (JsonNode item : v) if (!item.isNull()) b.addRepeatedField(fd, value(fd, item, depth));
      } else {
        b.setField(fd, value(fd, v, depth));
      }
    }
    for (Map.Entry<FieldDescriptor, ObjectNode> e : inlined.entrySet()) {
      b.setField(e.getKey(), toMessage(e.getValue(), e.getKey().getMessageType(), depth + 1));
    }
    return b.build();
  }

  private static Object value(FieldDescriptor fd, JsonNode v, int depth) {
    return switch (fd.getJavaType()) {
      case MESSAGE -> toMessage(v, fd.getMessageType(), depth + 1);
      case STRING -> v.isTextual() ? v.asText() : v.toString();
      case BYTE_STRING -> {
        try {
          yield ByteString.copyFrom(Base64.getDecoder().decode(v.asText()));
        } catch (IllegalArgumentException e) {
          yield ByteString.copyFromUtf8(v.asText());
        }
      }
      case BOOLEAN -> v.asBoolean();
      case INT -> v.asInt();
      case LONG -> v.asLong();
      case FLOAT -> (float) v.asDouble();
      case DOUBLE -> v.asDouble();
      case ENUM -> fd.getEnumType().findValueByName(v.asText());
    };
  }

  /** The bytes of a RawExtension or JSON, which FieldsV1 spells {@code Raw}. */
  private static FieldDescriptor rawField(Descriptor d) {
    FieldDescriptor fd = d.findFieldByName("raw");
    return fd != null ? fd : d.findFieldByName("Raw");
  }

  private static Instant parseTime(JsonNode json) {
    try {
      return java.time.OffsetDateTime.parse(json.asText()).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      throw StatusException.badRequest("invalid time \"" + json.asText() + "\": must be RFC 3339");
    }
  }

  static Descriptor descriptorFor(String apiVersion, String kind) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
    // Kubernetes' proto packages use the group's first label: apps, batch, rbac, networking...
    String shortGroup = group.isEmpty() ? "core" : group.split("\\.")[0];
    Descriptor d = MESSAGES.get("k8s.io.api." + shortGroup + "." + version + "." + kind);
    if (d == null && group.equals("apiextensions.k8s.io")) {
      d = MESSAGES.get("k8s.io.apiextensions_apiserver.pkg.apis.apiextensions." + version + "." + kind);
    }
    if (d == null && group.equals("meta.k8s.io")) {
      d = MESSAGES.get("k8s.io.apimachinery.pkg.apis.meta." + version + "." + kind);
    }
    // Kubernetes registers meta/v1's Status, WatchEvent and options into every group version.
    if (d == null && GROUP_VERSION_META_KINDS.contains(kind) && version.equals("v1")) {
      d = MESSAGES.get(META + kind);
    }
    return d;
  }

  private static JsonNode toJson(Message m, int depth) {
    if (depth > MAX_DEPTH) throw StatusException.badRequest("protobuf message nested too deeply");
    String type = m.getDescriptorForType().getFullName();
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (type) {
      case "k8s.io.apimachinery.pkg.apis.meta.v1.Time" -> {
        long seconds = (Long) field(m, "seconds", 0L);
        // Go's zero Time is written to protobuf as 0 seconds but to JSON as null.
        return seconds == 0 ? f.nullNode() : f.textNode(Instant.ofEpochSecond(seconds).toString());
      }
      case "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime" -> {
        long seconds = (Long) field(m, "seconds", 0L);
        int nanos = (Integer) field(m, "nanos", 0);
        return f.textNode(MICRO.format(Instant.ofEpochSecond(seconds, nanos)));
      }
      case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
        return f.textNode((String) field(m, "string", ""));
      }
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
        long t = ((Number) field(m, "type", 0L)).longValue();
        return t == 1 ? f.textNode((String) field(m, "strVal", "")) : f.numberNode(((Number) field(m, "intVal", 0)).intValue());
      }
      case "k8s.io.apimachinery.pkg.apis.meta.v1.Duration" -> {
        return f.textNode((String) field(m, "duration", ""));
      }
      case "k8s.io.apimachinery.pkg.runtime.RawExtension", "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
           "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON" -> {
        FieldDescriptor rf = rawField(m.getDescriptorForType());
        ByteString raw = m.hasField(rf) ? (ByteString) m.getField(rf) : ByteString.EMPTY;
        if (raw.isEmpty()) return f.objectNode();
        try {
          return Json.MAPPER.readTree(raw.toByteArray());
        } catch (Exception e) {
          throw StatusException.badRequest("invalid embedded JSON in protobuf RawExtension");
        }
      }
      default -> { }
    }
    ObjectNode out = f.objectNode();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor fd = e.getKey();
      String name = fd.getJsonName();
      if (fd.isMapField()) {
        ObjectNode map = out.putObject(name);
        for (Object entry : (List<?>) e.getValue()) {
          Message em = (Message) entry;
          FieldDescriptor kf = em.getDescriptorForType().findFieldByName("key");
          FieldDescriptor vf = em.getDescriptorForType().findFieldByName("value");
          map.set(String.valueOf(em.getField(kf)), scalar(vf, em.getField(vf), depth));
        }
      } else if (fd.isRepeated()) {
        ArrayNode array = out.putArray(name);
        for (Object v : (List<?>) e.getValue()) array.add(scalar(fd, v, depth));
      } else if (INLINE.contains(fd.getFullName())) {
        JsonNode v = scalar(fd, e.getValue(), depth);
        if (v.isObject()) v.properties().forEach(p -> out.set(p.getKey(), p.getValue()));
      } else {
        JsonNode v = scalar(fd, e.getValue(), depth);
        if (v.isNull()) continue;
        if ((v.isNumber() && v.asLong() == 0 || v.isBoolean() && !v.asBoolean()) && OMIT_ZERO.contains(fd.getFullName())) continue;
        // Go writes every non-pointer string, even empty; JSON would have omitted it.
        if (v.isTextual() && v.asText().isEmpty() && fd.getJavaType() != FieldDescriptor.JavaType.MESSAGE) continue;
        out.set(name, v);
      }
    }
    return out;
  }

  private static JsonNode scalar(FieldDescriptor fd, Object v, int depth) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (fd.getJavaType()) {
      case MESSAGE -> toJson((Message) v, depth + 1);
      case STRING -> f.textNode((String) v);
      case BYTE_STRING -> f.textNode(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case BOOLEAN -> f.booleanNode((Boolean) v);
      case INT -> f.numberNode((Integer) v);
      case LONG -> f.numberNode((Long) v);
      case FLOAT -> f.numberNode((Float) v);
      case DOUBLE -> f.numberNode((Double) v);
      case ENUM -> f.textNode(v.toString());
    };
  }

  private static Object field(Message m, String name, Object fallback) {
    FieldDescriptor fd = m.getDescriptorForType().findFieldByName(name);
    if (fd == null || !m.hasField(fd)) return fallback;
    return m.getField(fd);
  }
}
