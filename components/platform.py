"""GatewayPlatform: everything one environment needs: one GatewayCluster (the cluster and what
its gateways share) and one Gateway on its handle. The stack file describes that one gateway; a
program with several gateways on one cluster uses the two components directly.

A stack's program builds it from the settings it has already parsed (:meth:`GatewayPlatform.from_settings`:
the stack file is validated once, where its errors can name the file); any other caller passes args,
validated by the same model before anything is registered.

The resources predate the split (they were this component's children): each part is given
``formerly_under=self``, and every moved resource keeps its URN through an alias.

No ``from __future__ import annotations`` here: Pulumi's component analyzer reads the annotations of
GatewayPlatform and its args as real types to generate the package schema other languages use.
"""

from collections.abc import Mapping
from typing import Any, Required, Self, TypedDict

import pulumi
import pulumi_aws as aws
from pydantic.alias_generators import to_camel

from .alarms import AVAILABILITY_ALARMS
from .args import (
    AlarmSettingsArgs,
    ClusterSettingsArgs,
    DrillSettingsArgs,
    GatewaySettingsArgs,
    LoadBalancerSettingsArgs,
    ScalingSettingsArgs,
    SessionStoreSettingsArgs,
)
from .cluster import given_provider
from .drills import GatewayDrills
from .gateway_cluster import GatewayCluster
from .gateway_service import Gateway, GatewayArgs
from .iam import AwsAccount
from .labels import aws_tags
from .names import check_names
from .settings import PROJECT, ClusterSettings, DrillSettings, StackSettings, installs_keda, load_settings
from .timeline import timeline
from .zonal_autoshift import zonal_autoshift

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
    drills: DrillSettingsArgs
    """The staging drills (AWS FIS) and their load generator: enabled, podLossPercent, load, ..."""
    session_store: SessionStoreSettingsArgs
    """Where the gateway keeps MCP sessions: kind valkey (made here) or existing; unset: none."""
    instance: str
    """Names this installation (labels, tags, the cluster and dashboard names); default: the stack name."""


SETTINGS_KEYS = ("gateway", "scaling", "cluster", "load_balancer", "alarms", "drills", "session_store")


def platform_args(settings: StackSettings, instance: str | None = None) -> GatewayPlatformArgs:
    """Already validated settings as GatewayPlatform's args (secret values stay SecretStr); the
    component validates them again. GatewayPlatform.from_settings takes them without that."""
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
        check_names(TYPE_TOKEN, name, instance)
        self._compose(name, settings_from_args(args, f"{TYPE_TOKEN} {name}"), instance, opts)

    @classmethod
    def from_settings(
        cls,
        name: str,
        settings: StackSettings,
        *,
        instance: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Self:
        """The platform of settings parsed already (load_settings, config.settings_from_pulumi, or
        StackSettings(...) / StackSettings.model_validate), taken as they are: parsing them again
        would repeat every check and could only find what the first parse found, and a stack file's
        problems are best named by the parse that read the file. Settings made without validation
        (model_construct, model_copy(update=...)) are not checked here: pass those as args instead.
        ``instance``: as the args' ``instance`` (default: the stack name)."""
        if not isinstance(settings, StackSettings):
            raise pulumi.RunError(
                f"{TYPE_TOKEN} {name}: from_settings takes a StackSettings, not {type(settings).__name__}; "
                "pass a mapping of settings as GatewayPlatform(name, args)"
            )
        instance = instance or pulumi.get_stack()
        check_names(TYPE_TOKEN, name, instance)
        # One construction path, _compose; __init__ is the args' way in, which validates them first.
        platform = cls.__new__(cls)
        platform._compose(name, settings, instance, opts)
        return platform

    def _compose(self, name: str, settings: StackSettings, instance: str, opts: pulumi.ResourceOptions | None) -> None:
        """Register the platform and its parts for validated settings."""
        super().__init__(TYPE_TOKEN, name, None, opts)
        for advisory in settings.advisories():
            pulumi.log.warn(advisory, resource=self)
        lb, alarms = settings.load_balancer, settings.alarms
        cluster = GatewayCluster(
            name,
            {
                # The cluster's autoshift waits for the gateway's alarms: made below.
                "cluster": _without_autoshift(settings.cluster),
                "load_balancer_controller": lb.controller.model_copy(
                    update={"install": lb.kind == "alb" and lb.controller.install}
                ),
                # Nothing to watch (no load balancer, no cluster name for Container Insights): no topic.
                "alarms": alarms.model_copy(update={"enabled": alarms.enabled and _watched(settings)}),
                # KEDA only for a gateway that scales on requests (and not on a cluster that runs it).
                **({"keda": settings.scaling.keda} if installs_keda(settings) else {}),
                "instance": instance,
            },
            # The parent (and so the providers) are this component's, but a kubernetes provider
            # the caller gave names an existing cluster.
            pulumi.ResourceOptions(parent=self, providers=_kubernetes_only(opts)),
            formerly_under=self,
        )
        gateway_args: GatewayArgs = {
            "cluster": cluster.handle,
            "gateway": settings.gateway,
            "scaling": settings.scaling,
            "load_balancer": lb,
            # The subscribers are the cluster's: its topic is the one every alarm notifies.
            "alarms": alarms.model_copy(update={k: [] for k in SUBSCRIBERS if getattr(alarms, k)}),
            "instance": instance,
        }
        if settings.session_store is not None:
            gateway_args["session_store"] = settings.session_store
        gateway = Gateway(name, gateway_args, pulumi.ResourceOptions(parent=self), formerly_under=self)
        self.drills = _drills(name, settings, instance, cluster, gateway, self)
        self.cluster_zonal_autoshift = _cluster_autoshift(name, settings, cluster, gateway, self)
        self.cluster_name = cluster.cluster_name
        self.kubeconfig = cluster.kubeconfig
        self.alarm_topic_arn = cluster.alarm_topic_arn
        self.load_balancer = gateway.load_balancer
        self.alarms = gateway.alarms
        self.namespace = gateway.namespace
        self.service_name = gateway.service_name
        self.deployment_name = gateway.deployment_name
        self.hpa_name = gateway.hpa_name
        self.in_cluster_url = gateway.in_cluster_url
        self.url = gateway.url
        self.alb_dns_name = gateway.alb_dns_name
        self.alb_arn_suffix = gateway.alb_arn_suffix
        self.target_group_arn_suffix = gateway.target_group_arn_suffix
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


def predicted_from_timeline(settings: StackSettings) -> DrillSettings:
    """The drills' settings, their predictions taken from the timeline the plan prints where it has a
    figure of the same meaning and the stack file sets none: replicas added within the worst case of a
    scale-out that needs a node, a lost node's pods serving again within its worst case. The report
    then holds each measurement against the figure the plan showed (one definition)."""
    drills = settings.drills
    figures = timeline(settings)
    derived = {
        "scale_out_seconds": figures.scale_out_new_node.worst,
        "node_loss_seconds": figures.node_loss.worst,
    }
    update = {
        key: max(MIN_PREDICTED_SECONDS, seconds)
        for key, seconds in derived.items()
        if seconds is not None and key not in drills.predicted.model_fields_set
    }
    return drills.model_copy(update={"predicted": drills.predicted.model_copy(update=update)})


MIN_PREDICTED_SECONDS = 30
"""settings/drills.py PredictedTimes: a prediction is at least 30 s (metrics arrive a minute apart)."""

STOP_ALARMS = AVAILABILITY_ALARMS
"""The availability alarms (components/alarms.py) whose ALARM state stops every drill."""


def _drills(
    name: str,
    settings: StackSettings,
    instance: str,
    cluster: GatewayCluster,
    gateway: Gateway,
    parent: pulumi.Resource,
) -> GatewayDrills | None:
    """The staging drills, where drills.enabled: they fail this stack's own pods, nodes and one zone
    (the settings refuse drills without a cluster and network made here, an ALB and alarms)."""
    if not settings.drills.enabled:
        return None
    eks = cluster.eks_cluster
    latency = settings.alarms.thresholds.latency_p99_seconds
    assert eks is not None
    assert gateway.alarms is not None
    assert settings.cluster.provisioned is not None
    assert latency is not None
    network = eks.network
    stops = [gateway.alarms.alarms[key] for key in STOP_ALARMS]
    vpc_cidr = settings.cluster.provisioned.network.cidr
    return GatewayDrills(
        f"{name}-drills",
        predicted_from_timeline(settings),
        cluster_name=eks.cluster_name,
        cluster_arn=eks.cluster.arn,
        namespace=settings.gateway.namespace,
        deployment_name=settings.gateway.name,
        node_group_arns=[group.arn for group in eks.node_groups.values()],
        # The zone-loss drill cuts off the first zone; every zone is as good as another.
        zone=network.zone_names[0],
        zone_subnet_arns=[network.private_subnets[0].arn],
        zones=network.zone_names,
        stop_alarm_arns=[alarm.arn for alarm in stops],
        stop_alarm_names=[alarm.name for alarm in stops],
        latency_p99_seconds=latency,
        gateway_url=gateway.url.apply(lambda url: url or ""),
        load_balancer_cidrs=["0.0.0.0/0"] if settings.load_balancer.scheme == "internet-facing" else [vpc_cidr],
        api_server_cidrs=[vpc_cidr],
        kubernetes_version=settings.cluster.kubernetes_version,
        account=AwsAccount(parent=parent),
        tags=aws_tags(instance),
        instance=instance,
        opts=pulumi.ResourceOptions(parent=parent, providers={"kubernetes": eks.provider}),
    )


def _without_autoshift(cluster: ClusterSettings) -> ClusterSettings:
    eks = cluster.provisioned
    if eks is None or not eks.zonal_autoshift:
        return cluster
    return cluster.model_copy(update={"eks": eks.model_copy(update={"zonal_autoshift": False})})


def _cluster_autoshift(
    name: str, settings: StackSettings, cluster: GatewayCluster, gateway: Gateway, parent: pulumi.Resource
) -> aws.arczonalshift.ZonalAutoshiftConfiguration | None:
    """The cluster's zonal autoshift, where cluster.eks.zonalAutoshift: its practice runs judged by
    the gateway's availability alarms (the settings refuse it without alarms and an ALB)."""
    eks = settings.cluster.provisioned
    if eks is None or not eks.zonal_autoshift:
        return None
    assert cluster.eks_cluster is not None
    assert gateway.alarms is not None
    return zonal_autoshift(
        f"{name}-cluster-zonal-autoshift",
        cluster.eks_cluster.cluster.arn,
        [gateway.alarms.alarms[key].arn for key in AVAILABILITY_ALARMS],
        pulumi.ResourceOptions(parent=parent),
    )


SUBSCRIBERS = ("emails", "https_endpoints", "existing_topic_arns")
"""Where the alarms go: the cluster part's topic and topics, which the gateway part's alarms notify too."""


def _watched(settings: StackSettings) -> bool:
    """Whether the alarms have anything to watch: a load balancer, or a cluster Container Insights
    reports under (a made one, or an existing one whose name is given)."""
    existing = settings.cluster.existing
    return settings.load_balancer.kind == "alb" or existing is None or existing.name is not None


def _kubernetes_only(opts: pulumi.ResourceOptions | None) -> dict[str, pulumi.ProviderResource]:
    found = given_provider(opts, "kubernetes")
    return {"kubernetes": found} if found is not None else {}
