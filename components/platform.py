"""GatewayPlatform: everything one environment needs, composed from the components."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .alarms import AlarmTargets, GatewayAlarms
from .autoscaling import GatewayAutoscaler
from .cluster import EksCluster, ExistingCluster
from .gateway import GatewayWorkload, WorkloadContext
from .labels import recommended_labels
from .load_balancer import (
    READINESS_GATE_LABEL,
    GatewayLoadBalancer,
    LoadBalancerController,
    Placement,
    target_group_binding,
)
from .node_autoscaling import ClusterAutoscaler
from .settings import PROJECT, LoadBalancerSettings, StackSettings


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
    url: pulumi.Output[str] | None
    """The gateway's MCP endpoint behind the load balancer (None with loadBalancer.kind: none)."""
    load_balancer: GatewayLoadBalancer | None
    alarms: GatewayAlarms | None

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

        gateway = settings.gateway
        lb_settings = settings.load_balancer
        load_balancer: GatewayLoadBalancer | None = None
        wait_for: list[pulumi.Resource] = []
        if lb_settings.kind == "alb":
            target = _load_balancer_target(cluster, lb_settings)
            load_balancer = GatewayLoadBalancer(
                f"{name}-load-balancer",
                lb_settings,
                placement=target.placement,
                port=gateway.port,
                health_path=gateway.health_path,
                shutdown=gateway.shutdown,
                tags=aws_tags(instance),
                opts=child,
            )
            if lb_settings.controller.install:
                controller = LoadBalancerController(
                    f"{name}-load-balancer-controller",
                    lb_settings.controller,
                    cluster_name=target.cluster_name,
                    region=target.region,
                    vpc_id=target.placement.vpc_id,
                    target_group_arn=load_balancer.target_group.arn,
                    opts=in_cluster,
                )
                wait_for.append(controller.release)
        workload = GatewayWorkload(
            f"{name}-gateway",
            gateway,
            WorkloadContext(
                instance=instance,
                kubernetes_version=cluster.kubernetes_version,
                namespace_labels=READINESS_GATE_LABEL if load_balancer is not None else {},
                wait_for=wait_for,
            ),
            opts=in_cluster,
        )
        self.url = None
        self.load_balancer = load_balancer
        if load_balancer is not None:
            target_group_binding(
                f"{name}-target-group-binding",
                target_group_arn=load_balancer.target_group.arn,
                service_name=workload.service_name,
                namespace=workload.namespace,
                port=gateway.port,
                labels=recommended_labels(instance, gateway.image, component="load-balancer"),
                opts=pulumi.ResourceOptions(
                    parent=load_balancer,
                    providers={"kubernetes": cluster.provider},
                    depends_on=[*wait_for, workload.service],
                ),
            )
            self.url = load_balancer.url

        alarm_cluster: pulumi.Input[str] | None = (
            cluster.cluster_name if isinstance(cluster, EksCluster) else settings.alarms.container_insights_cluster_name
        )
        self.alarms = None
        if settings.alarms.enabled and (load_balancer is not None or alarm_cluster is not None):
            targets = AlarmTargets(
                load_balancer=load_balancer.arn_suffix if load_balancer is not None else None,
                target_group=load_balancer.target_group_arn_suffix if load_balancer is not None else None,
                certificate_arn=load_balancer.certificate_arn if load_balancer is not None else None,
                cluster_name=alarm_cluster,
                namespace=workload.namespace,
                service=workload.service_name,
                min_replicas=settings.scaling.min_replicas,
                max_replicas=settings.scaling.max_replicas,
                pod_has_cpu_limit=gateway.resources.limits.cpu is not None,
                pod_has_memory_limit=True,
            )
            self.alarms = GatewayAlarms(
                f"{name}-alarms",
                settings.alarms,
                targets,
                dashboard_name=f"{name}-{instance}",
                tags=aws_tags(instance),
                opts=child,
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
                "url": self.url,
                "kubeconfig": self.kubeconfig,
            }
        )


@dataclass(frozen=True)
class _Target:
    placement: Placement
    cluster_name: pulumi.Input[str]
    region: str


def _load_balancer_target(cluster: EksCluster | ExistingCluster, settings: LoadBalancerSettings) -> _Target:
    """Where the load balancer goes: the made cluster's VPC and node security group, or what the
    settings name for an existing cluster."""
    if isinstance(cluster, EksCluster):
        network = cluster.network
        subnets = network.public_subnet_ids if settings.scheme == "internet-facing" else network.private_subnet_ids
        node_group = cluster.cluster.vpc_config.apply(lambda c: c.cluster_security_group_id or "")
        return _Target(Placement(network.vpc_id, subnets, node_group), cluster.cluster_name, cluster.region)
    existing = settings.existing_cluster
    assert existing is not None  # settings refuse an ALB on an existing cluster without it
    placement = Placement(existing.vpc_id, list(existing.subnet_ids), existing.target_security_group_id)
    return _Target(placement, existing.cluster_name, aws.get_region().region)
