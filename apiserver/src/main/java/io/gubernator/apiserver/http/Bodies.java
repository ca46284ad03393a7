package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.serialization.Protobuf;

/** Request bodies by their Content-Type. */
final class Bodies {

  private Bodies() {}

  static ObjectNode decodeObject(ApiRequest req) {
    byte[] body = req.body();
    if (body == null || body.length == 0) throw StatusException.badRequest("the request body is empty");
    MediaTypes.MediaType m = MediaTypes.parse(req.headers().get("Content-Type"));
    String type = m == null ? MediaTypes.JSON : m.type();
    return switch (type) {
      case MediaTypes.JSON, "*/*" -> Json.parseObject(body);
      case MediaTypes.YAML, "application/x-yaml", "text/yaml" -> Json.parseYamlObject(body);
      case MediaTypes.PROTOBUF -> Protobuf.decode(body);
      default -> throw StatusException.of(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
          + "accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
    };
  }

  static JsonNode parsePatch(byte[] body, boolean jsonPatch) {
    if (body == null || body.length == 0) throw StatusException.badRequest("the request body is empty");
    try {
      JsonNode node = Json.MAPPER.readTree(body);
      if (node == null) throw StatusException.badRequest("the request body is empty");
      if (jsonPatch ? !node.isArray() : !node.isObject()) {
        throw StatusException.badRequest(jsonPatch ? "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
            : "json: cannot unmarshal " + node.getNodeType().name().toLowerCase() + " into Go value of type map[string]interface {}");
      }
      return node;
    } catch (StatusException e) {
      throw e;
    } catch (Exception e) {
      throw StatusException.badRequest("error decoding patch: " + Json.conciseMessage(e));
    } catch (StackOverflowError e) {
      throw StatusException.badRequest("error decoding patch: nesting too deep");
    }
  }
}
