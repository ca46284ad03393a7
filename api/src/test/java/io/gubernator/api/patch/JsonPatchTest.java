package io.gubernator.api.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The examples of RFC 6902 appendix A, plus pointer escaping and failure atomicity. */
class JsonPatchTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static JsonNode json(String s) {
    try {
      return MAPPER.readTree(s.replace('\'', '"'));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Stream<Arguments> okCases() {
    return Stream.of(
        ok("A.1 add an object member", "{'foo':'bar'}",
            "[{'op':'add','path':'/baz','value':'qux'}]", "{'baz':'qux','foo':'bar'}"),
        ok("A.2 add an array element", "{'foo':['bar','baz']}",
            "[{'op':'add','path':'/foo/1','value':'qux'}]", "{'foo':['bar','qux','baz']}"),
        ok("A.3 remove an object member", "{'baz':'qux','foo':'bar'}",
            "[{'op':'remove','path':'/baz'}]", "{'foo':'bar'}"),
        ok("A.4 remove an array element", "{'foo':['bar','qux','baz']}",
            "[{'op':'remove','path':'/foo/1'}]", "{'foo':['bar','baz']}"),
        ok("A.5 replace a value", "{'baz':'qux','foo':'bar'}",
            "[{'op':'replace','path':'/baz','value':'boo'}]", "{'baz':'boo','foo':'bar'}"),
        ok("A.6 move a value", "{'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}}",
            "[{'op':'move','from':'/foo/waldo','path':'/qux/thud'}]",
            "{'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}"),
        ok("A.7 move an array element", "{'foo':['all','grass','cows','eat']}",
            "[{'op':'move','from':'/foo/1','path':'/foo/3'}]", "{'foo':['all','cows','eat','grass']}"),
        ok("A.8 test a value success", "{'baz':'qux','foo':['a',2,'c']}",
            "[{'op':'test','path':'/baz','value':'qux'},{'op':'test','path':'/foo/1','value':2}]",
            "{'baz':'qux','foo':['a',2,'c']}"),
        ok("A.10 add a nested member object", "{'foo':'bar'}",
            "[{'op':'add','path':'/child','value':{'grandchild':{}}}]",
            "{'foo':'bar','child':{'grandchild':{}}}"),
        ok("A.11 ignore unrecognized elements", "{'foo':'bar'}",
            "[{'op':'add','path':'/baz','value':'qux','xyz':123}]", "{'foo':'bar','baz':'qux'}"),
        ok("A.14 ~ escape ordering", "{'/':9,'~1':10}",
            "[{'op':'test','path':'/~01','value':10}]", "{'/':9,'~1':10}"),
        ok("A.16 add an array value", "{'foo':['bar']}",
            "[{'op':'add','path':'/foo/-','value':['abc','def']}]", "{'foo':['bar',['abc','def']]}"),
        ok("slash escape", "{'a/b':1}", "[{'op':'replace','path':'/a~1b','value':2}]", "{'a/b':2}"),
        ok("numbers compare by value", "{'n':1}", "[{'op':'test','path':'/n','value':1.0}]", "{'n':1}"),
        ok("copy", "{'a':{'b':1}}", "[{'op':'copy','from':'/a','path':'/c'}]", "{'a':{'b':1},'c':{'b':1}}"),
        ok("add null value", "{}", "[{'op':'add','path':'/a','value':null}]", "{'a':null}"),
        ok("replace the whole document", "{'a':1}", "[{'op':'replace','path':'','value':[1]}]", "[1]"),
        ok("add replaces existing member", "{'a':1}", "[{'op':'add','path':'/a','value':2}]", "{'a':2}"),
        ok("append at end index", "{'a':[1]}", "[{'op':'add','path':'/a/1','value':2}]", "{'a':[1,2]}"),
        ok("kubectl style label edit", "{'metadata':{'labels':{'app':'web'}}}",
            "[{'op':'replace','path':'/metadata/labels/app','value':'api'},"
                + "{'op':'add','path':'/metadata/labels/example.com~1tier','value':'x'}]",
            "{'metadata':{'labels':{'app':'api','example.com/tier':'x'}}}"));
  }

  private static Arguments ok(String name, String doc, String patch, String expected) {
    return Arguments.of(Named.of(name, doc), patch, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("okCases")
  void applies(String doc, String patch, String expected) {
    JsonNode original = json(doc);
    JsonNode before = original.deepCopy();
    assertThat(JsonPatch.apply(original, json(patch))).isEqualTo(json(expected));
    assertThat(original).isEqualTo(before);
  }

  static Stream<Arguments> errorCases() {
    return Stream.of(
        err("A.9 test a value error", "{'baz':'qux'}", "[{'op':'test','path':'/baz','value':'bar'}]",
            "test failed"),
        err("A.12 add to a nonexistent target", "{'foo':'bar'}",
            "[{'op':'add','path':'/baz/bat','value':'qux'}]", "doc is missing path: \"/baz\""),
        err("A.13 invalid JSON patch document", "{'foo':'bar'}",
            "[{'op':'add','path':'/baz','value':'qux','op':'remove'}]", "doc is missing path: \"/baz\""),
        err("A.15 comparing strings and numbers", "{'/':9,'~1':10}",
            "[{'op':'test','path':'/~01','value':'10'}]", "test failed"),
        err("remove missing member", "{}", "[{'op':'remove','path':'/a'}]", "doc is missing path: \"/a\""),
        err("replace missing member", "{}", "[{'op':'replace','path':'/a','value':1}]",
            "doc is missing path: \"/a\""),
        err("index out of bounds", "{'a':[1]}", "[{'op':'add','path':'/a/2','value':1}]", "out of bounds"),
        err("leading zero index", "{'a':[1,2]}", "[{'op':'remove','path':'/a/01'}]", "invalid array index"),
        err("dash index on remove", "{'a':[1]}", "[{'op':'remove','path':'/a/-'}]", "invalid array index"),
        err("bad escape", "{}", "[{'op':'add','path':'/a~2','value':1}]", "'~' must be followed by 0 or 1"),
        err("pointer without slash", "{}", "[{'op':'add','path':'a','value':1}]", "must start with '/'"),
        err("missing value", "{}", "[{'op':'add','path':'/a'}]", "missing \"value\""),
        err("unknown op", "{}", "[{'op':'frobnicate','path':'/a'}]", "unknown operation frobnicate"),
        err("op not a string", "{}", "[{'op':1,'path':'/a'}]", "missing or non-string \"op\""),
        err("operation not an object", "{}", "[1]", "operation must be an object"),
        err("patch not an array", "{}", "{'op':'add'}", "a JSON patch must be an array of operations"),
        err("move into own child", "{'a':{'b':{}}}", "[{'op':'move','from':'/a','path':'/a/b/c'}]",
            "cannot move a value into one of its own children"),
        err("add below a scalar", "{'a':1}", "[{'op':'add','path':'/a/b','value':1}]", "neither an object"));
  }

  private static Arguments err(String name, String doc, String patch, String message) {
    return Arguments.of(Named.of(name, doc), patch, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errorCases")
  void rejects(String doc, String patch, String message) {
    assertThatThrownBy(() -> JsonPatch.apply(json(doc), json(patch)))
        .isInstanceOf(PatchException.class)
        .hasMessageContaining(message);
  }

  @Test
  void failureLeavesNothingApplied() {
    JsonNode doc = json("{'a':1}");
    assertThatThrownBy(() -> JsonPatch.apply(doc,
        json("[{'op':'add','path':'/b','value':2},{'op':'remove','path':'/zzz'}]")))
        .isInstanceOf(PatchException.class)
        .hasMessage("json patch operation 1 (remove /zzz) failed: doc is missing path: \"/zzz\"");
    assertThat(doc).isEqualTo(json("{'a':1}"));
  }
}
