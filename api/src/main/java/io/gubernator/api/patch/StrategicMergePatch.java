package io.gubernator.api.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.patch.PatchSchema.FieldMeta;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Strategic merge patch ({@code application/strategic-merge-patch+json}), as the Kubernetes API server
 * applies it for built-in types: lists with a merge strategy merge element-wise by their merge key (or as
 * sets, for lists of scalars), other lists are replaced, objects merge recursively and {@code null} deletes.
 * The directives kubectl sends are honoured: {@code $patch} (replace, delete; merge is rejected in lists as
 * Kubernetes does), {@code $retainKeys}, {@code $deleteFromPrimitiveList/<field>} and
 * {@code $setElementOrder/<field>}.
 *
 * <p>The list order rules follow Kubernetes: without {@code $setElementOrder}, items named by the patch come
 * in the patch's order and are interleaved with server-only items by the server's order (new items first).
 * Directives are also stripped from values copied verbatim from the patch, so no {@code $} key leaks into the
 * stored object.
 */
public final class StrategicMergePatch {

  private static final String DIRECTIVE = "$patch";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
  private static final String SET_ELEMENT_ORDER = "$setElementOrder";

  private StrategicMergePatch() {
  }

  /**
   * Returns the patched copy of {@code doc}.
   *
   * @param type the fabric8 model class of the document (e.g. {@code Deployment.class}); null or a type that
   *     is not a bean (e.g. {@code Map}) gives merge-patch semantics with directives honoured
   * @throws PatchException for a patch that is not an object, a malformed or unknown directive, a list item
   *     without its merge key, or lists whose items cannot be merged
   */
  public static JsonNode apply(JsonNode doc, JsonNode patch, Class<?> type) {
    if (patch == null || !patch.isObject()) {
      throw new PatchException("invalid JSON document: a strategic merge patch must be a JSON object");
    }
    if (doc != null && !doc.isObject() && !doc.isNull()) {
      throw new PatchException("invalid JSON document: the object to patch must be a JSON object");
    }
    ObjectNode original = doc == null || doc.isNull() ? JsonNodeFactory.instance.objectNode() : doc.deepCopy();
    return mergeMap(original, ((ObjectNode) patch).deepCopy(), PatchSchema.of(type));
  }

  // ---- maps ----

  private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchSchema schema) {
    JsonNode directive = patch.get(DIRECTIVE);
    if (directive != null) {
      String d = directive.isTextual() ? directive.asText() : String.valueOf(directive);
      switch (d) {
        case "replace" -> {
          patch.remove(DIRECTIVE);
          return (ObjectNode) stripDirectives(patch);
        }
        case "delete" -> {
          return JsonNodeFactory.instance.objectNode();
        }
        default -> throw new PatchException("unknown patch type: " + d + " in map: " + JsonValues.brief(patch));
      }
    }
    applyRetainKeys(original, patch);
    applySetElementOrders(original, patch, schema);

    for (String key : fieldNames(patch)) {
      JsonNode patchValue = patch.get(key);
      boolean deleteList = false;
      String target = key;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        target = directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST, "invalid patch format of primitive list");
        deleteList = true;
      } else if (key.startsWith("$") && (schema.isKnownStructure() && !schema.declares(key))) {
        throw new PatchException("unknown directive " + key + " in strategic merge patch");
      }

      if (patchValue.isNull()) {
        original.remove(target);
        continue;
      }
      JsonNode originalValue = original.get(target);
      if (originalValue == null || kind(originalValue) != kind(patchValue)) {
        if (!deleteList) {
          putStripped(original, target, patchValue);
        }
        continue;
      }
      FieldMeta meta = schema.field(target);
      if (originalValue.isObject()) {
        if (meta.replace()) {
          putStripped(original, target, patchValue);
        } else {
          original.set(target, mergeMap((ObjectNode) originalValue, (ObjectNode) patchValue, meta.schema()));
        }
      } else if (originalValue.isArray()) {
        if (meta.merge() || deleteList) {
          original.set(target, mergeList((ArrayNode) originalValue, (ArrayNode) patchValue, meta, target, deleteList));
        } else {
          putStripped(original, target, patchValue);
        }
      } else {
        original.set(target, patchValue);
      }
    }
    return original;
  }

  private static void putStripped(ObjectNode into, String key, JsonNode value) {
    discardNulls(value);
    JsonNode v = stripDirectives(value);
    if (v == null) {
      into.remove(key);
    } else {
      into.set(key, v);
    }
  }

  private static void applyRetainKeys(ObjectNode original, ObjectNode patch) {
    JsonNode retain = patch.remove(RETAIN_KEYS);
    if (retain == null) {
      return;
    }
    if (!retain.isArray()) {
      throw new PatchException("invalid patch format of retainKeys");
    }
    Set<String> keep = new HashSet<>();
    for (JsonNode k : retain) {
      if (k.isTextual()) {
        keep.add(k.asText());
      }
    }
    for (String k : fieldNames(patch)) {
      if (patch.get(k).isNull() || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) {
        continue;
      }
      if (!keep.contains(k)) {
        throw new PatchException("invalid patch format of retainKeys: " + k + " is not in the $retainKeys list");
      }
    }
    original.retain(keep);
  }

  private static void applySetElementOrders(ObjectNode original, ObjectNode patch, PatchSchema schema) {
    for (String key : fieldNames(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) {
        continue;
      }
      JsonNode order = patch.remove(key);
      String target = directiveTarget(key, SET_ELEMENT_ORDER, "invalid patch format of setElementOrder list");
      if (!order.isArray()) {
        throw new PatchException("invalid patch format of setElementOrder list: " + key + " must be a list");
      }
      JsonNode originalList = original.get(target);
      JsonNode patchList = patch.get(target);
      if (originalList != null && !originalList.isArray() || patchList != null && !patchList.isArray()) {
        throw new PatchException("invalid patch format of setElementOrder list: " + target + " is not a list");
      }
      if (originalList == null && patchList == null) {
        continue;
      }
      FieldMeta meta = schema.field(target);
      String mergeKey = meta.mergeKey();
      ArrayNode orderList = (ArrayNode) order;
      if (patchList != null) {
        checkOrderMatchesPatch((ArrayNode) patchList, orderList, mergeKey);
      }
      ArrayNode serverOrder = originalList == null ? JsonNodeFactory.instance.arrayNode() : (ArrayNode) originalList;
      ArrayNode merged;
      if (patchList == null) {
        merged = serverOrder;
      } else if (originalList == null) {
        merged = (ArrayNode) stripDirectives(patchList);
      } else if (meta.merge()) {
        merged = mergeList(serverOrder, (ArrayNode) patchList, meta, target, false);
      } else {
        merged = (ArrayNode) stripDirectives(patchList);
      }
      List<JsonNode> inOrder = new ArrayList<>();
      List<JsonNode> serverOnly = new ArrayList<>();
      for (JsonNode item : merged) {
        (indexOf(orderList, item, mergeKey) >= 0 ? inOrder : serverOnly).add(item);
      }
      JsonNodeType kind = merged.isEmpty() ? JsonNodeType.NULL : kind(merged.get(0));
      original.set(target, normalizeOrder(inOrder, serverOnly, orderList, serverOrder, mergeKey, kind));
      patch.remove(target);
    }
  }

  /** Every non-deleted patch item must appear in the order list, in the same relative order. */
  private static void checkOrderMatchesPatch(ArrayNode patchList, ArrayNode order, String mergeKey) {
    List<JsonNode> items = new ArrayList<>();
    for (JsonNode item : patchList) {
      if (!(item.isObject() && item.has(DIRECTIVE))) {
        items.add(item);
      }
    }
    int p = 0;
    int o = 0;
    while (p < items.size() && o < order.size()) {
      if (sameItem(items.get(p), order.get(o), mergeKey)) {
        p++;
      }
      o++;
    }
    if (p < items.size()) {
      throw new PatchException("The order in patch list:\n" + JsonValues.brief(patchList)
          + "\n doesn't match $setElementOrder list:\n" + JsonValues.brief(order) + "\n");
    }
  }

  private static boolean sameItem(JsonNode a, JsonNode b, String mergeKey) {
    if (mergeKey.isEmpty()) {
      return JsonValues.same(a, b);
    }
    if (!a.isObject() || !b.isObject()) {
      throw new PatchException("list items with merge key " + mergeKey + " must be objects");
    }
    return JsonValues.same(requireMergeKey(a, mergeKey), requireMergeKey(b, mergeKey));
  }

  // ---- lists ----

  private static ArrayNode mergeList(ArrayNode original, ArrayNode patch, FieldMeta meta, String field,
      boolean deleteList) {
    if (original.isEmpty() && patch.isEmpty()) {
      return original;
    }
    JsonNodeType kind = elementKind(original, patch);
    String mergeKey = meta.mergeKey();
    List<JsonNode> base = new ArrayList<>();
    original.forEach(base::add);
    List<JsonNode> patchItems = new ArrayList<>();
    patch.forEach(patchItems::add);

    List<JsonNode> merged;
    if (kind != JsonNodeType.OBJECT) {
      if (deleteList) {
        List<JsonNode> kept = new ArrayList<>();
        for (JsonNode v : base) {
          if (indexOf(patchItems, v, "") < 0) {
            kept.add(v);
          }
        }
        return toArray(kept);
      }
      merged = new ArrayList<>();
      for (JsonNode v : concat(base, patchItems)) {
        if (indexOf(merged, v, "") < 0) {
          merged.add(v);
        }
      }
    } else {
      if (mergeKey.isEmpty()) {
        throw new PatchException("cannot merge lists without merge key for " + field);
      }
      boolean replace = false;
      List<JsonNode> plain = new ArrayList<>();
      for (JsonNode item : patchItems) {
        JsonNode directive = item.get(DIRECTIVE);
        if (directive == null) {
          plain.add(item);
          continue;
        }
        String d = directive.isTextual() ? directive.asText() : String.valueOf(directive);
        switch (d) {
          case "delete" -> {
            JsonNode key = requireMergeKey(item, mergeKey);
            base.removeIf(v -> v.isObject() && JsonValues.same(v.get(mergeKey), key));
          }
          case "replace" -> replace = true;
          case "merge" -> throw new PatchException("merging lists cannot yet be specified in the patch");
          default -> throw new PatchException("unknown patch type: " + d + " in map: " + JsonValues.brief(item));
        }
      }
      if (replace) {
        base = new ArrayList<>();
        for (JsonNode item : plain) {
          base.add(stripDirectives(item));
        }
        plain = List.of();
      }
      patchItems = plain;
      merged = new ArrayList<>(base);
      for (JsonNode item : patchItems) {
        JsonNode key = requireMergeKey(item, mergeKey);
        int at = -1;
        for (int i = 0; i < merged.size(); i++) {
          JsonNode candidate = merged.get(i);
          if (!candidate.isObject()) {
            throw new PatchException("value for key " + i + " is not a map");
          }
          if (JsonValues.same(candidate.get(mergeKey), key)) {
            at = i;
            break;
          }
        }
        if (at >= 0) {
          merged.set(at, mergeMap((ObjectNode) merged.get(at), (ObjectNode) item, meta.schema()));
        } else {
          discardNulls(item);
          merged.add(stripDirectives(item));
        }
      }
    }
    List<JsonNode> fromPatch = new ArrayList<>();
    List<JsonNode> serverOnly = new ArrayList<>();
    String orderKey = kind == JsonNodeType.OBJECT ? mergeKey : "";
    for (JsonNode item : merged) {
      (indexOf(patchItems, item, orderKey) >= 0 ? fromPatch : serverOnly).add(item);
    }
    return normalizeOrder(fromPatch, serverOnly, toArray(patchItems), toArray(base), orderKey, kind);
  }

  /**
   * Sorts the patch's items by {@code patchOrder} and the server-only items by {@code serverOrder}, then
   * interleaves them: a server-only item goes first only when both are known to the server and it came
   * earlier there. This is Kubernetes' best-effort order preservation.
   */
  private static ArrayNode normalizeOrder(List<JsonNode> fromPatch, List<JsonNode> serverOnly, ArrayNode patchOrder,
      ArrayNode serverOrder, String mergeKey, JsonNodeType kind) {
    String key = kind == JsonNodeType.OBJECT ? mergeKey : "";
    List<JsonNode> right = sortBy(fromPatch, patchOrder, key);
    List<JsonNode> left = sortBy(serverOnly, serverOrder, key);
    List<JsonNode> out = new ArrayList<>(left.size() + right.size());
    int i = 0;
    int j = 0;
    while (i < left.size() || j < right.size()) {
      if (j >= right.size()) {
        out.add(left.get(i++));
      } else if (i >= left.size()) {
        out.add(right.get(j++));
      } else {
        int li = indexOf(serverOrder, left.get(i), key);
        int ri = indexOf(serverOrder, right.get(j), key);
        if (li >= 0 && ri >= 0 && li < ri) {
          out.add(left.get(i++));
        } else {
          out.add(right.get(j++));
        }
      }
    }
    return toArray(out);
  }

  private static List<JsonNode> sortBy(List<JsonNode> items, ArrayNode order, String mergeKey) {
    List<JsonNode> sorted = new ArrayList<>(items);
    sorted.sort((a, b) -> Integer.compare(position(order, a, mergeKey), position(order, b, mergeKey)));
    return sorted;
  }

  private static int position(ArrayNode order, JsonNode item, String mergeKey) {
    int i = indexOf(order, item, mergeKey);
    return i < 0 ? Integer.MAX_VALUE : i;
  }

  private static int indexOf(Iterable<JsonNode> list, JsonNode item, String mergeKey) {
    int i = 0;
    for (JsonNode v : list) {
      if (mergeKey.isEmpty() ? JsonValues.same(v, item)
          : v.isObject() && item.isObject() && JsonValues.same(v.get(mergeKey), item.get(mergeKey))) {
        return i;
      }
      i++;
    }
    return -1;
  }

  /** All items of both lists must have one JSON type, and lists of lists are not supported. */
  private static JsonNodeType elementKind(ArrayNode a, ArrayNode b) {
    JsonNodeType kind = null;
    for (ArrayNode list : List.of(a, b)) {
      for (JsonNode v : list) {
        JsonNodeType k = kind(v);
        if (k == JsonNodeType.ARRAY) {
          throw new PatchException("lists of lists are not supported");
        }
        if (kind == null) {
          kind = k;
        } else if (kind != k) {
          throw new PatchException("list element types are not identical: " + JsonValues.brief(a) + ", "
              + JsonValues.brief(b));
        }
      }
    }
    return kind;
  }

  // ---- helpers ----

  private static JsonNode requireMergeKey(JsonNode item, String mergeKey) {
    JsonNode key = item.isObject() ? item.get(mergeKey) : null;
    if (key == null) {
      throw new PatchException("map: " + JsonValues.brief(item) + " does not contain declared merge key: " + mergeKey);
    }
    return key;
  }

  private static String directiveTarget(String key, String prefix, String error) {
    int slash = key.indexOf('/');
    if (slash < 0 || !key.substring(0, slash).equals(prefix)) {
      throw new PatchException(error + ": " + key);
    }
    return key.substring(slash + 1);
  }

  /** Go's decoded JSON has one type per kind; binary and POJO nodes do not occur in parsed JSON. */
  private static JsonNodeType kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case BINARY, POJO, MISSING -> JsonNodeType.STRING;
      default -> v.getNodeType();
    };
  }

  /** Removes directives from a value taken from the patch; null means the value itself was a directive. */
  private static JsonNode stripDirectives(JsonNode value) {
    if (value instanceof ObjectNode obj) {
      if (obj.has(DIRECTIVE)) {
        return null;
      }
      for (String k : fieldNames(obj)) {
        if (k.equals(RETAIN_KEYS) || k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
          obj.remove(k);
          continue;
        }
        JsonNode v = stripDirectives(obj.get(k));
        if (v == null) {
          obj.remove(k);
        } else {
          obj.set(k, v);
        }
      }
      return obj;
    }
    if (value instanceof ArrayNode arr) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (JsonNode v : arr) {
        JsonNode s = stripDirectives(v);
        if (s != null) {
          out.add(s);
        }
      }
      return out;
    }
    return value;
  }

  /** Nulls in a value copied from the patch have nothing to delete, so they are dropped. */
  private static void discardNulls(JsonNode value) {
    if (value instanceof ObjectNode obj) {
      for (String k : fieldNames(obj)) {
        if (obj.get(k).isNull()) {
          obj.remove(k);
        } else {
          discardNulls(obj.get(k));
        }
      }
    } else if (value instanceof ArrayNode arr) {
      arr.forEach(StrategicMergePatch::discardNulls);
    }
  }

  private static List<String> fieldNames(JsonNode obj) {
    List<String> names = new ArrayList<>(obj.size());
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
    List<JsonNode> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static ArrayNode toArray(List<JsonNode> items) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode(items.size());
    items.forEach(out::add);
    return out;
  }
}
