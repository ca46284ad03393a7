package io.gubernator.kubelet.kuberuntime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.gubernator.client.EventRecorder;
import io.gubernator.kubelet.cri.RemoteRuntime;
import io.gubernator.kubelet.cri.v1.AuthConfig;
import io.gubernator.kubelet.cri.v1.Image;
import io.gubernator.kubelet.cri.v1.PodSandboxConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Makes sure a container's image is on the node, honouring {@code imagePullPolicy} and the pod's
 * {@code imagePullSecrets}, with the kubelet's events and its pull back-off.
 */
public final class ImageManager {

  /** Why an image is not available, as the container's waiting reason shows it. */
  public static final class ImageException extends Exception {
    private final String reason;
    private final Duration retryAfter;

    public ImageException(String reason, String message, Duration retryAfter) {
      super(message);
      this.reason = reason;
      this.retryAfter = retryAfter;
    }

    public String reason() {
      return reason;
    }

    /** When a pull may be tried again; null when only a spec change helps. */
    public Duration retryAfter() {
      return retryAfter;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final RemoteRuntime runtime;
  private final EventRecorder events;
  private final BiFunction<String, String, Secret> secrets;
  private final Backoff backoff = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5));

  public ImageManager(RemoteRuntime runtime, EventRecorder events, BiFunction<String, String, Secret> secrets) {
    this.runtime = runtime;
    this.events = events;
    this.secrets = secrets;
  }

  /** The image reference to create the container from. */
  public String ensure(Pod pod, Container container, PodSandboxConfig sandbox) throws ImageException {
    String image = container.getImage();
    String policy = container.getImagePullPolicy() == null ? "IfNotPresent" : container.getImagePullPolicy();
    Image present = runtime.imageStatus(image);
    if ("Never".equals(policy)) {
      if (present != null) return present.getId();
      String message = "Container image \"" + image + "\" is not present with pull policy of Never";
      events.event(pod, EventRecorder.WARNING, "ErrImageNeverPull", message);
      throw new ImageException("ErrImageNeverPull", message, null);
    }
    if ("IfNotPresent".equals(policy) && present != null) {
      events.event(pod, EventRecorder.NORMAL, "Pulled", "Container image \"" + image + "\" already present on machine");
      return present.getId();
    }
    String key = pod.getMetadata().getUid() + "/" + image;
    Duration wait = backoff.remainingSinceLast(key, Instant.now());
    if (!wait.isZero()) {
      String message = "Back-off pulling image \"" + image + "\"";
      events.event(pod, EventRecorder.NORMAL, "BackOff", message);
      events.event(pod, EventRecorder.WARNING, "Failed", "Error: ImagePullBackOff");
      throw new ImageException("ImagePullBackOff", message, wait);
    }
    events.event(pod, EventRecorder.NORMAL, "Pulling", "Pulling image \"" + image + "\"");
    long begin = System.nanoTime();
    try {
      String ref = runtime.pullImage(image, auth(pod, image), sandbox);
      long ms = (System.nanoTime() - begin) / 1_000_000;
      events.event(pod, EventRecorder.NORMAL, "Pulled", "Successfully pulled image \"" + image + "\" in " + ms + "ms");
      return ref;
    } catch (RuntimeException e) {
      backoff.next(key, Instant.now());
      String message = "Failed to pull image \"" + image + "\": " + e.getMessage();
      events.event(pod, EventRecorder.WARNING, "Failed", message);
      events.event(pod, EventRecorder.WARNING, "Failed", "Error: ErrImagePull");
      throw new ImageException("ErrImagePull", message, backoff.current(key));
    }
  }

  /** Credentials from the first pull secret with an entry for the image's registry, as the kubelet's keyring matches them. */
  AuthConfig auth(Pod pod, String image) {
    String registry = registryOf(image);
    for (LocalObjectReference ref : pod.getSpec().getImagePullSecrets()) {
      Secret s = secrets.apply(pod.getMetadata().getNamespace(), ref.getName());
      if (s == null || s.getData() == null) continue;
      String config = s.getData().get(".dockerconfigjson");
      if (config == null) config = s.getData().get(".dockercfg");
      if (config == null) continue;
      try {
        JsonNode root = JSON.readTree(EnvVars.decode(config));
        JsonNode auths = root.has("auths") ? root.get("auths") : root;
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!registry.equals(stripScheme(e.getKey()))) continue;
          JsonNode a = e.getValue();
          // No server_address: containerd parses it as a URL and would reject host:port (the kubelet leaves it empty too).
          AuthConfig.Builder b = AuthConfig.newBuilder();
          if (a.hasNonNull("username")) b.setUsername(a.get("username").asText());
          if (a.hasNonNull("password")) b.setPassword(a.get("password").asText());
          if (a.hasNonNull("auth")) b.setAuth(a.get("auth").asText());
          return b.build();
        }
      } catch (IOException | IllegalArgumentException e) {
        // A malformed pull secret is skipped, as the kubelet does; the pull then goes anonymous.
      }
    }
    return null;
  }

  static String stripScheme(String host) {
    String h = host.replaceFirst("^https?://", "");
    int slash = h.indexOf('/');
    return slash < 0 ? h : h.substring(0, slash);
  }

  /** The registry host of an image reference; Docker Hub for names without one. */
  static String registryOf(String image) {
    int slash = image.indexOf('/');
    if (slash < 0) return "docker.io";
    String first = image.substring(0, slash);
    if (first.contains(".") || first.contains(":") || first.equals("localhost")) return first;
    return "docker.io";
  }
}
