package io.gubernator.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.openapi.v2.Document;
import io.gubernator.apiserver.openapi.v2.Schema;
import org.junit.jupiter.api.Test;

/** Swagger 2.0 JSON to gnostic's messages, member by member. */
class OpenApiV2ConversionTest {

  private static ObjectNode json(String text) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(text.replace('\'', '"'));
  }

  private static JsonNode yaml(String text) {
    try {
      return Json.YAML.readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void schemaMembersGoToTheirFields() throws Exception {
    Schema s = OpenApiV2Protobuf.schema(json("""
        {'type':'object','required':['b','a'],'description':'d','properties':{
          'list':{'type':'array','items':{'$ref':'#/definitions/X'}},
          'open':{'type':'object','additionalProperties':true},
          'map':{'type':'object','additionalProperties':{'type':'integer','format':'int64'}},
          'mode':{'type':'string','enum':['A','B'],'default':'A','pattern':'^[AB]$'},
          'n':{'type':'number','minimum':1.5,'maximum':9,'exclusiveMaximum':true,'maxLength':3}},
         'x-kubernetes-int-or-string':true}"""));
    assertThat(s.getType().getValueList()).containsExactly("object");
    assertThat(s.getRequiredList()).containsExactly("b", "a");
    assertThat(s.getDescription()).isEqualTo("d");
    assertThat(s.getProperties().getAdditionalPropertiesList()).extracting(p -> p.getName())
        .containsExactly("list", "open", "map", "mode", "n");
    Schema list = s.getProperties().getAdditionalProperties(0).getValue();
    assertThat(list.getItems().getSchemaList()).extracting(Schema::getRef).containsExactly("#/definitions/X");
    assertThat(s.getProperties().getAdditionalProperties(1).getValue().getAdditionalProperties().getBoolean()).isTrue();
    Schema map = s.getProperties().getAdditionalProperties(2).getValue();
    assertThat(map.getAdditionalProperties().getSchema().getFormat()).isEqualTo("int64");
    Schema mode = s.getProperties().getAdditionalProperties(3).getValue();
    assertThat(mode.getEnumList()).extracting(a -> yaml(a.getYaml()).asText()).containsExactly("A", "B");
    assertThat(yaml(mode.getDefault().getYaml()).asText()).isEqualTo("A");
    assertThat(mode.getPattern()).isEqualTo("^[AB]$");
    Schema n = s.getProperties().getAdditionalProperties(4).getValue();
    assertThat(n.getMinimum()).isEqualTo(1.5);
    assertThat(n.getMaximum()).isEqualTo(9);
    assertThat(n.getExclusiveMaximum()).isTrue();
    assertThat(n.getMaxLength()).isEqualTo(3);
    assertThat(s.getVendorExtensionList()).hasSize(1);
    assertThat(s.getVendorExtension(0).getName()).isEqualTo("x-kubernetes-int-or-string");
    assertThat(yaml(s.getVendorExtension(0).getValue().getYaml()).asBoolean()).isTrue();
  }

  /** An object with no fields is a Kind to kube-openapi only if properties is present. */
  @Test
  void emptyPropertiesArePresentAndNoPropertiesAreAbsent() throws Exception {
    assertThat(OpenApiV2Protobuf.schema(json("{'type':'object','properties':{}}")).hasProperties()).isTrue();
    assertThat(OpenApiV2Protobuf.schema(json("{'type':'object'}")).hasProperties()).isFalse();
  }

  @Test
  void groupVersionKindIsYamlThatReadsBackAsTheJson() throws Exception {
    ObjectNode doc = json("""
        {'swagger':'2.0','info':{'title':'T','version':'v'},'paths':{},'definitions':{
          'A':{'type':'object','properties':{},'x-kubernetes-group-version-kind':[{'group':'','kind':'A','version':'v1'}]}}}""");
    Document d = OpenApiV2Protobuf.document(doc);
    assertThat(d.hasPaths()).isTrue();
    String gvk = d.getDefinitions().getAdditionalProperties(0).getValue().getVendorExtension(0).getValue().getYaml();
    assertThat(yaml(gvk)).isEqualTo(doc.at("/definitions/A/x-kubernetes-group-version-kind"));
    // An empty group must stay a string, not YAML's null.
    assertThat(yaml(gvk).get(0).get("group").isTextual()).isTrue();
  }

  @Test
  void pathsWithOperationsAreRefusedRatherThanDropped() throws Exception {
    assertThatThrownBy(() -> OpenApiV2Protobuf.document(json("{'swagger':'2.0','paths':{'/api':{'get':{}}}}")))
        .isInstanceOf(IllegalStateException.class);
  }
}
