"""The cluster the gateway runs on, and the Kubernetes provider every in-cluster resource uses.

For now: an existing cluster reached through a kubeconfig. Provisioning an EKS cluster comes
under the same settings key and yields the same thing: an explicit provider.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from .settings import ClusterSettings


class ExistingCluster(pulumi.ComponentResource):
    """A Kubernetes cluster that already exists; this component only builds the provider for it."""

    provider: k8s.Provider
    kubernetes_version: str

    def __init__(
        self,
        name: str,
        settings: ClusterSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("runmcp:index:ExistingCluster", name, None, opts)
        kubeconfig = (
            pulumi.Output.secret(settings.kubeconfig.get_secret_value()) if settings.kubeconfig is not None else None
        )
        self.kubernetes_version = settings.kubernetes_version
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            context=settings.context,
            # Server-side apply: the API server tracks field ownership, so Pulumi never fights the
            # HPA (or any other controller) over fields it does not set.
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"kubernetesVersion": self.kubernetes_version})
