"""GatewayPlatform: everything one environment needs, composed from the components."""

from __future__ import annotations

import pulumi

from .autoscaling import GatewayAutoscaler
from .cluster import ExistingCluster
from .gateway import GatewayWorkload, WorkloadContext
from .labels import recommended_labels
from .settings import StackSettings


class GatewayPlatform(pulumi.ComponentResource):
    """The RunMCP gateway for one environment: cluster access, workload and autoscaling."""

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    hpa_name: pulumi.Output[str]
    in_cluster_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        instance: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("runmcp:index:GatewayPlatform", name, None, opts)
        cluster = ExistingCluster(f"{name}-cluster", settings.cluster, opts=pulumi.ResourceOptions(parent=self))
        in_cluster = pulumi.ResourceOptions(parent=self, providers={"kubernetes": cluster.provider})
        workload = GatewayWorkload(
            f"{name}-gateway",
            settings.gateway,
            WorkloadContext(instance=instance, kubernetes_version=cluster.kubernetes_version),
            opts=in_cluster,
        )
        autoscaler = GatewayAutoscaler(
            f"{name}-autoscaling",
            settings.scaling,
            workload.deployment,
            labels=recommended_labels(instance, settings.gateway.image, component="autoscaling"),
            opts=in_cluster,
        )
        self.namespace = workload.namespace
        self.service_name = workload.service_name
        self.deployment_name = workload.deployment_name
        self.hpa_name = autoscaler.hpa_name
        port = settings.gateway.port
        self.in_cluster_url = pulumi.Output.concat(
            "http://", workload.service_name, ".", workload.namespace, ".svc.cluster.local:", str(port), "/mcp"
        )
        self.register_outputs(
            {
                "namespace": self.namespace,
                "serviceName": self.service_name,
                "deploymentName": self.deployment_name,
                "hpaName": self.hpa_name,
                "inClusterUrl": self.in_cluster_url,
            }
        )
