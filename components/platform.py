"""GatewayPlatform: everything one environment needs, composed from the components.

No ``from __future__ import annotations`` here: Pulumi's component analyzer reads the annotations of
GatewayPlatform and its args as real types to generate the package schema other languages use.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_camel

from .alarms import AlarmTargets, GatewayAlarms
from .args import (
    AlarmSettingsArgs,
    ClusterSettingsArgs,
    GatewaySettingsArgs,
    LoadBalancerSettingsArgs,
    ScalingSettingsArgs,
)
from .autoscaling import GatewayAutoscaler
from .cluster import EksCluster, ExistingCluster, given_provider
from .gateway import GatewayWorkload, WorkloadContext
from .iam import AwsAccount
from .kube import object_name, object_namespace, system_namespace
from .labels import recommended_labels
from .load_balancer import (
    READINESS_GATE_LABEL,
    GatewayLoadBalancer,
    LoadBalancerController,
    Placement,
    target_group_binding,
)
from .names import PLATFORM_NAME_LIMIT, component_name_problem
from .node_autoscaling import ClusterAutoscaler
from .settings import PROJECT, LoadBalancerSettings, StackSettings, load_settings

TYPE_TOKEN = "runmcp:index:GatewayPlatform"


class GatewayPlatformArgs(TypedDict, total=False):
    """The settings of one environment: the sections of a stack file's runmcp-gateway namespace,
    typed at every depth (components/args.py, generated from the settings model) and validated by
    that model before any resource is registered."""

    gateway: Required[GatewaySettingsArgs]
    """The gateway workload: image (required), port, args, env, secretEnv, healthPath, resources, ..."""
    scaling: ScalingSettingsArgs
    """The HorizontalPodAutoscaler: minReplicas, maxReplicas, targetCpuUtilization, ..."""
    cluster: ClusterSettingsArgs
    """eks (a cluster made here, the default) or existing (a kubeconfig), and kubernetesVersion."""
    load_balancer: LoadBalancerSettingsArgs
    """The Application Load Balancer: kind, scheme, domain, certificateArn, tlsPolicy, ..."""
    alarms: AlarmSettingsArgs
    """CloudWatch alarms: emails, httpsEndpoints, existingTopicArns, thresholds, ..."""
    instance: str
    """Names this installation (labels, tags, the cluster and dashboard names); default: the stack name."""


SETTINGS_KEYS = ("gateway", "scaling", "cluster", "load_balancer", "alarms")


def platform_args(settings: StackSettings, instance: str | None = None) -> GatewayPlatformArgs:
    """Already validated settings as GatewayPlatform's args (secret values stay SecretStr)."""
    dumped = settings.model_dump(mode="python", exclude_unset=True)
    args: dict[str, Any] = {key: dumped[key] for key in SETTINGS_KEYS if key in dumped}
    if instance is not None:
        args["instance"] = instance
    return args  # type: ignore[return-value]


def settings_from_args(args: Mapping[str, Any], source: str) -> StackSettings:
    """Validate a component's args with the settings model; errors name ``source`` and the key.

    Settings that may come from another resource (ids, ARNs, kubeconfigs, secrets: see
    components/outputs.py) take Outputs, validated when they resolve; an Output anywhere else is
    refused here, naming its key."""
    config = {f"{PROJECT}:{to_camel(k)}": v for k, v in args.items() if k != "instance"}
    return load_settings(config, source=source, needs_region=False)


def check_names(name: str, instance: Any) -> None:
    """Refuse, before anything is registered, a component name or instance AWS names cannot carry
    (they become parts of the cluster, dashboard, S3 bucket and ELB names, and of Kubernetes labels)."""
    for what, value in (("name", name), ("instance", instance)):
        if not isinstance(value, str):
            raise pulumi.RunError(
                f"{TYPE_TOKEN} {name}: the {what} is {type(value).__name__}, not text known when the program "
                "runs (it becomes part of resource names, which Pulumi needs before anything is made)"
            )
        problem = component_name_problem(value, PLATFORM_NAME_LIMIT)
        if problem is not None:
            raise pulumi.RunError(
                f"{TYPE_TOKEN} {name}: the {what} {problem}; "
                + ("for a stack named otherwise, pass instance" if what == "instance" else "choose another name")
            )


def aws_tags(instance: str) -> dict[str, str]:
    """Tags on every AWS resource: which project and stack own it (names are auto-generated)."""
    return {"project": PROJECT, "stack": instance, "managed-by": "pulumi"}


class GatewayPlatform(pulumi.ComponentResource):
    """The RunMCP gateway for one environment on AWS: an EKS cluster (or an existing one), the
    hardened and autoscaled gateway, an Application Load Balancer, and CloudWatch alarms."""

    namespace: pulumi.Output[str]
    """Namespace of the gateway's objects."""
    service_name: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    hpa_name: pulumi.Output[str]
    in_cluster_url: pulumi.Output[str]
    """The MCP endpoint inside the cluster (http://<service>.<namespace>.svc.cluster.local:<port>/mcp)."""
    cluster_name: pulumi.Output[str | None]
    """The EKS cluster's name (unset for an existing cluster)."""
    kubeconfig: pulumi.Output[str | None]
    """A kubeconfig for the made cluster, using `aws eks get-token` (a secret)."""
    url: pulumi.Output[str | None]
    """The gateway's MCP endpoint behind the load balancer (unset with loadBalancer.kind: none)."""
    alb_dns_name: pulumi.Output[str | None]
    alb_arn_suffix: pulumi.Output[str | None]
    target_group_arn_suffix: pulumi.Output[str | None]
    alarm_topic_arn: pulumi.Output[str | None]
    """The SNS topic every alarm notifies (unset with alarms off)."""

    def __init__(
        self,
        name: str,
        args: GatewayPlatformArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        instance = args.get("instance") or pulumi.get_stack()
        check_names(name, instance)
        settings = settings_from_args(args, f"{TYPE_TOKEN} {name}")
        super().__init__(TYPE_TOKEN, name, None, opts)
        for advisory in settings.advisories():
            pulumi.log.warn(advisory, resource=self)
        child = pulumi.ResourceOptions(parent=self)
        tags = aws_tags(instance)
        account = AwsAccount(parent=self)
        cluster: EksCluster | ExistingCluster
        eks = settings.cluster.provisioned
        version = settings.cluster.kubernetes_version
        if eks is None:
            assert settings.cluster.existing is not None
            cluster = ExistingCluster(
                f"{name}-cluster",
                settings.cluster.existing,
                version,
                # A caller's opts.providers={"kubernetes": ...} names the cluster.
                given=given_provider(opts, "kubernetes"),
                opts=child,
            )
        else:
            cluster = EksCluster(
                f"{name}-cluster",
                eks,
                version,
                cluster_name=eks.name or f"{name}-{instance}",
                tags=tags,
                account=account,
                opts=child,
            )
        in_cluster = pulumi.ResourceOptions(parent=self, providers={"kubernetes": cluster.provider})
        lb_settings = settings.load_balancer
        autoscale_nodes = eks is not None and eks.cluster_autoscaler.enabled
        install_controller = lb_settings.kind == "alb" and lb_settings.controller.install
        # The controllers hold AWS permissions: they run in a namespace of their own under Pod
        # Security restricted (kube-system cannot enforce it).
        controllers_namespace: pulumi.Input[str] = ""
        if autoscale_nodes or install_controller:
            controllers_namespace = object_name(
                system_namespace(
                    f"{name}-controllers-namespace",
                    version,
                    recommended_labels(instance, settings.gateway.image, component="controllers"),
                    in_cluster,
                )
            )
        if autoscale_nodes:
            assert isinstance(cluster, EksCluster)
            assert eks is not None
            ClusterAutoscaler(
                f"{name}-cluster-autoscaler",
                eks.cluster_autoscaler,
                cluster_name=cluster.cluster_name,
                node_groups=list(cluster.node_groups.values()),
                kubernetes_version=version,
                account=account,
                namespace=controllers_namespace,
                tags=tags,
                opts=in_cluster,
            )
        self.cluster_name = pulumi.Output.from_input(cluster.cluster_name)
        self.kubeconfig = pulumi.Output.from_input(cluster.kubeconfig)

        gateway = settings.gateway
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
                tags=tags,
                account=account,
                opts=child,
            )
            if install_controller:
                controller = LoadBalancerController(
                    f"{name}-load-balancer-controller",
                    lb_settings.controller,
                    cluster_name=target.cluster_name,
                    region=account.region,
                    vpc_id=target.placement.vpc_id,
                    target_groups=load_balancer.target_groups,
                    namespace=controllers_namespace,
                    tags=tags,
                    opts=in_cluster,
                )
                wait_for.append(controller.release)

        def bind(service: k8s.core.v1.Service) -> list[pulumi.Resource]:
            """The TargetGroupBinding, declared before the gateway's pods: the controller injects
            readiness gates only into pods created while a binding names their Service. It waits
            for the listeners: until one uses the target group its targets are Target.NotInUse and
            the pods' readiness gates stay false (in prod the HTTPS listener waits for the
            certificate's DNS validation)."""
            if load_balancer is None:
                return []
            binding = target_group_binding(
                f"{name}-target-group-binding",
                target_group_arn=load_balancer.target_group.arn,
                service_name=object_name(service),
                namespace=object_namespace(service),
                port=gateway.port,
                labels=recommended_labels(instance, gateway.image, component="load-balancer"),
                opts=pulumi.ResourceOptions(
                    parent=load_balancer,
                    providers={"kubernetes": cluster.provider},
                    depends_on=[*wait_for, *load_balancer.listeners, service],
                ),
            )
            return [binding]

        workload = GatewayWorkload(
            f"{name}-gateway",
            gateway,
            WorkloadContext(
                instance=instance,
                kubernetes_version=cluster.kubernetes_version,
                namespace_labels=READINESS_GATE_LABEL if load_balancer is not None else {},
                wait_for=wait_for,
                before_pods=bind,
            ),
            opts=in_cluster,
        )
        self.load_balancer: GatewayLoadBalancer | None = load_balancer

        alarm_cluster: pulumi.Input[str] | None = (
            cluster.cluster_name if isinstance(cluster, EksCluster) else settings.alarms.container_insights_cluster_name
        )
        self.alarms: GatewayAlarms | None = None
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
                pod_has_memory_limit=True,
            )
            self.alarms = GatewayAlarms(
                f"{name}-alarms",
                settings.alarms,
                targets,
                dashboard_name=f"{name}-{instance}",
                tags=tags,
                account=account,
                opts=child,
            )
        autoscaler = GatewayAutoscaler(
            f"{name}-autoscaling",
            settings.scaling,
            workload.deployment,
            labels=recommended_labels(instance, gateway.image, component="autoscaling"),
            opts=in_cluster,
        )
        self.namespace = workload.namespace
        self.service_name = workload.service_name
        self.deployment_name = workload.deployment_name
        self.hpa_name = autoscaler.hpa_name
        self.in_cluster_url = pulumi.Output.concat(
            "http://", workload.service_name, ".", workload.namespace, ".svc.cluster.local:", str(gateway.port), "/mcp"
        )
        lb = self.load_balancer
        self.url = pulumi.Output.from_input(lb.url if lb is not None else None)
        self.alb_dns_name = pulumi.Output.from_input(lb.dns_name if lb is not None else None)
        self.alb_arn_suffix = pulumi.Output.from_input(lb.arn_suffix if lb is not None else None)
        self.target_group_arn_suffix = pulumi.Output.from_input(lb.target_group_arn_suffix if lb is not None else None)
        self.alarm_topic_arn = pulumi.Output.from_input(self.alarms.topic.arn if self.alarms is not None else None)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "serviceName": self.service_name,
                "deploymentName": self.deployment_name,
                "hpaName": self.hpa_name,
                "inClusterUrl": self.in_cluster_url,
                "clusterName": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "url": self.url,
                "albDnsName": self.alb_dns_name,
                "albArnSuffix": self.alb_arn_suffix,
                "targetGroupArnSuffix": self.target_group_arn_suffix,
                "alarmTopicArn": self.alarm_topic_arn,
            }
        )


@dataclass(frozen=True)
class _Target:
    placement: Placement
    cluster_name: pulumi.Input[str]


def _load_balancer_target(cluster: EksCluster | ExistingCluster, settings: LoadBalancerSettings) -> "_Target":
    """Where the load balancer goes: the made cluster's VPC and node security group, or what the
    settings name for an existing cluster."""
    if isinstance(cluster, EksCluster):
        network = cluster.network
        subnets = network.public_subnet_ids if settings.scheme == "internet-facing" else network.private_subnet_ids
        node_group = cluster.cluster.vpc_config.apply(lambda c: c.cluster_security_group_id or "")
        return _Target(Placement(network.vpc_id, subnets, node_group), cluster.cluster_name)
    existing = settings.existing_cluster
    assert existing is not None  # settings refuse an ALB on an existing cluster without it
    placement = Placement(existing.vpc_id, existing.subnet_ids, existing.target_security_group_id)
    return _Target(placement, existing.cluster_name)
