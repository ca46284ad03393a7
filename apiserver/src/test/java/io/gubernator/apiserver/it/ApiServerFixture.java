package io.gubernator.apiserver.it;

import io.gubernator.apiserver.ApiServer;
import io.gubernator.apiserver.ApiServerConfig;
import io.gubernator.apiserver.pki.Pki;
import io.gubernator.store.Store;
import io.gubernator.store.Stores;
import java.io.IOException;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An API server running in this JVM on 127.0.0.1 with the embedded store under a temporary data
 * directory, and clients that authenticate with the admin client certificate, as the launcher's
 * kubeconfig does. {@link #restart()} stops the server and the store and starts both again on the
 * same data directory and port, so clients built before the restart keep working after it.
 */
public final class ApiServerFixture implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

  /** Prepares a data directory before the server first starts on it (a token file, say). */
  @FunctionalInterface
  public interface Preparation {
    void prepare(Path dataDir) throws Exception;
  }

  private Path dataDir;
  private Preparation preparation;
  private final List<AutoCloseable> clients = new ArrayList<>();
  private HttpClient plainClient;
  private Pki pki;
  private Store store;
  private ApiServer server;
  private int port;
  private Path kubeconfig;

  private ApiServerFixture(Path dataDir) {
    this.dataDir = dataDir == null ? null : dataDir.toAbsolutePath();
  }

  /**
   * One server for a whole test class, in a temporary data directory of its own, started before the
   * class's {@code @BeforeAll} methods and closed after its {@code @AfterAll} ones:
   * {@code @RegisterExtension static final ApiServerFixture server = ApiServerFixture.perClass();}
   */
  public static ApiServerFixture perClass() {
    return perClass(dir -> { });
  }

  public static ApiServerFixture perClass(Preparation preparation) {
    ApiServerFixture f = new ApiServerFixture(null);
    f.preparation = preparation;
    return f;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dataDir = Files.createTempDirectory("gubernator-it").toAbsolutePath();
    preparation.prepare(dataDir);
    startFirst();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    close();
    try (var paths = Files.walk(dataDir)) {
      for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
    }
  }

  /** Starts a server on a free port with {@code dataDir} as its data directory. */
  public static ApiServerFixture start(Path dataDir) throws Exception {
    ApiServerFixture f = new ApiServerFixture(dataDir);
    f.startFirst();
    return f;
  }

  /** The first start on a free port, with the admin kubeconfig written; closed again if it fails. */
  private void startFirst() throws Exception {
    try {
      startServer(0);
      kubeconfig = dataDir.resolve("kubeconfig.yaml");
      Files.writeString(kubeconfig, kubeconfigYaml());
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  private void startServer(int requestedPort) throws Exception {
    // The same SANs on every start, so the serving certificate is kept and clients keep trusting it.
    pki = Pki.loadOrCreate(dataDir.resolve("tls"), List.of("localhost"), List.of("127.0.0.1"));
    String endpoint = "embedded://" + dataDir.resolve("store");
    store = Stores.open(endpoint);
    ApiServerConfig config = new ApiServerConfig("127.0.0.1", requestedPort, dataDir, endpoint,
        ApiServerConfig.DEFAULT_SERVICE_CIDR, null);
    server = new ApiServer(config, store, pki);
    server.start();
    port = server.port();
  }

  /** Stops the server and closes the store, then opens both again on the same directory and port. */
  public void restart() throws Exception {
    stopServer();
    startServer(port);
  }

  /** Stops the server and the store, leaving the data directory as it is (for a later {@link #startAgain()}). */
  public void stopServer() {
    if (server != null) server.close();
    if (store != null) store.close();
    server = null;
    store = null;
  }

  /** Starts again after {@link #stopServer()} on the same data directory and port. */
  public void startAgain() throws Exception {
    startServer(port);
  }

  /**
   * Runs {@code action} on the store of the data directory while the server is down: a change
   * made here reaches clients only if they re-list, as after a restore from a backup.
   */
  public void withStoppedStore(java.util.function.Consumer<Store> action) {
    if (server != null) throw new IllegalStateException("stop the server first");
    try (Store s = Stores.open("embedded://" + dataDir.resolve("store"))) {
      action.accept(s);
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "https://127.0.0.1:" + port;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public Store store() {
    return store;
  }

  /** An admin kubeconfig with the certificates inline, the shape the launcher writes. */
  public String kubeconfigYaml() {
    return pki.adminKubeconfig(url(), "default");
  }

  /** A fabric8 client from the admin kubeconfig; closed with the fixture. */
  public io.fabric8.kubernetes.client.KubernetesClient fabric8() {
    io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(kubeconfigYaml());
    // Fail fast instead of retrying for long while the server is restarted on purpose.
    config.setRequestRetryBackoffLimit(3);
    config.setRequestTimeout(30_000);
    io.fabric8.kubernetes.client.KubernetesClient c =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build();
    clients.add(c);
    return c;
  }

  /** The official Kubernetes Java client from the admin kubeconfig. */
  public io.kubernetes.client.openapi.ApiClient officialClient() throws IOException {
    return io.kubernetes.client.util.ClientBuilder
        .kubeconfig(io.kubernetes.client.util.KubeConfig.loadKubeConfig(new StringReader(kubeconfigYaml())))
        .build();
  }

  /** TLS context that trusts the cluster CA and presents the admin client certificate. */
  public SSLContext adminSslContext() throws GeneralSecurityException, IOException {
    char[] pass = "unused".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("admin", pki.admin().key(), pass,
        new Certificate[] {pki.admin().certificate(), pki.ca().certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, pass);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", pki.ca().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  /** A request to this server: {@code accept} as the Accept header, {@code json} (if any) as a JSON body. */
  public java.net.http.HttpRequest request(String method, String path, String accept, String json) {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url() + path)).header("Accept", accept);
    if (json != null) b.header("Content-Type", "application/json");
    return b.method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
        : java.net.http.HttpRequest.BodyPublishers.ofString(json)).build();
  }

  /** Sends {@code json} (if any) accepting JSON; the body as a string. */
  public java.net.http.HttpResponse<String> send(String method, String path, String json) throws Exception {
    return send(method, path, "application/json", json);
  }

  /** {@link #send(String, String, String)} with the JSON written in single quotes, for legibility in tests. */
  public java.net.http.HttpResponse<String> sendQuoted(String method, String path, String json) throws Exception {
    return send(method, path, json == null ? null : json.replace('\'', '"'));
  }

  /** A response body as JSON. */
  public static com.fasterxml.jackson.databind.JsonNode json(java.net.http.HttpResponse<String> response) {
    return io.gubernator.api.serialization.Json.parseObject(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Sends {@link #request} with a client of this fixture's own; the body as a string. */
  public java.net.http.HttpResponse<String> send(String method, String path, String accept, String json) throws Exception {
    if (plainClient == null) plainClient = httpClient();
    return plainClient.send(request(method, path, accept, json), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** A plain JDK HTTP client (HTTP/1.1) with the admin certificate; closed with the fixture. */
  public HttpClient httpClient() throws GeneralSecurityException, IOException {
    HttpClient c = HttpClient.newBuilder().sslContext(adminSslContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    clients.add(c);
    return c;
  }

  @Override
  public void close() {
    for (AutoCloseable c : clients.reversed()) {
      try {
        c.close();
      } catch (Exception ignored) {
        // Closing a client must not keep the server from being closed.
      }
    }
    clients.clear();
    plainClient = null;
    stopServer();
  }
}
