"""GatewayPlatform: everything one environment needs, composed from the components."""

from __future__ import annotations

import pulumi

from .autoscaling import GatewayAutoscaler
from .cluster import EksCluster, ExistingCluster
from .gateway import GatewayWorkload, WorkloadContext
from .labels import recommended_labels
from .node_autoscaling import ClusterAutoscaler
from .settings import PROJECT, StackSettings


def aws_tags(instance: str) -> dict[str, str]:
    """Tags on every AWS resource: which project and stack own it (names are auto-generated)."""
    return {"project": PROJECT, "stack": instance, "managed-by": "pulumi"}


class GatewayPlatform(pulumi.ComponentResource):
    """The RunMCP gateway for one environment: cluster access, workload and autoscaling."""

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    hpa_name: pulumi.Output[str]
    in_cluster_url: pulumi.Output[str]
    cluster_name: pulumi.Output[str] | None
    kubeconfig: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        instance: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("runmcp:index:GatewayPlatform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster: EksCluster | ExistingCluster
        eks = settings.cluster.provisioned
        version = settings.cluster.kubernetes_version
        if eks is None:
            assert settings.cluster.existing is not None
            cluster = ExistingCluster(f"{name}-cluster", settings.cluster.existing, version, opts=child)
        else:
            cluster = EksCluster(
                f"{name}-cluster",
                eks,
                version,
                cluster_name=eks.name or f"{name}-{instance}",
                tags=aws_tags(instance),
                opts=child,
            )
            if eks.cluster_autoscaler.enabled:
                ClusterAutoscaler(
                    f"{name}-cluster-autoscaler",
                    eks.cluster_autoscaler,
                    cluster_name=cluster.cluster_name,
                    node_groups=list(cluster.node_groups.values()),
                    kubernetes_version=version,
                    partition=cluster.partition,
                    region=cluster.region,
                    account_id=cluster.account_id,
                    opts=pulumi.ResourceOptions(parent=self, providers={"kubernetes": cluster.provider}),
                )
        self.cluster_name = cluster.cluster_name
        self.kubeconfig = cluster.kubeconfig
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
                "clusterName": self.cluster_name,
                "kubeconfig": self.kubeconfig,
            }
        )
