package io.gubernator.api.patch;

import static io.gubernator.api.patch.JsonPatchTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cases modelled on what {@code kubectl apply} and {@code kubectl patch --type=strategic} send. */
class StrategicMergePatchTest {

  private static final String DEPLOYMENT = """
      {'apiVersion':'apps/v1','kind':'Deployment',
       'metadata':{'name':'web','labels':{'app':'web','tier':'front'},'finalizers':['a.io/x','b.io/y']},
       'spec':{'replicas':2,
         'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1,'maxUnavailable':0}},
         'template':{'spec':{'containers':[
           {'name':'app','image':'app:1','args':['--a','--b'],
            'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
            'ports':[{'containerPort':80,'name':'http'}]},
           {'name':'sidecar','image':'side:1'}]}}}}""";

  private static String withContainers(String containers) {
    return DEPLOYMENT.replaceFirst("'containers':\\[[\\s\\S]*\\]\\}\\}\\}\\}$", "'containers':" + containers + "}}}}");
  }

  static Stream<Arguments> deploymentCases() {
    return Stream.of(
        c("containers merge by name (kubectl set image)",
            "{'spec':{'template':{'spec':{'containers':[{'name':'sidecar','image':'side:2'}]}}}}",
            withContainers("""
                [{'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                  'ports':[{'containerPort':80,'name':'http'}]},
                 {'name':'sidecar','image':'side:2'}]""")),
        c("env merges by name, updated items keep their place",
            "{'spec':{'template':{'spec':{'containers':[{'name':'app',"
                + "'env':[{'name':'Y','value':'3'},{'name':'Z','value':'4'}]}]}}}}",
            withContainers("""
                [{'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'3'},{'name':'Z','value':'4'}],
                  'ports':[{'containerPort':80,'name':'http'}]},
                 {'name':'sidecar','image':'side:1'}]""")),
        c("lists without a strategy are replaced whole",
            "{'spec':{'template':{'spec':{'containers':[{'name':'app','args':['--c']}]}}}}",
            withContainers("""
                [{'name':'app','image':'app:1','args':['--c'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                  'ports':[{'containerPort':80,'name':'http'}]},
                 {'name':'sidecar','image':'side:1'}]""")),
        c("$patch delete removes a container",
            "{'spec':{'template':{'spec':{'containers':[{'name':'sidecar','$patch':'delete'}]}}}}",
            withContainers("""
                [{'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                  'ports':[{'containerPort':80,'name':'http'}]}]""")),
        c("a new item without $setElementOrder goes first, as in Kubernetes",
            "{'spec':{'template':{'spec':{'containers':[{'name':'new','image':'n:1'}]}}}}",
            withContainers("""
                [{'name':'new','image':'n:1'},
                 {'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                  'ports':[{'containerPort':80,'name':'http'}]},
                 {'name':'sidecar','image':'side:1'}]""")),
        c("$setElementOrder/containers orders the merged list (kubectl apply)",
            "{'spec':{'template':{'spec':{"
                + "'$setElementOrder/containers':[{'name':'sidecar'},{'name':'new'},{'name':'app'}],"
                + "'containers':[{'name':'new','image':'n:1'}]}}}}",
            withContainers("""
                [{'name':'sidecar','image':'side:1'},
                 {'name':'new','image':'n:1'},
                 {'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                  'ports':[{'containerPort':80,'name':'http'}]}]""")),
        c("$setElementOrder with nested $setElementOrder/env",
            "{'spec':{'template':{'spec':{"
                + "'$setElementOrder/containers':[{'name':'app'},{'name':'sidecar'}],"
                + "'containers':[{'name':'app','$setElementOrder/env':[{'name':'Y'},{'name':'X'}],"
                + "'env':[{'name':'X','value':'9'}]}]}}}}",
            withContainers("""
                [{'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'Y','value':'2'},{'name':'X','value':'9'}],
                  'ports':[{'containerPort':80,'name':'http'}]},
                 {'name':'sidecar','image':'side:1'}]""")),
        c("$patch replace on a list replaces it",
            "{'spec':{'template':{'spec':{'containers':[{'$patch':'replace'},{'name':'only','image':'o:1'}]}}}}",
            withContainers("[{'name':'only','image':'o:1'}]")),
        c("ports merge by containerPort, numbers compared by value",
            "{'spec':{'template':{'spec':{'containers':[{'name':'app','ports':[{'containerPort':80.0,"
                + "'protocol':'TCP'}]}]}}}}",
            withContainers("""
                [{'name':'app','image':'app:1','args':['--a','--b'],
                  'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],
                  'ports':[{'containerPort':80.0,'name':'http','protocol':'TCP'}]},
                 {'name':'sidecar','image':'side:1'}]""")),
        c("$retainKeys switches strategy RollingUpdate to Recreate",
            "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate','rollingUpdate':null}}}",
            DEPLOYMENT.replace("'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1,'maxUnavailable':0}}",
                "'strategy':{'type':'Recreate'}")),
        c("$deleteFromPrimitiveList/finalizers",
            "{'metadata':{'$deleteFromPrimitiveList/finalizers':['a.io/x','not.there/z']}}",
            DEPLOYMENT.replace("'finalizers':['a.io/x','b.io/y']", "'finalizers':['b.io/y']")),
        c("finalizers merge as a set, new ones first",
            "{'metadata':{'finalizers':['c.io/z','a.io/x']}}",
            DEPLOYMENT.replace("'finalizers':['a.io/x','b.io/y']", "'finalizers':['c.io/z','a.io/x','b.io/y']")),
        c("$setElementOrder/finalizers orders a primitive list",
            "{'metadata':{'$setElementOrder/finalizers':['b.io/y','c.io/z','a.io/x'],'finalizers':['c.io/z']}}",
            DEPLOYMENT.replace("'finalizers':['a.io/x','b.io/y']", "'finalizers':['b.io/y','c.io/z','a.io/x']")),
        c("null deletes a map entry, maps merge",
            "{'metadata':{'labels':{'tier':null,'env':'prod'}},'spec':{'replicas':3}}",
            DEPLOYMENT.replace("'labels':{'app':'web','tier':'front'}", "'labels':{'app':'web','env':'prod'}")
                .replace("'replicas':2", "'replicas':3")),
        c("$patch replace on a map replaces it",
            "{'metadata':{'labels':{'$patch':'replace','only':'this'}}}",
            DEPLOYMENT.replace("'labels':{'app':'web','tier':'front'}", "'labels':{'only':'this'}")),
        c("$patch delete on a map empties it",
            "{'metadata':{'labels':{'$patch':'delete'}}}",
            DEPLOYMENT.replace("'labels':{'app':'web','tier':'front'}", "'labels':{}")),
        c("new subtree is copied without directives or nulls",
            "{'spec':{'paused':true,'selector':{'matchLabels':{'app':'web','x':null},'$retainKeys':['matchLabels']}}}",
            DEPLOYMENT.replace("'replicas':2,", "'replicas':2,'paused':true,'selector':{'matchLabels':{'app':'web'}},")),
        c("a type mismatch replaces the value (as Kubernetes does)",
            "{'spec':{'template':{'spec':{'containers':{'name':'oops'}}}}}",
            withContainers("{'name':'oops'}")));
  }

  private static Arguments c(String name, String patch, String expected) {
    return Arguments.of(Named.of(name, patch), expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deploymentCases")
  void deployment(String patch, String expected) {
    JsonNode doc = json(DEPLOYMENT);
    JsonNode result = StrategicMergePatch.apply(doc, json(patch), Deployment.class);
    assertThat(result).isEqualTo(json(expected));
    assertThat(doc).isEqualTo(json(DEPLOYMENT));
    // The result must still be a Deployment (no directive left behind for a strict decoder to trip on).
    assertThat(result.toString()).doesNotContain("$");
  }

  @Test
  void resultDecodesAsTheModelType() throws Exception {
    JsonNode result = StrategicMergePatch.apply(json(DEPLOYMENT), json(
        "{'spec':{'template':{'spec':{'containers':[{'name':'app','image':'app:2'}]}}}}"), Deployment.class);
    Deployment d = new ObjectMapper().treeToValue(result, Deployment.class);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers()).extracting(c -> c.getImage())
        .containsExactly("app:2", "side:1");
  }

  @Test
  void serviceAndNodeAndPodLists() {
    JsonNode svc = json("{'spec':{'ports':[{'port':80,'targetPort':8080,'name':'http'},{'port':443,'name':'https'}]}}");
    assertThat(StrategicMergePatch.apply(svc, json("{'spec':{'ports':[{'port':80,'targetPort':9090}]}}"),
        Service.class)).isEqualTo(json(
            "{'spec':{'ports':[{'port':80,'targetPort':9090,'name':'http'},{'port':443,'name':'https'}]}}"));

    JsonNode node = json("{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'DiskPressure',"
        + "'status':'False'}],'addresses':[{'type':'InternalIP','address':'10.0.0.1'}]}}");
    assertThat(StrategicMergePatch.apply(node, json("{'status':{'conditions':[{'type':'Ready','status':'True'}],"
        + "'addresses':[{'type':'Hostname','address':'n1'}]}}"), Node.class)).isEqualTo(json(
            "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'DiskPressure','status':'False'}],"
                + "'addresses':[{'type':'Hostname','address':'n1'},{'type':'InternalIP','address':'10.0.0.1'}]}}"));

    JsonNode pod = json("{'spec':{'volumes':[{'name':'a','emptyDir':{}}],'containers':[{'name':'c',"
        + "'volumeMounts':[{'name':'a','mountPath':'/a'}]}]}}");
    assertThat(StrategicMergePatch.apply(pod, json("{'spec':{'volumes':[{'name':'a','$patch':'delete'}],"
        + "'containers':[{'name':'c','volumeMounts':[{'mountPath':'/a','$patch':'delete'}]}]}}"), Pod.class))
        .isEqualTo(json("{'spec':{'volumes':[],'containers':[{'name':'c','volumeMounts':[]}]}}"));
  }

  @Test
  void replaceStrategyField() {
    JsonNode pdb = json("{'spec':{'selector':{'matchLabels':{'a':'1'}},'minAvailable':1}}");
    assertThat(StrategicMergePatch.apply(pdb, json("{'spec':{'selector':{'matchLabels':{'b':'2'}}}}"),
        PodDisruptionBudget.class)).isEqualTo(json("{'spec':{'selector':{'matchLabels':{'b':'2'}},'minAvailable':1}}"));
  }

  @Test
  void unknownTypeBehavesAsMergePatch() {
    JsonNode doc = json("{'a':{'b':1,'c':[{'name':'x','v':1}]},'d':2}");
    JsonNode patch = json("{'a':{'b':null,'c':[{'name':'x','v':2}]},'e':3}");
    for (Class<?> type : new Class<?>[] {null, Map.class, Object.class}) {
      assertThat(StrategicMergePatch.apply(doc, patch, type))
          .isEqualTo(MergePatch.apply(doc, patch))
          .isEqualTo(json("{'a':{'c':[{'name':'x','v':2}]},'d':2,'e':3}"));
    }
    // Free-form maps inside a typed object (annotations) keep merge-patch semantics too.
    assertThat(StrategicMergePatch.apply(json("{'metadata':{'annotations':{'a':'1'}}}"),
        json("{'metadata':{'annotations':{'b':'2'}}}"), Deployment.class))
        .isEqualTo(json("{'metadata':{'annotations':{'a':'1','b':'2'}}}"));
  }

  static Stream<Arguments> badPatches() {
    return Stream.of(
        e("unknown $patch in a map", "{'metadata':{'labels':{'$patch':'frobnicate'}}}",
            "unknown patch type: frobnicate in map"),
        e("unknown $patch in a list item",
            "{'spec':{'template':{'spec':{'containers':[{'name':'app','$patch':'nope'}]}}}}",
            "unknown patch type: nope in map"),
        e("$patch merge in a list", "{'spec':{'template':{'spec':{'containers':[{'$patch':'merge'}]}}}}",
            "merging lists cannot yet be specified in the patch"),
        e("list item without merge key", "{'spec':{'template':{'spec':{'containers':[{'image':'x'}]}}}}",
            "does not contain declared merge key: name"),
        e("delete without merge key", "{'spec':{'template':{'spec':{'containers':[{'$patch':'delete'}]}}}}",
            "does not contain declared merge key: name"),
        e("mixed list item types", "{'spec':{'template':{'spec':{'containers':[1,{'name':'a'}]}}}}",
            "list element types are not identical"),
        e("list of lists", "{'metadata':{'finalizers':[['x']]}}", "lists of lists are not supported"),
        e("$retainKeys not a list", "{'spec':{'strategy':{'$retainKeys':'type','type':'Recreate'}}}",
            "invalid patch format of retainKeys"),
        e("field outside $retainKeys", "{'spec':{'strategy':{'$retainKeys':['type'],'rollingUpdate':{}}}}",
            "invalid patch format of retainKeys"),
        e("$setElementOrder not a list", "{'spec':{'template':{'spec':{'$setElementOrder/containers':{}}}}}",
            "invalid patch format of setElementOrder list"),
        e("$setElementOrder missing the patched item",
            "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'app'}],"
                + "'containers':[{'name':'other','image':'x'}]}}}}",
            "doesn't match $setElementOrder list"),
        e("$setElementOrder without slash", "{'spec':{'$setElementOrderfoo':[]}}",
            "invalid patch format of setElementOrder list"),
        e("$deleteFromPrimitiveList without slash", "{'metadata':{'$deleteFromPrimitiveListfinalizers':['a']}}",
            "invalid patch format of primitive list"),
        e("unknown directive", "{'spec':{'$frobnicate':1}}", "unknown directive $frobnicate"),
        e("patch is not an object", "[1,2]", "invalid JSON document"));
  }

  private static Arguments e(String name, String patch, String message) {
    return Arguments.of(Named.of(name, patch), message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPatches")
  void rejects(String patch, String message) {
    assertThatThrownBy(() -> StrategicMergePatch.apply(json(DEPLOYMENT), json(patch), Deployment.class))
        .isInstanceOf(PatchException.class)
        .hasMessageContaining(message);
  }

  /** Random hostile patches, shaped around real paths and directives, fail only with PatchException. */
  @Test
  void hostilePatchesOnlyThrowPatchException() {
    Random random = new Random(42);
    JsonNode doc = json(DEPLOYMENT);
    List<String> keys = List.of("spec", "template", "containers", "env", "name", "image", "ports", "containerPort",
        "metadata", "finalizers", "labels", "strategy", "$patch", "$retainKeys", "$setElementOrder/containers",
        "$deleteFromPrimitiveList/finalizers", "$setElementOrder/env", "replace", "delete", "merge");
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
      JsonNode patch = randomObject(random, keys, 0);
      try {
        StrategicMergePatch.apply(doc, patch, Deployment.class);
      } catch (PatchException expected) {
        rejected++;
      }
    }
    assertThat(rejected).isPositive();
  }

  private static ObjectNode randomObject(Random random, List<String> keys, int depth) {
    ObjectNode obj = JsonNodeFactory.instance.objectNode();
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      obj.set(keys.get(random.nextInt(keys.size())), randomValue(random, keys, depth + 1));
    }
    return obj;
  }

  private static JsonNode randomValue(Random random, List<String> keys, int depth) {
    int pick = random.nextInt(depth > 5 ? 4 : 7);
    return switch (pick) {
      case 0 -> JsonNodeFactory.instance.nullNode();
      case 1 -> JsonNodeFactory.instance.textNode(keys.get(random.nextInt(keys.size())));
      case 2 -> JsonNodeFactory.instance.numberNode(random.nextInt(3));
      case 3 -> JsonNodeFactory.instance.booleanNode(random.nextBoolean());
      case 4, 5 -> randomObject(random, keys, depth);
      default -> {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
          arr.add(randomValue(random, keys, depth + 1));
        }
        yield arr;
      }
    };
  }
}
