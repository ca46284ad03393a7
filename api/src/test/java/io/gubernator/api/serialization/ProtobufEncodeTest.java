package io.gubernator.api.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** JSON → Kubernetes protobuf → JSON, and what the generated (protoc) classes read from our bytes. */
class ProtobufEncodeTest {

  private static ObjectNode json(String s) {
    return Json.parseObject(s.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  /** Equal as JSON text (Jackson's nodes tell an int from a long of the same value). */
  private static void assertSameJson(ObjectNode actual, ObjectNode expected) throws Exception {
    assertThat(Json.MAPPER.readTree(actual.toString())).isEqualTo(Json.MAPPER.readTree(expected.toString()));
  }

  private static Runtime.Unknown envelope(byte[] bytes) throws Exception {
    assertThat(Arrays.copyOf(bytes, 4)).isEqualTo(Protobuf.MAGIC);
    return Runtime.Unknown.parseFrom(Arrays.copyOfRange(bytes, 4, bytes.length));
  }

  static final String POD = """
      {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'ns','uid':'u-1','resourceVersion':'42',
        'creationTimestamp':'2024-01-02T03:04:05Z','labels':{'app':'web'},'annotations':{'a':'b'},
        'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'rs','uid':'u-0','controller':true}],
        'managedFields':[{'manager':'kubectl','operation':'Update','apiVersion':'v1','time':'2024-01-02T03:04:05Z',
          'fieldsType':'FieldsV1','fieldsV1':{'f:metadata':{'f:labels':{'.':{}}}}}]},
       'spec':{'containers':[{'name':'c','image':'nginx','ports':[{'containerPort':80,'protocol':'TCP'}],
          'resources':{'limits':{'cpu':'500m','memory':'64Mi'},'requests':{'cpu':'100m'}},
          'env':[{'name':'A','valueFrom':{'configMapKeyRef':{'name':'cm','key':'k'}}},{'name':'B','value':'x'}],
          'envFrom':[{'secretRef':{'name':'s'}}],
          'livenessProbe':{'httpGet':{'path':'/healthz','port':8080,'scheme':'HTTP'},'periodSeconds':10},
          'readinessProbe':{'tcpSocket':{'port':'http'},'initialDelaySeconds':3},
          'volumeMounts':[{'name':'data','mountPath':'/data'}]}],
         'volumes':[{'name':'data','emptyDir':{'sizeLimit':'1Gi'}},{'name':'cfg','configMap':{'name':'cm','defaultMode':420}}],
         'terminationGracePeriodSeconds':30,'nodeName':'n1'},
       'status':{'phase':'Running','startTime':'2024-01-02T03:04:06Z','podIP':'10.0.0.5',
         'conditions':[{'type':'Ready','status':'True','lastTransitionTime':'2024-01-02T03:04:07Z'}]}}
      """;

  @Test
  void podRoundTripsAndProtocReadsIt() throws Exception {
    ObjectNode pod = json(POD);
    byte[] bytes = Protobuf.encode(pod);
    Runtime.Unknown u = envelope(bytes);
    assertThat(u.getTypeMeta().getApiVersion()).isEqualTo("v1");
    assertThat(u.getTypeMeta().getKind()).isEqualTo("Pod");
    assertThat(u.hasContentType()).isTrue();
    assertThat(u.getContentType()).isEmpty();
    V1.Pod p = V1.Pod.parseFrom(u.getRaw());
    assertThat(p.getMetadata().getCreationTimestamp().getSeconds()).isEqualTo(1704164645L);
    assertThat(p.getMetadata().getOwnerReferences(0).getController()).isTrue();
    assertThat(p.getMetadata().getManagedFields(0).getFieldsV1().getRaw().toStringUtf8()).isEqualTo("{\"f:metadata\":{\"f:labels\":{\".\":{}}}}");
    V1.Container c = p.getSpec().getContainers(0);
    assertThat(c.getResources().getLimitsMap().get("cpu").getString()).isEqualTo("500m");
    assertThat(c.getLivenessProbe().getHandler().getHttpGet().getPort().getType()).isEqualTo(0);
    assertThat(c.getLivenessProbe().getHandler().getHttpGet().getPort().getIntVal()).isEqualTo(8080);
    assertThat(c.getReadinessProbe().getHandler().getTcpSocket().getPort().getType()).isEqualTo(1);
    assertThat(c.getReadinessProbe().getHandler().getTcpSocket().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getEnv(0).getValueFrom().getConfigMapKeyRef().getLocalObjectReference().getName()).isEqualTo("cm");
    assertThat(c.getEnvFrom(0).getSecretRef().getLocalObjectReference().getName()).isEqualTo("s");
    assertThat(p.getSpec().getVolumes(0).getVolumeSource().getEmptyDir().getSizeLimit().getString()).isEqualTo("1Gi");
    assertThat(p.getSpec().getVolumes(1).getVolumeSource().getConfigMap().getLocalObjectReference().getName()).isEqualTo("cm");
    assertThat(p.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(p.getStatus().getStartTime().getSeconds()).isEqualTo(1704164646L);
    assertSameJson(Protobuf.decode(bytes), pod);
  }

  @Test
  void everyInlineFieldExists() {
    for (String f : Protobuf.INLINE) {
      String message = f.substring(0, f.lastIndexOf('.'));
      String field = f.substring(f.lastIndexOf('.') + 1);
      String apiVersion = message.contains(".networking.") ? "networking.k8s.io/v1" : "v1";
      var d = Protobuf.descriptorFor(apiVersion, message.substring(message.lastIndexOf('.') + 1));
      assertThat(d).as(message).isNotNull();
      assertThat(d.findFieldByName(field)).as(f).isNotNull();
    }
  }

  @Test
  void deploymentRoundTrips() throws Exception {
    ObjectNode d = json("""
        {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default','generation':2},
         'spec':{'replicas':0,'selector':{'matchLabels':{'app':'web'},
             'matchExpressions':[{'key':'tier','operator':'In','values':['a','b']}]},
           'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%','maxUnavailable':1}},
           'revisionHistoryLimit':10,'progressDeadlineSeconds':600,
           'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'nginx'}]}}},
         'status':{'observedGeneration':2,'replicas':3,'conditions':[{'type':'Available','status':'True',
           'lastUpdateTime':'2024-05-06T07:08:09Z','lastTransitionTime':'2024-05-06T07:08:09Z','reason':'MinimumReplicasAvailable'}]}}
        """);
    byte[] bytes = Protobuf.encode(d);
    V1Apps.Deployment p = V1Apps.Deployment.parseFrom(envelope(bytes).getRaw());
    assertThat(p.getSpec().hasReplicas()).isTrue();
    assertThat(p.getSpec().getReplicas()).isZero();
    assertThat(p.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal()).isEqualTo("25%");
    assertThat(p.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertSameJson(Protobuf.decode(bytes), d);
  }

  @Test
  void secretBytesAndStringData() throws Exception {
    ObjectNode s = json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s'},'type':'Opaque',"
        + "'data':{'k':'AAEC/w==','t':'aGVsbG8='}}");
    byte[] bytes = Protobuf.encode(s);
    V1.Secret p = V1.Secret.parseFrom(envelope(bytes).getRaw());
    assertThat(p.getDataMap().get("k").toByteArray()).containsExactly(0, 1, 2, 0xff);
    assertThat(p.getDataMap().get("t").toStringUtf8()).isEqualTo("hello");
    assertSameJson(Protobuf.decode(bytes), s);
  }

  @Test
  void listsMicroTimeAndRawExtension() throws Exception {
    ObjectNode list = json("""
        {'apiVersion':'v1','kind':'ConfigMapList','metadata':{'resourceVersion':'7','continue':'abc','remainingItemCount':3},
         'items':[{'metadata':{'name':'a','namespace':'default'},'data':{'x':'1'}},
                  {'metadata':{'name':'b','namespace':'default'},'binaryData':{'y':'AQI='}}]}
        """);
    byte[] bytes = Protobuf.encode(list);
    V1.ConfigMapList p = V1.ConfigMapList.parseFrom(envelope(bytes).getRaw());
    assertThat(p.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(p.getMetadata().getRemainingItemCount()).isEqualTo(3L);
    assertThat(p.getItemsList()).extracting(i -> i.getMetadata().getName()).containsExactly("a", "b");
    assertSameJson(Protobuf.decode(bytes), list);

    ObjectNode event = json("{'apiVersion':'events.k8s.io/v1','kind':'Event','metadata':{'name':'e'},"
        + "'eventTime':'2024-01-02T03:04:05.123456Z','reason':'R','action':'A','type':'Normal'}");
    assertSameJson(Protobuf.decode(Protobuf.encode(event)), event);

    ObjectNode rev = json("{'apiVersion':'apps/v1','kind':'ControllerRevision','metadata':{'name':'r'},"
        + "'data':{'spec':{'template':{'x':[1,2]}}},'revision':3}");
    assertSameJson(Protobuf.decode(Protobuf.encode(rev)), rev);
  }

  @Test
  void statusAndWatchEvents() throws Exception {
    ObjectNode status = json("{'apiVersion':'v1','kind':'Status','metadata':{},'status':'Failure','message':'nope',"
        + "'reason':'NotFound','details':{'name':'x','kind':'pods'},'code':404}");
    byte[] bytes = Protobuf.encode(status);
    Meta.Status s = Meta.Status.parseFrom(envelope(bytes).getRaw());
    assertThat(s.getCode()).isEqualTo(404);
    assertThat(s.getDetails().getKind()).isEqualTo("pods");

    ObjectNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'},'data':{'x':'1'}}");
    Meta.WatchEvent e = Meta.WatchEvent.parseFrom(Protobuf.encodeWatchEvent("ADDED", cm));
    assertThat(e.getType()).isEqualTo("ADDED");
    assertSameJson(Protobuf.decode(e.getObject().getRaw().toByteArray()), cm);
  }

  @Test
  void kindsWithoutMessagesAreNotEncodable() {
    assertThat(Protobuf.supports("example.com/v1", "Widget")).isFalse();
    assertThat(Protobuf.supports("apps/v1", "DeploymentList")).isTrue();
    assertThat(Protobuf.supports("autoscaling/v1", "Scale")).isTrue();
    assertThatThrownBy(() -> Protobuf.encode(json("{'apiVersion':'example.com/v1','kind':'Widget'}")))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(406));
  }
}
