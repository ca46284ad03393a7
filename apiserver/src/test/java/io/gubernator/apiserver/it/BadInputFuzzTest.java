package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of generated malformed or hostile requests, from a fixed seed so a failure replays.
 * Each one is something Kubernetes rejects; the server must answer every one with a 4xx and a
 * {@code Status} body whose code matches (a client's mistake is never a 500 and never hangs), must
 * not change any object while doing so, and must still serve afterwards.
 */
class BadInputFuzzTest {

  private static final long SEED = 0x6b38735f66757a7aL;
  private static final int CASES = 3_500;
  private static final int PARALLEL = 8;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  /** A watch that is (wrongly) accepted streams until the client gives up; this bounds each one. */
  private static final Duration WATCH_TIMEOUT = Duration.ofSeconds(3);
  private static final int MAX_BODY = 3 * 1024 * 1024;
  private static final String NS = "fuzz";
  private static final String CM = "/api/v1/namespaces/" + NS + "/configmaps";
  private static final String DEPLOY = "/apis/apps/v1/namespaces/" + NS + "/deployments";
  private static final String POD = "/api/v1/namespaces/" + NS + "/pods";
  private static final String JSON = "application/json";
  private static final String YAML = "application/yaml";
  private static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
  private static final String JSON_PATCH = "application/json-patch+json";
  private static final String MERGE_PATCH = "application/merge-patch+json";
  private static final String SMP = "application/strategic-merge-patch+json";

  /** One request. {@code raw} marks paths java.net.URI would refuse; every request goes over its own TLS socket. */
  record Case(String category, String method, String path, String contentType, String accept, byte[] body,
      int expectedCode, boolean raw) {
    String describe() {
      String b = body == null ? "" : new String(body, 0, Math.min(body.length, 600), StandardCharsets.ISO_8859_1);
      return category + " " + method + " " + (path.length() > 200 ? path.substring(0, 200) + "..." : path)
          + " ct=" + contentType + " body(" + (body == null ? 0 : body.length) + ")=" + b.replaceAll("\\p{Cntrl}", "?");
    }
  }

  private final Random random = new Random(SEED);

  @Test
  void everyBadRequestGetsAStatusAndTheServerKeepsServing(@TempDir Path dir) throws Exception {
    try (ApiServerFixture server = ApiServerFixture.start(dir)) {
      HttpClient http = server.httpClient();
      Targets targets = createTargets(server, http);

      List<Case> cases = generate();
      assertThat(cases).hasSizeGreaterThanOrEqualTo(3_000);
      Map<String, Integer> perCategory = new TreeMap<>();
      for (Case c : cases) perCategory.merge(c.category(), 1, Integer::sum);

      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      SSLContext ssl = server.adminSslContext();
      long start = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (Case c : cases) {
          futures.add(pool.submit(() -> {
            // One TLS connection per request with hard socket timeouts: a hang is then always
            // reported (the JDK client was seen waiting forever past its request timeout).
            Answer a = sendRaw(ssl, server.port(), c);
            String problem = check(c, a);
            if (problem != null) {
              failures.add(problem + "\n    request: " + c.describe());
              if (failures.size() <= 100) {
                String f = failures.getLast();
                System.out.println("fuzz failure: " + f.substring(0, Math.min(f.length(), 200)).replace('\n', ' ')
                    + " || " + c.describe().substring(0, Math.min(c.describe().length(), 250)));
              }
            }
          }));
        }
        for (Future<?> f : futures) f.get(5, TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      System.out.println("fuzz: " + cases.size() + " requests in " + seconds + " s, by category " + perCategory);
      assertThat(failures).as("%d of %d requests were not answered with a 4xx Status:\n%s", failures.size(), cases.size(),
          String.join("\n", failures.subList(0, Math.min(40, failures.size())))).isEmpty();

      // Still ready, nothing changed by any rejected request, and still serving CRUD.
      HttpResponse<String> ready = http.send(request(server, "/readyz").GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      for (Map.Entry<String, String> e : targets.versions().entrySet()) {
        JsonNode now = getJson(http, server, e.getKey());
        assertThat(now.path("metadata").path("resourceVersion").asText()).as("unchanged %s", e.getKey()).isEqualTo(e.getValue());
      }
      ObjectNode cm = configMap("after-fuzz");
      assertThat(http.send(request(server, CM).header("Content-Type", JSON).POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(cm))).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
      assertThat(getJson(http, server, CM + "/after-fuzz").path("metadata").path("name").asText()).isEqualTo("after-fuzz");
      assertThat(http.send(request(server, CM + "/after-fuzz").DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }
  }

  // ---------------------------------------------------------------- checking

  record Answer(int code, String contentType, byte[] body, String error) {}

  private static String check(Case c, Answer a) {
    if (a.error() != null) return "no answer: " + a.error();
    String body = new String(a.body(), StandardCharsets.UTF_8);
    String snippet = body.length() > 300 ? body.substring(0, 300) + "..." : body;
    if (a.code() < 400 || a.code() >= 500) return "HTTP " + a.code() + ": " + snippet;
    if (c.expectedCode() > 0 && a.code() != c.expectedCode()) return "HTTP " + a.code() + ", expected " + c.expectedCode() + ": " + snippet;
    if (a.contentType() == null || !a.contentType().startsWith(JSON)) return "HTTP " + a.code() + " Content-Type " + a.contentType() + ": " + snippet;
    JsonNode status;
    try {
      status = Json.MAPPER.readTree(a.body());
    } catch (IOException e) {
      return "HTTP " + a.code() + " body is not JSON: " + snippet;
    }
    if (!"Status".equals(status.path("kind").asText()) || !"v1".equals(status.path("apiVersion").asText())
        || !"Failure".equals(status.path("status").asText()) || status.path("code").asInt() != a.code()
        || status.path("reason").asText("").isEmpty() || !status.path("message").isTextual()) {
      return "HTTP " + a.code() + " body is not a Failure Status with that code and a reason: " + snippet;
    }
    return null;
  }

  private static HttpRequest.Builder request(ApiServerFixture server, String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(REQUEST_TIMEOUT);
  }

  /** HTTP/1.1 over a TLS socket, written by hand: the path goes on the wire exactly as generated. */
  private static Answer sendRaw(SSLContext ssl, int port, Case c) {
    try (SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout((int) (c.path().contains("watch") ? WATCH_TIMEOUT : REQUEST_TIMEOUT).toMillis());
      socket.setSSLParameters(withAlpn(socket));
      StringBuilder head = new StringBuilder(c.method()).append(' ').append(c.path()).append(" HTTP/1.1\r\n")
          .append("Host: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
      if (c.contentType() != null) head.append("Content-Type: ").append(c.contentType()).append("\r\n");
      if (c.accept() != null) head.append("Accept: ").append(c.accept()).append("\r\n");
      head.append("Content-Length: ").append(c.body() == null ? 0 : c.body().length).append("\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      try {
        if (c.body() != null) out.write(c.body());
        out.flush();
      } catch (IOException e) {
        // The server stopped reading (an oversized body): its answer is already on the way back.
      }
      return parseResponse(socket.getInputStream());
    } catch (IOException e) {
      return new Answer(0, null, new byte[0], e.toString());
    }
  }

  private static javax.net.ssl.SSLParameters withAlpn(SSLSocket socket) {
    javax.net.ssl.SSLParameters p = socket.getSSLParameters();
    p.setApplicationProtocols(new String[] {"http/1.1"});
    return p;
  }

  private static Answer parseResponse(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) > 0; ) all.write(buf, 0, n);
    byte[] bytes = all.toByteArray();
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) throw new IOException("no complete response head: " + text);
    String[] lines = text.substring(0, end).split("\r\n");
    int code = Integer.parseInt(lines[0].split(" ")[1]);
    String contentType = null;
    boolean chunked = false;
    for (String l : lines) {
      String lower = l.toLowerCase();
      if (lower.startsWith("content-type:")) contentType = l.substring(13).trim();
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
    }
    byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
    if (chunked) body = dechunk(body);
    return new Answer(code, contentType, body, null);
  }

  private static byte[] dechunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String s = new String(chunked, StandardCharsets.ISO_8859_1);
    int i = 0;
    while (i < s.length()) {
      int eol = s.indexOf("\r\n", i);
      if (eol < 0) break;
      int size = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
      if (size == 0) break;
      out.write(chunked, eol + 2, size);
      i = eol + 2 + size + 2;
    }
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- the objects fuzzed against

  /** The objects requests aim at, with their resourceVersions before the fuzzing. */
  record Targets(Map<String, String> versions) {}

  private Targets createTargets(ApiServerFixture server, HttpClient http) throws Exception {
    post(http, server, "/api/v1/namespaces", Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Namespace")
        .set("metadata", Json.MAPPER.createObjectNode().put("name", NS)));
    Map<String, String> versions = new TreeMap<>();
    versions.put(CM + "/target", post(http, server, CM, configMap("target")));
    versions.put(DEPLOY + "/target", post(http, server, DEPLOY, deployment("target")));
    versions.put(POD + "/target", post(http, server, POD, pod("target")));
    versions.put("/api/v1/namespaces/" + NS, getJson(http, server, "/api/v1/namespaces/" + NS)
        .path("metadata").path("resourceVersion").asText());
    return new Targets(versions);
  }

  private static String post(HttpClient http, ApiServerFixture server, String path, ObjectNode body) throws Exception {
    HttpResponse<byte[]> r = http.send(request(server, path).header("Content-Type", JSON)
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as("create %s: %s", path, new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    return Json.MAPPER.readTree(r.body()).path("metadata").path("resourceVersion").asText();
  }

  private static JsonNode getJson(HttpClient http, ApiServerFixture server, String path) throws Exception {
    HttpResponse<byte[]> r = http.send(request(server, path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  private static ObjectNode configMap(String name) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
    o.putObject("metadata").put("name", name).put("namespace", NS).putObject("labels").put("app", "fuzz");
    o.putObject("data").put("key", "value").put("other", "x");
    return o;
  }

  private static ObjectNode podSpec() {
    ObjectNode spec = Json.MAPPER.createObjectNode();
    ObjectNode c = spec.putArray("containers").addObject().put("name", "main").put("image", "busybox:1.36");
    c.putArray("command").add("sleep").add("3600");
    c.putArray("ports").addObject().put("containerPort", 8080).put("protocol", "TCP");
    return spec;
  }

  private static ObjectNode pod(String name) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    o.putObject("metadata").put("name", name).put("namespace", NS).putObject("labels").put("app", "fuzz");
    o.set("spec", podSpec());
    return o;
  }

  private static ObjectNode deployment(String name) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("apiVersion", "apps/v1").put("kind", "Deployment");
    o.putObject("metadata").put("name", name).put("namespace", NS);
    ObjectNode spec = o.putObject("spec").put("replicas", 2);
    spec.putObject("selector").putObject("matchLabels").put("app", "fuzz");
    ObjectNode template = spec.putObject("template");
    template.putObject("metadata").putObject("labels").put("app", "fuzz");
    template.set("spec", podSpec());
    return o;
  }

  // ---------------------------------------------------------------- generation

  private List<Case> generate() {
    List<Supplier<Case>> kinds = List.of(
        this::truncatedJson, this::truncatedJson, this::deepJson, this::wrongType, this::wrongType, this::wrongType,
        this::hugeBody, this::protobuf, this::protobuf, this::labelSelector, this::fieldSelector, this::pathTrick,
        this::pathTrick, this::queryParam, this::queryParam, this::badPatch, this::badPatch, this::badPatch,
        this::wrongMethod, this::badMediaType, this::badDelete, this::badYaml, this::invalidObject);
    List<Case> cases = new ArrayList<>();
    while (cases.size() < CASES) cases.add(kinds.get(random.nextInt(kinds.size())).get());
    return cases;
  }

  private <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  private Case json(String category, String method, String path, byte[] body, int expected) {
    return new Case(category, method, path, JSON, null, body, expected, false);
  }

  /** A valid object of a random kind with the path it is created at. */
  private Map.Entry<String, ObjectNode> anyObject(String name) {
    return switch (random.nextInt(3)) {
      case 0 -> Map.entry(CM, configMap(name));
      case 1 -> Map.entry(DEPLOY, deployment(name));
      default -> Map.entry(POD, pod(name));
    };
  }

  private String fresh() {
    return "f" + Long.toHexString(random.nextLong() & 0xffffffffffL);
  }

  private Case truncatedJson() {
    var o = anyObject(fresh());
    byte[] full = Json.bytes(o.getValue());
    // Compact JSON of an object ends with its closing brace, so every proper prefix is incomplete.
    byte[] cut = java.util.Arrays.copyOf(full, 1 + random.nextInt(full.length - 1));
    if (random.nextBoolean()) return json("truncated-json", "POST", o.getKey(), cut, 400);
    return json("truncated-json", "PUT", o.getKey() + "/target", cut, 400);
  }

  private Case deepJson() {
    int depth = random.nextBoolean() ? 100_000 : 1_000 + random.nextInt(20_000);
    StringBuilder s = new StringBuilder(depth * 6);
    String open = random.nextBoolean() ? "[" : "{\"a\":";
    String close = open.equals("[") ? "]" : "}";
    for (int i = 0; i < depth; i++) s.append(open);
    s.append("1");
    for (int i = 0; i < depth; i++) s.append(close);
    String nested = s.toString();
    return switch (random.nextInt(4)) {
      case 0 -> json("deep-json", "POST", CM, nested.getBytes(StandardCharsets.UTF_8), 400);
      case 1 -> json("deep-json", "POST", CM, ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\","
          + "\"annotations\":{\"a\":" + nested + "}}}").getBytes(StandardCharsets.UTF_8), 400);
      case 2 -> new Case("deep-json", "PATCH", CM + "/target", pick(List.of(MERGE_PATCH, SMP)), null,
          ("{\"metadata\":{\"annotations\":" + nested + "}}").getBytes(StandardCharsets.UTF_8), 400, false);
      default -> new Case("deep-json", "PATCH", POD + "/target", JSON_PATCH, null,
          ("[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":" + nested + "}]").getBytes(StandardCharsets.UTF_8),
          400, false);
    };
  }

  /** A JSON value of the wrong type for a field, which Kubernetes' decoder refuses. */
  private Case wrongType() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    boolean update = random.nextInt(4) == 0;
    var o = anyObject(update ? "target" : fresh());
    ObjectNode obj = o.getValue();
    List<Runnable> mutations = new ArrayList<>(List.of(
        () -> obj.put("metadata", "not-an-object"),
        () -> obj.set("metadata", f.arrayNode().add(1)),
        () -> ((ObjectNode) obj.get("metadata")).put("name", 12345),
        () -> ((ObjectNode) obj.get("metadata")).set("labels", f.arrayNode().add("a=b")),
        () -> ((ObjectNode) obj.get("metadata")).put("labels", 7),
        () -> ((ObjectNode) obj.get("metadata")).set("labels", f.objectNode().put("app", 5)),
        () -> ((ObjectNode) obj.get("metadata")).set("annotations", f.objectNode().set("a", f.objectNode())),
        () -> ((ObjectNode) obj.get("metadata")).put("generation", "one"),
        () -> ((ObjectNode) obj.get("metadata")).put("creationTimestamp", "yesterday"),
        () -> ((ObjectNode) obj.get("metadata")).set("finalizers", f.objectNode()),
        () -> ((ObjectNode) obj.get("metadata")).set("ownerReferences", f.arrayNode().add("x"))));
    if (o.getKey().equals(CM)) {
      mutations.add(() -> obj.set("data", f.arrayNode().add("a")));
      mutations.add(() -> obj.set("data", f.objectNode().put("k", 5)));
      mutations.add(() -> obj.set("data", f.objectNode().set("k", f.objectNode())));
      mutations.add(() -> obj.set("binaryData", f.objectNode().put("k", "not base64 !!")));
      mutations.add(() -> obj.put("immutable", "yes"));
    } else {
      ObjectNode spec = (ObjectNode) obj.get("spec");
      ObjectNode podSpec = o.getKey().equals(DEPLOY) ? (ObjectNode) spec.get("template").get("spec") : spec;
      ObjectNode container = (ObjectNode) podSpec.get("containers").get(0);
      mutations.add(() -> obj.set("spec", f.arrayNode()));
      mutations.add(() -> obj.put("spec", true));
      mutations.add(() -> podSpec.set("containers", f.objectNode().put("name", "x")));
      mutations.add(() -> podSpec.put("containers", "busybox"));
      mutations.add(() -> container.put("image", 42));
      mutations.add(() -> container.put("command", "sleep 3600"));
      mutations.add(() -> ((ObjectNode) container.get("ports").get(0)).put("containerPort", "http"));
      mutations.add(() -> ((ObjectNode) container.get("ports").get(0)).put("containerPort", 1.5));
      mutations.add(() -> ((ObjectNode) container.get("ports").get(0)).put("containerPort", 99999999999L));
      mutations.add(() -> podSpec.put("terminationGracePeriodSeconds", "soon"));
      mutations.add(() -> podSpec.put("hostNetwork", "yes"));
      if (o.getKey().equals(DEPLOY)) {
        mutations.add(() -> spec.put("replicas", "three"));
        mutations.add(() -> spec.set("replicas", f.arrayNode().add(3)));
        mutations.add(() -> spec.put("selector", "app=fuzz"));
        mutations.add(() -> ((ObjectNode) spec.get("selector")).put("matchLabels", "app"));
        mutations.add(() -> spec.set("strategy", f.objectNode().put("rollingUpdate", 1)));
      }
    }
    mutations.add(() -> obj.put("kind", 5));
    mutations.add(() -> obj.set("apiVersion", f.objectNode()));
    pick(mutations).run();
    if (update) return json("wrong-type", "PUT", o.getKey() + "/target", Json.bytes(obj), 400);
    return json("wrong-type", "POST", o.getKey(), Json.bytes(obj), 400);
  }

  /** Objects that decode but fail Kubernetes' validation: 422 Invalid. */
  private Case invalidObject() {
    var o = anyObject(fresh());
    ObjectNode obj = o.getValue();
    ObjectNode meta = (ObjectNode) obj.get("metadata");
    String longName = "a".repeat(254 + random.nextInt(5000));
    List<Runnable> mutations = new ArrayList<>(List.of(
        () -> meta.put("name", "Upper_Case"),
        () -> meta.put("name", longName),
        () -> meta.put("name", "-leading"),
        () -> meta.remove("name"),
        () -> meta.put("name", ".."),
        () -> ((ObjectNode) meta.with("labels")).put("bad key!", "v"),
        () -> ((ObjectNode) meta.with("labels")).put("app", "x".repeat(64)),
        () -> ((ObjectNode) meta.with("labels")).put("a/b/c", "v"),
        () -> ((ObjectNode) meta.with("annotations")).put("k", "v".repeat(256 * 1024 + 1)),
        () -> meta.put("generateName", "Bad_")));
    if (!o.getKey().equals(CM)) {
      ObjectNode spec = (ObjectNode) obj.get("spec");
      ObjectNode podSpec = o.getKey().equals(DEPLOY) ? (ObjectNode) spec.get("template").get("spec") : spec;
      mutations.add(() -> podSpec.putArray("containers"));
      mutations.add(() -> ((ObjectNode) podSpec.get("containers").get(0)).remove("image"));
      mutations.add(() -> ((ObjectNode) podSpec.get("containers").get(0)).put("name", "Bad Name"));
      mutations.add(() -> ((ObjectNode) podSpec.get("containers").get(0).get("ports").get(0)).put("containerPort", 70000));
      mutations.add(() -> podSpec.put("restartPolicy", "Sometimes"));
      mutations.add(() -> ((ArrayNode) podSpec.get("containers")).add(podSpec.get("containers").get(0).deepCopy()));
      if (o.getKey().equals(DEPLOY)) {
        mutations.add(() -> spec.put("replicas", -1));
        mutations.add(() -> ((ObjectNode) spec.get("template").get("metadata").get("labels")).put("app", "other"));
        mutations.add(() -> spec.remove("selector"));
      }
    } else {
      mutations.add(() -> obj.with("data").put("bad key!", "v"));
    }
    pick(mutations).run();
    if (meta.path("name").asText().equals("..")) return json("invalid-object", "POST", o.getKey(), Json.bytes(obj), 0);
    return json("invalid-object", "POST", o.getKey(), Json.bytes(obj), 422);
  }

  private Case hugeBody() {
    int kind = random.nextInt(4);
    if (kind == 0) {
      // Over the 3 MiB request limit.
      int size = MAX_BODY + 1 + random.nextInt(512 * 1024);
      ObjectNode cm = configMap(fresh());
      cm.with("data").put("big", "x".repeat(size));
      // Over a raw socket: the server answers before reading the whole body and closes the
      // connection, and the JDK client can then wait forever for an answer it never reads.
      return new Case("huge-body", "POST", CM, JSON, null, Json.bytes(cm), 413, true);
    }
    if (kind == 1) {
      // Declares and sends a body over the limit that is not even JSON.
      byte[] junk = new byte[MAX_BODY + 1 + random.nextInt(1024)];
      random.nextBytes(junk);
      return new Case("huge-body", pick(List.of("POST", "PUT", "PATCH")), CM + "/target", JSON, null, junk, 413, true);
    }
    if (kind == 2) {
      // A body under the request limit whose object is over the 1.5 MiB storage limit, in a field
      // without a size rule of its own (a ConfigMap's data is limited to 1 MiB by validation: 422).
      ObjectNode d = deployment(fresh());
      ((ArrayNode) d.at("/spec/template/spec/containers/0/command")).add("y".repeat(1536 * 1024 + random.nextInt(1024 * 1024)));
      return json("huge-object", "POST", DEPLOY, Json.bytes(d), 413);
    }
    // A huge string where a short one belongs: a label selector value and a 1 MiB resource name.
    String big = "z".repeat(1024 * 1024);
    return json("huge-name", "POST", CM, Json.bytes(configMap(big)), 422);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void field(ByteArrayOutputStream out, int number, byte[] value) {
    varint(out, ((long) number << 3) | 2);
    varint(out, value.length);
    out.writeBytes(value);
  }

  /** runtime.Unknown: typeMeta (1: apiVersion, 2: kind), raw (2), contentEncoding (3), contentType (4). */
  private static byte[] unknown(String apiVersion, String kind, byte[] raw, String contentEncoding) {
    ByteArrayOutputStream typeMeta = new ByteArrayOutputStream();
    field(typeMeta, 1, apiVersion.getBytes(StandardCharsets.UTF_8));
    field(typeMeta, 2, kind.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'k', '8', 's', 0});
    field(out, 1, typeMeta.toByteArray());
    field(out, 2, raw);
    if (contentEncoding != null) field(out, 3, contentEncoding.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private Case protobuf() {
    byte[] junk = new byte[1 + random.nextInt(2048)];
    random.nextBytes(junk);
    byte[] body = switch (random.nextInt(8)) {
      // No magic prefix: random bytes, or JSON sent as protobuf.
      case 0 -> junk[0] == 'k' ? ("x" + new String(junk, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1) : junk;
      case 1 -> Json.bytes(configMap(fresh()));
      // The magic prefix and then garbage, or nothing at all.
      case 2 -> concat(new byte[] {'k', '8', 's', 0}, junk);
      case 3 -> new byte[] {'k', '8', 's', 0};
      case 4 -> java.util.Arrays.copyOf(new byte[] {'k', '8', 's', 0}, random.nextInt(4));
      // A well-formed envelope around a garbage or truncated object.
      case 5 -> unknown("v1", "ConfigMap", junk, null);
      case 6 -> unknown(pick(List.of("v1", "v9", "nope/v1", "")), pick(List.of("Nope", "", "ConfigMap\u0000")), new byte[0], null);
      default -> {
        // A length that runs past the end of the message, or a varint that never ends.
        byte[] u = unknown("v1", "ConfigMap", new byte[] {0x0a, 0x7f, 0x01}, random.nextBoolean() ? "gzip" : null);
        if (random.nextBoolean()) yield concat(u, new byte[] {(byte) 0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        yield u;
      }
    };
    String path = random.nextBoolean() ? CM : CM + "/target";
    return new Case("protobuf", path.endsWith("target") ? "PUT" : "POST", path, PROTOBUF, null, body, 400, false);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private String key() {
    return pick(List.of("app", "tier", "a.b/c", "k8s.io/x", "x"));
  }

  private Case labelSelector() {
    String k = key();
    String selector = pick(List.<Supplier<String>>of(
        () -> k + " in (",
        () -> k + " in (a,,b",
        () -> k + " notin",
        () -> k + " in a,b",
        () -> "!!" + k,
        () -> "=" + k,
        () -> k + "=a=b",
        () -> k + "!",
        () -> k + " = " + "-bad-",
        () -> k + "=" + "v".repeat(64),
        () -> "k".repeat(64) + "=v",
        () -> "a/b/c=v",
        () -> "bad key=v",
        () -> k + "@=v",
        () -> k + " exists",
        () -> k + ">x",
        () -> k + " in (" + "v,".repeat(1 + random.nextInt(5)) + ")x",
        () -> "(" + k + ")",
        () -> k + "=v," + ",")).get();
    String path = random.nextBoolean() ? CM : "/api/v1/pods";
    String watch = random.nextInt(4) == 0 ? "&watch=true" : "";
    return new Case("label-selector", "GET", path + "?labelSelector=" + enc(selector) + watch, null, null, null, 400, false);
  }

  private Case fieldSelector() {
    String selector = pick(List.of("spec.nodeName=x", "data.key=value", "metadata.name", "metadata.name in (a,b)",
        "=x", "metadata.labels.app=x", "status.phase", "metadata.name=a,bogus",
        "..=x"));
    String watch = random.nextInt(4) == 0 ? "&watch=true" : "";
    String path = selector.startsWith("spec.nodeName") ? CM : pick(List.of(CM, DEPLOY));
    return new Case("field-selector", "GET", path + "?fieldSelector=" + enc(selector) + watch, null, null, null, 400, false);
  }

  private Case pathTrick() {
    // Raw cases go on the wire byte for byte; the others go through java.net.URI, which must accept them.
    List<String[]> raw = List.of(
        new String[] {CM + "/%zz"}, new String[] {CM + "/%"}, new String[] {"/api/v1/namespaces/%2"},
        new String[] {"/api/v1/namespaces/" + NS + "/configmaps/a%00b"}, new String[] {CM + "/target/%2e%2e/%2e%2e"},
        new String[] {"/api/v1/namespaces/" + NS + "/configmaps/" + "x".repeat(1 + random.nextInt(3000))},
        new String[] {CM + "?labelSelector=%zz"}, new String[] {CM + "/target?resourceVersion=%"});
    if (random.nextInt(5) == 0) {
      return new Case("path-raw", pick(List.of("GET", "DELETE", "PUT")), pick(raw)[0], JSON, null,
          "{}".getBytes(StandardCharsets.UTF_8), 0, true);
    }
    String path = pick(List.of(
        CM + "/../secrets", CM + "/..", "/api/v1/namespaces/" + NS + "/./configmaps", "//api/v1/namespaces",
        "/api//v1/namespaces", CM + "//target", CM + "/%2e%2e", "/apis/nope.example.com/v1/things",
        "/apis/nope.example.com/v1", "/apis/apps/v9/deployments", "/apis/apps/v9", "/api/v2/namespaces", "/api/v2",
        "/api/v1/nonexistents", "/api/v1/namespaces/" + NS + "/nonexistents/x", DEPLOY + "/target/nosuchsub",
        CM + "/target/status", CM + "/target/scale", "/api/v1/namespaces/" + NS + "/configmaps/target/a/b/c",
        "/apis/apps/v1/namespaces/" + NS + "/configmaps", "/api/v1/deployments", "/api/v1/namespaces/" + NS + "/namespaces",
        "/api/v1/configmaps/target", "/api/v1/namespaces/" + NS + "/nodes/x", "/apis", "/apis/", "/nope",
        "/api/v1/namespaces/" + NS + "/configmaps/nonexistent", "/api/v1/namespaces/no-such-ns/configmaps/x",
        "/api/v1/watch/namespaces/" + NS + "/configmaps/target/extra", "/api/v1/namespaces/" + NS + "/pods/target/nosuch",
        "/apis/apps/v1/namespaces/" + NS + "/deployments/target/scale/extra", "/.well-known/nothing", "/openapi/v9"));
    // Discovery paths exist for GET; use a verb they do not serve.
    boolean existsForGet = path.equals("/apis") || path.equals("/apis/");
    String method = existsForGet ? pick(List.of("POST", "PUT", "PATCH")) : pick(List.of("GET", "GET", "DELETE", "PUT", "PATCH"));
    if (path.equals("/api/v1/configmaps/target")) method = "GET";
    byte[] body = method.equals("GET") || method.equals("DELETE") ? null : Json.bytes(configMap("target"));
    String ct = method.equals("PATCH") ? MERGE_PATCH : JSON;
    return new Case("path-trick", method, path, body == null ? null : ct, null, body, 0, false);
  }

  private Case queryParam() {
    String[][] options = {
        {CM, "limit=abc"}, {CM, "limit=1.5"}, {CM, "limit=" + "9".repeat(30)}, {CM, "resourceVersion=-1"},
        {CM, "resourceVersion=abc"}, {CM, "resourceVersion=1.0"}, {CM, "resourceVersion=1&resourceVersionMatch=Bogus", "any"},
        {CM, "resourceVersionMatch=Exact", "any"}, {CM, "resourceVersionMatch=NotOlderThan", "any"}, {CM, "continue=%21%21%21"},
        {CM, "continue=eyJ2IjoiZ3ViZXJuYXRvci92MSJ9"}, {CM, "limit=1&continue=abc&resourceVersion=5", "any"},
        {CM, "watch=true&resourceVersion=abc"}, {CM, "watch=true&resourceVersion=-1"},
        {CM, "watch=true&timeoutSeconds=x"}, {CM, "watch=true&timeoutSeconds=1.5"},
        {CM + "/target", "watch=true&resourceVersion=-5"}, {"/api/v1/watch/namespaces/" + NS + "/configmaps", "resourceVersion=xyz"},
        {"/api/v1/watch/namespaces/" + NS + "/configmaps", "timeoutSeconds=soon"},
        {CM, "watch=true&sendInitialEvents=true"}, {CM, "watch=true&resourceVersion=1&resourceVersionMatch=Bogus", "any"},
        {CM, "labelSelector=app&limit=x"}, {CM + "/target", "resourceVersion=abc"}};
    String[] o = options[random.nextInt(options.length)];
    // Kubernetes answers ListOptions validation errors with 422 and undecodable parameters with 400.
    int expected = o.length > 2 ? 0 : o[1].contains("sendInitialEvents") ? 422 : 400;
    return new Case("query", "GET", o[0] + "?" + o[1], null, null, null, expected, false);
  }

  private Case badPatch() {
    String target = pick(List.of(CM, DEPLOY, POD)) + "/target";
    String type = pick(List.of(JSON_PATCH, MERGE_PATCH, SMP));
    List<String> bodies = new ArrayList<>(List.of("", "{", "[", "\"text\"", "12", "true", "{\"a\":}", "{\"a\" 1}"));
    int expected = 0;
    if (type.equals(JSON_PATCH)) {
      bodies.addAll(List.of("{}", "{\"op\":\"add\"}", "[{\"op\":\"nope\",\"path\":\"/metadata/labels\"}]",
          "[{\"op\":\"add\"}]", "[{\"path\":\"/metadata\"}]", "[1,2,3]", "[{\"op\":\"remove\",\"path\":\"/metadata/labels/nosuch\"}]",
          "[{\"op\":\"replace\",\"path\":\"/no/such/path\",\"value\":1}]",
          "[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"other\"}]",
          "[{\"op\":\"add\",\"path\":\"metadata\",\"value\":1}]",
          "[{\"op\":\"move\",\"from\":\"/nosuch\",\"path\":\"/metadata/x\"}]",
          "[{\"op\":\"copy\",\"from\":\"/metadata\",\"path\":\"/metadata/labels/x\"}]",
          "[{\"op\":\"add\",\"path\":\"/metadata/finalizers/99\",\"value\":\"x\"}]",
          "[{\"op\":\"replace\",\"path\":\"/metadata/name\",\"value\":\"renamed\"}]",
          "[{\"op\":\"replace\",\"path\":\"/metadata\",\"value\":\"str\"}]",
          "[{\"op\":\"replace\",\"path\":\"/kind\",\"value\":\"Secret\"}]",
          "[{\"op\":\"replace\",\"path\":\"/metadata/labels\",\"value\":[1]}]",
          "[{\"op\":\"remove\",\"path\":\"\"}]",
          "[{\"op\":\"add\",\"path\":\"/metadata/labels/bad key!\",\"value\":\"v\"}]"));
    } else {
      bodies.addAll(List.of("[]", "[{\"a\":1}]", "{\"metadata\":\"str\"}", "{\"metadata\":{\"labels\":[1]}}",
          "{\"metadata\":{\"labels\":{\"app\":5}}}", "{\"metadata\":{\"name\":\"renamed\"}}",
          "{\"metadata\":{\"labels\":{\"bad key!\":\"v\"}}}", "{\"kind\":\"Secret\"}", "{\"apiVersion\":\"v9\"}",
          "{\"metadata\":{\"resourceVersion\":\"1\"}}", "{\"metadata\":{\"uid\":\"other\"}}"));
      if (!target.startsWith(CM)) {
        bodies.addAll(List.of("{\"spec\":[]}", "{\"spec\":\"x\"}"));
        // Only fields the type has: an unknown field would be dropped and the patch would succeed.
        if (target.startsWith(POD)) bodies.add("{\"spec\":{\"containers\":{\"a\":1}}}");
        if (target.startsWith(DEPLOY)) {
          bodies.addAll(List.of("{\"spec\":{\"replicas\":\"two\"}}", "{\"spec\":{\"replicas\":-3}}",
              "{\"spec\":{\"template\":{\"spec\":{\"containers\":\"x\"}}}}"));
        }
      } else {
        bodies.addAll(List.of("{\"data\":[]}", "{\"data\":{\"k\":1}}", "{\"data\":\"x\"}"));
      }
      if (type.equals(SMP)) {
        bodies.addAll(List.of("{\"$patch\":\"bogus\"}", "{\"metadata\":{\"labels\":{\"$patch\":\"nonsense\"}}}"));
        if (target.startsWith(POD)) {
          bodies.addAll(List.of("{\"spec\":{\"containers\":[{\"image\":\"no-merge-key\"}]}}",
              "{\"spec\":{\"containers\":[{\"name\":\"main\",\"$patch\":\"unknown\"}]}}",
              "{\"spec\":{\"containers\":[1,2]}}"));
        }
      }
    }
    byte[] body = pick(bodies).getBytes(StandardCharsets.UTF_8);
    return new Case("patch " + type.substring(12), "PATCH", target, type, null, body, expected, false);
  }

  private Case wrongMethod() {
    String[][] options = {
        {"PUT", CM}, {"PATCH", CM}, {"POST", CM + "/target"}, {"POST", DEPLOY + "/target"}, {"PUT", "/api/v1/namespaces"},
        {"PATCH", "/api/v1/pods"}, {"POST", "/api/v1/pods"}, {"DELETE", "/api/v1/pods"}, {"FOO", CM}, {"FROB", CM + "/target"},
        {"TRACE", CM}, {"POST", "/api/v1/watch/namespaces/" + NS + "/configmaps"}, {"DELETE", "/api/v1/watch/namespaces/" + NS + "/configmaps"},
        {"POST", "/version"}, {"DELETE", "/api"}, {"PUT", "/apis/apps/v1"}, {"POST", "/openapi/v2"},
        {"DELETE", "/healthz"}, {"POST", "/metrics"}, {"PUT", DEPLOY + "/target/scale/"}, {"POST", DEPLOY + "/target/status"}};
    String[] o = options[random.nextInt(options.length)];
    byte[] body = o[0].equals("DELETE") || o[0].equals("TRACE") ? null : Json.bytes(configMap("target"));
    String path = o[1].endsWith("/") ? o[1].substring(0, o[1].length() - 1) : o[1];
    return new Case("wrong-method", o[0], path, body == null ? null : JSON, null, body, 0, false);
  }

  private Case badMediaType() {
    byte[] body = Json.bytes(configMap(fresh()));
    return switch (random.nextInt(4)) {
      case 0 -> new Case("media-type", "POST", CM, pick(List.of("text/plain", "application/xml", "image/png",
          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/cbor")), null, body, 415, false);
      case 1 -> new Case("media-type", "POST", CM, JSON, pick(List.of("application/xml", "text/html", "image/*",
          "application/vnd.nope")), body, 406, false);
      case 2 -> new Case("media-type", "PATCH", CM + "/target", pick(List.of(JSON, "text/plain", "application/patch")), null,
          "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}".getBytes(StandardCharsets.UTF_8), 415, false);
      default -> new Case("media-type", "GET", CM + "/target", null, pick(List.of("application/xml", "text/csv")), null, 406, false);
    };
  }

  private Case badDelete() {
    return switch (random.nextInt(6)) {
      case 0 -> new Case("delete", "DELETE", CM + "/target?propagationPolicy=" + pick(List.of("Bogus", "orphan", "foreground")), null,
          null, null, 0, false);
      case 1 -> new Case("delete", "DELETE", CM + "/target?gracePeriodSeconds=" + pick(List.of("x", "1.5", "soon")), null,
          null, null, 400, false);
      case 2 -> new Case("delete", "DELETE", DEPLOY + "/target", JSON, null,
          pick(List.of("{", "[]", "\"x\"", "{\"gracePeriodSeconds\":\"x\"}", "{\"propagationPolicy\":5}",
              "{\"preconditions\":\"x\"}", "{\"dryRun\":\"All\"}")).getBytes(StandardCharsets.UTF_8), 400, false);
      case 3 -> new Case("delete", "DELETE", POD + "/target", JSON, null,
          "{\"preconditions\":{\"uid\":\"00000000-0000-0000-0000-000000000000\"}}".getBytes(StandardCharsets.UTF_8), 409, false);
      case 4 -> new Case("delete", "DELETE", CM + "/target", JSON, null,
          "{\"preconditions\":{\"resourceVersion\":\"1\"}}".getBytes(StandardCharsets.UTF_8), 409, false);
      default -> new Case("delete", "DELETE", CM + "/target?dryRun=" + pick(List.of("Some", "true", "all")), null, null, null,
          400, false);
    };
  }

  private Case badYaml() {
    String body = switch (random.nextInt(5)) {
      case 0 -> "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n";
      case 1 -> "apiVersion: v1\nkind: ConfigMap\nmetadata: \"x\"\n";
      case 2 -> {
        // Aliases that expand exponentially (a "billion laughs" document).
        StringBuilder s = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'j'; c++) {
          s.append(c).append(": &").append(c).append(" [");
          for (int i = 0; i < 9; i++) s.append(i == 0 ? "" : ",").append('*').append(prev);
          s.append("]\n");
          prev = c;
        }
        yield "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\ndata:\n  " + s.toString().replace("\n", "\n  ");
      }
      case 3 -> "[".repeat(50_000 + random.nextInt(50_000));
      default -> "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n\tdata: tab\n";
    };
    return new Case("yaml", "POST", CM, pick(List.of(YAML, "application/x-yaml", "text/yaml")), null,
        body.getBytes(StandardCharsets.UTF_8), 400, false);
  }
}
