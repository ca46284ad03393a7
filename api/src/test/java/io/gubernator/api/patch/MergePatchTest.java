package io.gubernator.api.patch;

import static io.gubernator.api.patch.JsonPatchTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The example table of RFC 7386 appendix A, plus a Kubernetes-shaped case. */
class MergePatchTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        c("1", "{'a':'b'}", "{'a':'c'}", "{'a':'c'}"),
        c("2", "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}"),
        c("3", "{'a':'b'}", "{'a':null}", "{}"),
        c("4", "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}"),
        c("5", "{'a':['b']}", "{'a':'c'}", "{'a':'c'}"),
        c("6", "{'a':'c'}", "{'a':['b']}", "{'a':['b']}"),
        c("7", "{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}"),
        c("8", "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}"),
        c("9", "['a','b']", "['c','d']", "['c','d']"),
        c("10", "{'a':'b'}", "['c']", "['c']"),
        c("11", "{'a':'foo'}", "null", "null"),
        c("12", "{'a':'foo'}", "'bar'", "'bar'"),
        c("13", "{'e':null}", "{'a':1}", "{'e':null,'a':1}"),
        c("14", "[1,2]", "{'a':'b','c':null}", "{'a':'b'}"),
        c("15", "{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}"),
        c("kubernetes: lists replace whole, labels merge",
            "{'metadata':{'labels':{'a':'1','b':'2'}},'spec':{'containers':[{'name':'x'},{'name':'y'}]}}",
            "{'metadata':{'labels':{'b':null,'c':'3'}},'spec':{'containers':[{'name':'z'}]}}",
            "{'metadata':{'labels':{'a':'1','c':'3'}},'spec':{'containers':[{'name':'z'}]}}"));
  }

  private static Arguments c(String name, String doc, String patch, String expected) {
    return Arguments.of(Named.of(name, doc), patch, expected);
  }

  @ParameterizedTest(name = "RFC 7386 example {0}")
  @MethodSource("cases")
  void applies(String doc, String patch, String expected) {
    JsonNode original = json(doc);
    JsonNode before = original.deepCopy();
    assertThat(MergePatch.apply(original, json(patch))).isEqualTo(json(expected));
    assertThat(original).isEqualTo(before);
  }
}
