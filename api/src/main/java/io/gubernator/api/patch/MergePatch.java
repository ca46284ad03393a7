package io.gubernator.api.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON merge patch (RFC 7386, {@code application/merge-patch+json}): objects merge recursively, {@code null}
 * removes a member, anything else (arrays included) replaces. Inputs are never modified.
 */
public final class MergePatch {

  private MergePatch() {
  }

  /** Returns the patched copy of {@code doc}; a null {@code doc} is treated as JSON null. */
  public static JsonNode apply(JsonNode doc, JsonNode patch) {
    if (patch == null) {
      throw new PatchException("merge patch is missing");
    }
    return mergeInto(doc == null ? null : doc.deepCopy(), patch);
  }

  /** Merges into {@code target}, which the caller owns (already a copy), and returns the new value. */
  private static JsonNode mergeInto(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target != null && target.isObject()
        ? (ObjectNode) target
        : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        result.remove(e.getKey());
      } else {
        result.set(e.getKey(), mergeInto(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }
}
