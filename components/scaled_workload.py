"""ScaledGatewayWorkload: the gateway workload with its autoscaler, as a component of its own.

The workload (namespace, identity, config, secrets, Deployment, Service, PDB, NetworkPolicies), the
HorizontalPodAutoscaler that owns its replica count, the headroom's placeholder pods when
scaling.headroomReplicas asks for them, and, given a load balancer's target group, the
TargetGroupBinding that puts the pods behind it. Gateway makes the same parts through
:func:`scaled_parts` (with its own load balancer and alarms around them); this component is for a
program that composes the pieces itself (examples/yaml-blocks).

No ``from __future__ import annotations``: Pulumi's component analyzer reads the annotations of
the component and its args as real types (components/package_schema.py).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Required, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from .autoscaling import GatewayAutoscaler, RequestTrigger
from .cluster import _provider as kubernetes_provider
from .cluster import given_provider
from .gateway import GatewayWorkload, WorkloadContext
from .gateway_cluster import ClusterInput
from .headroom import GatewayHeadroom
from .kube import object_name, object_namespace
from .labels import recommended_labels
from .load_balancer import READINESS_GATE_LABEL, target_group_binding
from .names import check_names
from .sections import GatewaySection, ScalingSection
from .settings import (
    Problem,
    ScalingSettings,
    SettingsError,
    StackSettings,
    shutdown_behind_alb_problems,
    validated,
)

TYPE_TOKEN = "runmcp:index:ScaledGatewayWorkload"


@dataclass(frozen=True)
class ScaledParts:
    workload: GatewayWorkload
    autoscaler: GatewayAutoscaler
    headroom: GatewayHeadroom | None
    in_cluster_url: pulumi.Output[str]
    """http://<service>.<namespace>.svc.cluster.local:<port>/mcp"""


def scaled_parts(
    name: str,
    settings: StackSettings,
    context: WorkloadContext,
    in_cluster: pulumi.ResourceOptions,
    *,
    requests: RequestTrigger | None = None,
) -> ScaledParts:
    """The workload, its autoscaler and its headroom, named after ``name`` (Gateway's children and
    ScaledGatewayWorkload's have the same names, so the same objects)."""
    gateway, scaling = settings.gateway, settings.scaling
    workload = GatewayWorkload(f"{name}-gateway", gateway, context, opts=in_cluster)
    autoscaler = GatewayAutoscaler(
        f"{name}-autoscaling",
        scaling,
        workload.deployment,
        labels=recommended_labels(context.instance, gateway.image, component="autoscaling"),
        opts=in_cluster,
        requests=requests,
    )
    headroom = None
    if scaling.headroom_replicas:
        headroom = GatewayHeadroom(
            f"{name}-headroom",
            replicas=scaling.headroom_replicas,
            requests={"cpu": gateway.resources.requests.cpu, "memory": gateway.resources.requests.memory},
            namespace=workload.namespace,
            namespace_name=gateway.namespace,
            instance=context.instance,
            opts=in_cluster,
        )
    url = pulumi.Output.concat(
        "http://", workload.service_name, ".", workload.namespace, ".svc.cluster.local:", str(gateway.port), "/mcp"
    )
    return ScaledParts(workload, autoscaler, headroom, url)


class ScaledGatewayWorkloadArgs(TypedDict, total=False):
    """The gateway workload's settings, its autoscaler's, the cluster it runs on, and the target
    group it is bound to (if any)."""

    cluster: Required[ClusterInput]
    """The cluster it runs on: a GatewayCluster's `handle` (its kubeconfig and Kubernetes version;
    the gateways on one cluster may not share a name or a namespace)."""
    gateway: Required[GatewaySection]
    """The workload: image (required), name, namespace, port, healthPath, resources, probes,
    shutdown, env, secretEnv, openapiSpecs, networkPolicy, ..."""
    scaling: ScalingSection
    """The HorizontalPodAutoscaler: minReplicas, maxReplicas, targetCpuUtilization, scaleUp,
    scaleDown, headroomReplicas, ..."""
    target_group_arn: pulumi.Input[str]
    """A load balancer's target group (GatewayLoadBalancer's targetGroupArn): the pods are bound to
    it before the first one starts, with readiness gates, and their shutdown must suit an ALB."""
    instance: str
    """Names this installation (labels); default: the stack name."""


class ScaledGatewayWorkload(pulumi.ComponentResource):
    """The hardened RunMCP gateway workload with the HorizontalPodAutoscaler that owns its replica
    count: namespace under Pod Security restricted, Deployment, Service, PodDisruptionBudget,
    NetworkPolicies, headroom pods, and the TargetGroupBinding to a load balancer's target group."""

    namespace: pulumi.Output[str]
    """Namespace of the gateway's objects."""
    service_name: pulumi.Output[str]
    """The gateway's Service (CloudWatch's Service dimension: GatewayAlarms' serviceName)."""
    deployment_name: pulumi.Output[str]
    """The gateway's Deployment."""
    hpa_name: pulumi.Output[str]
    """The HorizontalPodAutoscaler scaling the Deployment."""
    in_cluster_url: pulumi.Output[str]
    """The MCP endpoint inside the cluster (http://<service>.<namespace>.svc.cluster.local:<port>/mcp)."""
    if TYPE_CHECKING:  # Python only (the analyzer reads the class's annotations as outputs)
        workload: GatewayWorkload
        autoscaler: GatewayAutoscaler
        binding: k8s.apiextensions.CustomResource | None

    def __init__(self, name: str, args: ScaledGatewayWorkloadArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        from .gateway_service import received_handle  # one way to take a handle, shared with Gateway

        instance = args.get("instance") or pulumi.get_stack()
        check_names(TYPE_TOKEN, name, instance)
        source = f"{TYPE_TOKEN} {name}"
        handle = received_handle(args["cluster"], source)
        # The one model for the gateway's rules and those across it and its cluster (capacity);
        # the load balancer is another component's, so only what binding to it asks of the pods.
        scaling_in: ScalingSection = args.get("scaling") or ScalingSettings()
        asked = (
            scaling_in.requests_per_replica is not None
            if isinstance(scaling_in, ScalingSettings)
            else any(k in scaling_in for k in ("requests_per_replica", "requestsPerReplica"))
        )
        if asked:
            # KEDA's trigger reads the load balancer's target group and waits for the cluster's KEDA: Gateway's.
            raise SettingsError(
                source,
                [
                    Problem(
                        "scaling.requestsPerReplica",
                        "request-based scaling (KEDA) is made by Gateway, which has the load balancer's target "
                        "group; ScaledGatewayWorkload scales on CPU and memory",
                    )
                ],
            )
        sections: dict[str, object] = {"gateway": args.get("gateway"), "scaling": scaling_in}
        settings = validated(
            StackSettings, {**sections, "load_balancer": {"kind": "none"}, "cluster": handle.settings}, source
        )
        target_group_arn = args.get("target_group_arn")
        if target_group_arn is not None:
            problems = shutdown_behind_alb_problems(settings.gateway.shutdown)
            if problems := [Problem(f"gateway.shutdown.{p.key}", p.message) for p in problems]:
                raise SettingsError(source, problems)
        given = given_provider(opts, "kubernetes") if handle.provider is None else None
        if handle.provider is None and given is None and handle.kubeconfig is None:
            raise SettingsError(
                source,
                [Problem("cluster.kubeconfig", "is unset (an existing cluster): pass a kubernetes provider in opts")],
            )
        handle.claim(name, settings.gateway.namespace)
        super().__init__(TYPE_TOKEN, name, None, opts)
        provider = handle.provider or given or kubernetes_provider(f"{name}-k8s", self, handle.kubeconfig)
        in_cluster = pulumi.ResourceOptions(parent=self, providers={"kubernetes": provider})
        gateway = settings.gateway
        wait_for = list(handle.controller_ready) if target_group_arn is not None else []
        self.binding = None

        def bind(service: k8s.core.v1.Service) -> list[pulumi.Resource]:
            """Declared before the pods: the controller injects readiness gates only into pods
            created while a binding names their Service (see Gateway)."""
            if target_group_arn is None:
                return []
            self.binding = target_group_binding(
                f"{name}-target-group-binding",
                target_group_arn=target_group_arn,
                service_name=object_name(service),
                namespace=object_namespace(service),
                port=gateway.port,
                labels=recommended_labels(instance, gateway.image, component="load-balancer"),
                opts=pulumi.ResourceOptions(
                    parent=self, providers={"kubernetes": provider}, depends_on=[*wait_for, service]
                ),
            )
            return [self.binding]

        parts = scaled_parts(
            name,
            settings,
            WorkloadContext(
                instance=instance,
                kubernetes_version=handle.kubernetes_version,
                namespace_labels=READINESS_GATE_LABEL if target_group_arn is not None else {},
                wait_for=wait_for,
                before_pods=bind,
            ),
            in_cluster,
        )
        self.workload, self.autoscaler = parts.workload, parts.autoscaler
        self.namespace = parts.workload.namespace
        self.service_name = parts.workload.service_name
        self.deployment_name = parts.workload.deployment_name
        self.hpa_name = parts.autoscaler.hpa_name
        self.in_cluster_url = parts.in_cluster_url
        self.register_outputs(
            {
                "namespace": self.namespace,
                "serviceName": self.service_name,
                "deploymentName": self.deployment_name,
                "hpaName": self.hpa_name,
                "inClusterUrl": self.in_cluster_url,
            }
        )
