package io.gubernator.api.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON patch (RFC 6902, {@code application/json-patch+json}). Operations apply in order to a copy of the
 * document; if any fails, nothing is applied and a {@link PatchException} says which operation and why.
 */
public final class JsonPatch {

  private JsonPatch() {
  }

  /** Returns the patched copy of {@code doc}; the inputs are never modified. */
  public static JsonNode apply(JsonNode doc, JsonNode patch) {
    if (patch == null || !patch.isArray()) {
      throw new PatchException("a JSON patch must be an array of operations");
    }
    JsonNode result = doc == null ? null : doc.deepCopy();
    for (int i = 0; i < patch.size(); i++) {
      JsonNode op = patch.get(i);
      try {
        result = applyOne(result, op);
      } catch (PatchException e) {
        throw new PatchException("json patch operation " + i + " (" + describe(op) + ") failed: " + e.getMessage());
      }
    }
    return result;
  }

  private static String describe(JsonNode op) {
    if (op == null || !op.isObject()) {
      return JsonValues.brief(op);
    }
    JsonNode name = op.get("op");
    JsonNode path = op.get("path");
    return (name == null ? "?" : name.asText()) + " " + (path == null ? "?" : path.asText());
  }

  private static JsonNode applyOne(JsonNode doc, JsonNode op) {
    if (op == null || !op.isObject()) {
      throw new PatchException("operation must be an object");
    }
    String name = text(op, "op");
    List<String> path = parsePointer(text(op, "path"));
    return switch (name) {
      case "add" -> add(doc, path, value(op).deepCopy());
      case "remove" -> {
        remove(doc, path);
        yield path.isEmpty() ? null : doc;
      }
      case "replace" -> {
        get(doc, path);
        if (path.isEmpty()) {
          yield value(op).deepCopy();
        }
        remove(doc, path);
        yield add(doc, path, value(op).deepCopy());
      }
      case "move" -> {
        List<String> from = parsePointer(text(op, "from"));
        if (from.equals(path)) {
          get(doc, from);
          yield doc;
        }
        if (path.size() > from.size() && path.subList(0, from.size()).equals(from)) {
          throw new PatchException("cannot move a value into one of its own children");
        }
        JsonNode moved = get(doc, from);
        remove(doc, from);
        yield add(doc, path, moved);
      }
      case "copy" -> {
        List<String> from = parsePointer(text(op, "from"));
        yield add(doc, path, get(doc, from).deepCopy());
      }
      case "test" -> {
        JsonNode actual = get(doc, path);
        if (!JsonValues.same(actual, value(op))) {
          throw new PatchException("test failed: value at path is " + JsonValues.brief(actual));
        }
        yield doc;
      }
      default -> throw new PatchException("unknown operation " + name);
    };
  }

  private static String text(JsonNode op, String member) {
    JsonNode v = op.get(member);
    if (v == null || !v.isTextual()) {
      throw new PatchException("missing or non-string \"" + member + "\"");
    }
    return v.asText();
  }

  private static JsonNode value(JsonNode op) {
    JsonNode v = op.get("value");
    if (v == null) {
      throw new PatchException("missing \"value\"");
    }
    return v;
  }

  /** Splits an RFC 6901 pointer into unescaped reference tokens; "" is the whole document. */
  static List<String> parsePointer(String pointer) {
    List<String> tokens = new ArrayList<>();
    if (pointer.isEmpty()) {
      return tokens;
    }
    if (pointer.charAt(0) != '/') {
      throw new PatchException("invalid JSON pointer \"" + pointer + "\": must start with '/'");
    }
    int start = 1;
    while (true) {
      int slash = pointer.indexOf('/', start);
      String raw = slash < 0 ? pointer.substring(start) : pointer.substring(start, slash);
      tokens.add(unescape(raw, pointer));
      if (slash < 0) {
        return tokens;
      }
      start = slash + 1;
    }
  }

  private static String unescape(String token, String pointer) {
    if (token.indexOf('~') < 0) {
      return token;
    }
    StringBuilder sb = new StringBuilder(token.length());
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c != '~') {
        sb.append(c);
        continue;
      }
      char next = i + 1 < token.length() ? token.charAt(i + 1) : 0;
      if (next == '0') {
        sb.append('~');
      } else if (next == '1') {
        sb.append('/');
      } else {
        throw new PatchException("invalid JSON pointer \"" + pointer + "\": '~' must be followed by 0 or 1");
      }
      i++;
    }
    return sb.toString();
  }

  private static JsonNode get(JsonNode doc, List<String> path) {
    JsonNode cur = doc;
    for (int i = 0; i < path.size(); i++) {
      cur = child(cur, path.get(i), path, i);
    }
    if (cur == null) {
      throw missing(path);
    }
    return cur;
  }

  private static JsonNode child(JsonNode node, String token, List<String> path, int depth) {
    JsonNode next = null;
    if (node != null && node.isObject()) {
      next = node.get(token);
    } else if (node != null && node.isArray()) {
      int idx = arrayIndex(token, node.size() - 1);
      next = node.get(idx);
    }
    if (next == null) {
      throw missing(path.subList(0, depth + 1));
    }
    return next;
  }

  private static JsonNode parent(JsonNode doc, List<String> path) {
    return get(doc, path.subList(0, path.size() - 1));
  }

  private static JsonNode add(JsonNode doc, List<String> path, JsonNode value) {
    if (path.isEmpty()) {
      return value;
    }
    JsonNode parent = parent(doc, path);
    String last = path.get(path.size() - 1);
    if (parent instanceof ObjectNode obj) {
      obj.set(last, value);
    } else if (parent instanceof ArrayNode arr) {
      if (last.equals("-")) {
        arr.add(value);
      } else {
        arr.insert(arrayIndex(last, arr.size()), value);
      }
    } else {
      throw new PatchException("cannot add to " + pointer(path.subList(0, path.size() - 1))
          + ": it is neither an object nor an array");
    }
    return doc;
  }

  private static void remove(JsonNode doc, List<String> path) {
    if (path.isEmpty()) {
      if (doc == null) {
        throw missing(path);
      }
      return;
    }
    JsonNode parent = parent(doc, path);
    String last = path.get(path.size() - 1);
    if (parent instanceof ObjectNode obj) {
      if (obj.remove(last) == null) {
        throw missing(path);
      }
    } else if (parent instanceof ArrayNode arr) {
      arr.remove(arrayIndex(last, arr.size() - 1));
    } else {
      throw missing(path);
    }
  }

  /** Parses an array index token; digits only, no leading zeros, at most {@code max}. */
  private static int arrayIndex(String token, int max) {
    boolean digits = !token.isEmpty() && token.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    if (!digits || (token.length() > 1 && token.charAt(0) == '0') || token.length() > 9) {
      throw new PatchException("invalid array index \"" + token + "\"");
    }
    int idx = Integer.parseInt(token);
    if (idx > max) {
      throw new PatchException("array index " + idx + " is out of bounds");
    }
    return idx;
  }

  private static PatchException missing(List<String> path) {
    return new PatchException("doc is missing path: \"" + pointer(path) + "\"");
  }

  private static String pointer(List<String> path) {
    StringBuilder sb = new StringBuilder();
    for (String t : path) {
      sb.append('/').append(t.replace("~", "~0").replace("/", "~1"));
    }
    return sb.toString();
  }
}
