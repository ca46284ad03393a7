package io.gubernator.client;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;

/**
 * A client whose collection reads (LIST and WATCH) ask the API server for the objects' metadata
 * only, as meta.k8s.io PartialObjectMetadata, the way Kubernetes' metadata informers do. Consumers
 * that look only at metadata across every resource — the garbage collector — then neither move
 * nor parse nor keep whole objects: a Pod's spec and status are most of its bytes.
 *
 * <p>Use it for informers only. Reads of single objects go through unchanged, but the objects an
 * informer of this client delivers hold metadata alone and must never be written back.
 */
public final class MetadataOnly {

  static final String LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
  static final String OBJECT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

  private MetadataOnly() {}

  /** A new client with the same configuration as {@code base}; close it when done. */
  public static KubernetesClient client(KubernetesClient base) {
    return new KubernetesClientBuilder().withConfig(base.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("metadata-only", new AcceptPartial()))
        .build();
  }

  /** Sets the Accept header of GETs on collections; a watch gets single objects, a list a list. */
  static final class AcceptPartial implements Interceptor {
    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      String accept = accept(request.method(), request.uri());
      if (accept != null) builder.setHeader("Accept", accept);
    }
  }

  /** The Accept header for a request, or null when it is not a collection read. */
  static String accept(String method, java.net.URI uri) {
    if (method != null && !method.equals("GET")) return null;
    if (!isCollection(uri.getRawPath())) return null;
    String query = uri.getRawQuery() == null ? "" : "&" + uri.getRawQuery() + "&";
    return query.contains("&watch=true&") || query.contains("&watch=1&") ? OBJECT : LIST;
  }

  /**
   * Whether a path names a collection: /api/v1/{plural}, /api/v1/namespaces/{ns}/{plural},
   * /apis/{group}/{version}/{plural} or the namespaced form of that (namespaces themselves included).
   */
  static boolean isCollection(String path) {
    String[] p = path.replaceAll("^/+|/+$", "").split("/");
    int base;
    if (p.length >= 2 && p[0].equals("api")) base = 2;
    else if (p.length >= 3 && p[0].equals("apis")) base = 3;
    else return false;
    int rest = p.length - base;
    if (rest == 1) return true;
    return rest == 3 && p[base].equals("namespaces");
  }
}
