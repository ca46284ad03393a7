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
      "V1Node", "V1Certificates", "V1Apiextensions", "V1Admissionregistration", "V1Flowcontrol", "Meta", "Runtime");

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
        ByteString raw = (ByteString) field(m, "raw", ByteString.EMPTY);
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
