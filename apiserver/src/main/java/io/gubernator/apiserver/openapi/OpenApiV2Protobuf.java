package io.gubernator.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.openapi.v2.AdditionalPropertiesItem;
import io.gubernator.apiserver.openapi.v2.Any;
import io.gubernator.apiserver.openapi.v2.Definitions;
import io.gubernator.apiserver.openapi.v2.Document;
import io.gubernator.apiserver.openapi.v2.ExternalDocs;
import io.gubernator.apiserver.openapi.v2.Info;
import io.gubernator.apiserver.openapi.v2.ItemsItem;
import io.gubernator.apiserver.openapi.v2.NamedAny;
import io.gubernator.apiserver.openapi.v2.NamedSchema;
import io.gubernator.apiserver.openapi.v2.Paths;
import io.gubernator.apiserver.openapi.v2.Properties;
import io.gubernator.apiserver.openapi.v2.Schema;
import io.gubernator.apiserver.openapi.v2.TypeItem;
import io.gubernator.apiserver.openapi.v2.Xml;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Swagger 2.0 document that /openapi/v2 serves as JSON, as gnostic's {@code openapi.v2.Document}
 * (what kube-openapi sends for {@code application/com.github.proto-openapi.spec.v2@v1.0+protobuf}).
 * Converting the JSON rather than building the message from the model classes keeps both
 * representations the same document by construction.
 *
 * <p>Maps become ordered (name, value) lists, and every value without a message of its own (an
 * {@code x-} extension, a default, an enum member) becomes YAML text: kube-openapi's
 * VendorExtensionToMap runs it through a YAML decoder, which is how kubectl finds a kind's schema
 * by its {@code x-kubernetes-group-version-kind}.
 */
final class OpenApiV2Protobuf {

  private OpenApiV2Protobuf() {}

  static Document document(ObjectNode json) {
    Document.Builder doc = Document.newBuilder();
    text(json, "swagger", doc::setSwagger);
    text(json, "host", doc::setHost);
    text(json, "basePath", doc::setBasePath);
    strings(json, "schemes", doc::addSchemes);
    strings(json, "consumes", doc::addConsumes);
    strings(json, "produces", doc::addProduces);
    if (json.get("info") instanceof ObjectNode info) {
      Info.Builder b = Info.newBuilder();
      text(info, "title", b::setTitle);
      text(info, "version", b::setVersion);
      text(info, "description", b::setDescription);
      text(info, "termsOfService", b::setTermsOfService);
      b.addAllVendorExtension(extensions(info));
      doc.setInfo(b);
    }
    if (json.get("paths") instanceof ObjectNode paths) {
      if (paths.properties().stream().anyMatch(e -> !e.getKey().startsWith("x-"))) {
        // The message subset has no operations; a path here would be dropped without a word.
        throw new IllegalStateException("the protobuf OpenAPI v2 document cannot carry paths yet");
      }
      doc.setPaths(Paths.newBuilder().addAllVendorExtension(extensions(paths)));
    }
    if (json.get("definitions") instanceof ObjectNode defs) {
      Definitions.Builder b = Definitions.newBuilder();
      for (Map.Entry<String, JsonNode> d : defs.properties()) {
        b.addAdditionalProperties(NamedSchema.newBuilder().setName(d.getKey()).setValue(schema((ObjectNode) d.getValue())));
      }
      doc.setDefinitions(b);
    }
    doc.addAllVendorExtension(extensions(json));
    return doc.build();
  }

  static Schema schema(ObjectNode json) {
    Schema.Builder s = Schema.newBuilder();
    text(json, "$ref", s::setRef);
    text(json, "format", s::setFormat);
    text(json, "title", s::setTitle);
    text(json, "description", s::setDescription);
    text(json, "pattern", s::setPattern);
    text(json, "discriminator", s::setDiscriminator);
    if (json.has("default")) s.setDefault(any(json.get("default")));
    if (json.has("example")) s.setExample(any(json.get("example")));
    number(json, "multipleOf", s::setMultipleOf);
    number(json, "maximum", s::setMaximum);
    number(json, "minimum", s::setMinimum);
    flag(json, "exclusiveMaximum", s::setExclusiveMaximum);
    flag(json, "exclusiveMinimum", s::setExclusiveMinimum);
    flag(json, "uniqueItems", s::setUniqueItems);
    flag(json, "readOnly", s::setReadOnly);
    integer(json, "maxLength", s::setMaxLength);
    integer(json, "minLength", s::setMinLength);
    integer(json, "maxItems", s::setMaxItems);
    integer(json, "minItems", s::setMinItems);
    integer(json, "maxProperties", s::setMaxProperties);
    integer(json, "minProperties", s::setMinProperties);
    strings(json, "required", s::addRequired);
    if (json.get("enum") instanceof ArrayNode values) {
      values.forEach(v -> s.addEnum(any(v)));
    }
    JsonNode type = json.get("type");
    if (type != null && type.isTextual()) {
      s.setType(TypeItem.newBuilder().addValue(type.asText()));
    } else if (type != null && type.isArray()) {
      TypeItem.Builder t = TypeItem.newBuilder();
      type.forEach(v -> t.addValue(v.asText()));
      s.setType(t);
    }
    JsonNode items = json.get("items");
    if (items instanceof ObjectNode one) {
      s.setItems(ItemsItem.newBuilder().addSchema(schema(one)));
    } else if (items != null && items.isArray()) {
      ItemsItem.Builder b = ItemsItem.newBuilder();
      items.forEach(i -> b.addSchema(schema((ObjectNode) i)));
      s.setItems(b);
    }
    JsonNode additional = json.get("additionalProperties");
    if (additional instanceof ObjectNode a) {
      s.setAdditionalProperties(AdditionalPropertiesItem.newBuilder().setSchema(schema(a)));
    } else if (additional != null && additional.isBoolean()) {
      s.setAdditionalProperties(AdditionalPropertiesItem.newBuilder().setBoolean(additional.asBoolean()));
    }
    if (json.get("allOf") instanceof ArrayNode all) {
      all.forEach(a -> s.addAllOf(schema((ObjectNode) a)));
    }
    // Set even when empty: kube-openapi tells an object with no fields (a Kind) from a map by
    // whether properties is there at all.
    if (json.get("properties") instanceof ObjectNode props) {
      Properties.Builder b = Properties.newBuilder();
      for (Map.Entry<String, JsonNode> p : props.properties()) {
        b.addAdditionalProperties(NamedSchema.newBuilder().setName(p.getKey()).setValue(schema((ObjectNode) p.getValue())));
      }
      s.setProperties(b);
    }
    if (json.get("xml") instanceof ObjectNode xml) {
      Xml.Builder b = Xml.newBuilder();
      text(xml, "name", b::setName);
      text(xml, "namespace", b::setNamespace);
      text(xml, "prefix", b::setPrefix);
      flag(xml, "attribute", b::setAttribute);
      flag(xml, "wrapped", b::setWrapped);
      s.setXml(b.addAllVendorExtension(extensions(xml)));
    }
    if (json.get("externalDocs") instanceof ObjectNode docs) {
      ExternalDocs.Builder b = ExternalDocs.newBuilder();
      text(docs, "description", b::setDescription);
      text(docs, "url", b::setUrl);
      s.setExternalDocs(b.addAllVendorExtension(extensions(docs)));
    }
    s.addAllVendorExtension(extensions(json));
    return s.build();
  }

  /** The object's {@code x-} members, in order. */
  static List<NamedAny> extensions(ObjectNode json) {
    return json.properties().stream().filter(e -> e.getKey().startsWith("x-"))
        .map(e -> NamedAny.newBuilder().setName(e.getKey()).setValue(any(e.getValue())).build()).toList();
  }

  static Any any(JsonNode value) {
    try {
      return Any.newBuilder().setYaml(Json.YAML.writeValueAsString(value)).build();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void text(ObjectNode json, String field, Consumer<String> set) {
    JsonNode v = json.get(field);
    if (v != null && v.isTextual()) set.accept(v.asText());
  }

  private static void strings(ObjectNode json, String field, Consumer<String> add) {
    JsonNode v = json.get(field);
    if (v == null || !v.isArray()) return;
    for (Iterator<JsonNode> it = v.elements(); it.hasNext(); ) add.accept(it.next().asText());
  }

  private static void number(ObjectNode json, String field, Consumer<Double> set) {
    JsonNode v = json.get(field);
    if (v != null && v.isNumber()) set.accept(v.asDouble());
  }

  private static void integer(ObjectNode json, String field, Consumer<Long> set) {
    JsonNode v = json.get(field);
    if (v != null && v.canConvertToLong()) set.accept(v.asLong());
  }

  private static void flag(ObjectNode json, String field, Consumer<Boolean> set) {
    JsonNode v = json.get(field);
    if (v != null && v.isBoolean()) set.accept(v.asBoolean());
  }
}
