package io.gubernator.controllers.serviceaccount;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' service-accounts controller: every active namespace has a {@code default}
 * ServiceAccount, re-created if someone deletes it. (Tokens come with the security issue.)
 */
public final class ServiceAccountsController implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountsController.class);
  static final String DEFAULT = "default";

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> namespaces;
  private final SharedIndexInformer<ServiceAccount> serviceAccounts;
  private final Controller controller;

  public ServiceAccountsController(KubernetesClient client, SharedIndexInformer<Namespace> namespaces,
      SharedIndexInformer<ServiceAccount> serviceAccounts, int workers) {
    this.client = client;
    this.namespaces = namespaces;
    this.serviceAccounts = serviceAccounts;
    this.controller = new Controller("serviceaccount", workers, this::sync);
    namespaces.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace ns) {
        controller.enqueue(ns.getMetadata().getName());
      }

      @Override
      public void onUpdate(Namespace old, Namespace ns) {
        controller.enqueue(ns.getMetadata().getName());
      }

      @Override
      public void onDelete(Namespace ns, boolean finalStateUnknown) {}
    });
    serviceAccounts.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ServiceAccount sa) {}

      @Override
      public void onUpdate(ServiceAccount old, ServiceAccount sa) {}

      @Override
      public void onDelete(ServiceAccount sa, boolean finalStateUnknown) {
        if (DEFAULT.equals(sa.getMetadata().getName())) controller.enqueue(sa.getMetadata().getNamespace());
      }
    });
  }

  public void start() {
    controller.start(List.of(namespaces, serviceAccounts));
  }

  void sync(String namespace) {
    Namespace ns = namespaces.getIndexer().getByKey(namespace);
    // A terminating namespace refuses new objects; nothing to do for it.
    if (ns == null || ns.getMetadata().getDeletionTimestamp() != null) return;
    if (serviceAccounts.getIndexer().getByKey(namespace + "/" + DEFAULT) != null) return;
    try {
      client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
          .withNewMetadata().withName(DEFAULT).withNamespace(namespace).endMetadata().build()).create();
      LOG.debug("created default service account: namespace={}", namespace);
    } catch (KubernetesClientException e) {
      // 409: the cache was behind; 403/404: the namespace went away meanwhile.
      if (e.getCode() != 409 && e.getCode() != 403 && e.getCode() != 404) throw e;
    }
  }

  @Override
  public void close() {
    controller.close();
  }
}
