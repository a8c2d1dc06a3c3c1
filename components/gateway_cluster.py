"""GatewayCluster: what every gateway on one cluster shares, made once.

The cluster (an EKS cluster made here, or an existing one), the controllers' namespace, the AWS
Load Balancer Controller, the node autoscaler, and the alarms on the nodes with the topic every
alarm notifies. It hands a :class:`ClusterHandle` to each :class:`~.gateway_service.Gateway` on it,
as pulumi-eks hands its ``Cluster`` to its node groups: so one cluster runs several gateways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import pulumi

from . import __version__
from .alarms import ClusterAlarms
from .cluster import EksCluster, ExistingCluster, given_provider
from .iam import AwsAccount
from .kube import object_name, system_namespace
from .labels import aws_tags, controller_labels
from .load_balancer import LoadBalancerController
from .names import check_names
from .node_autoscaling import ClusterAutoscaler
from .settings import (
    AlarmSettings,
    ClusterScopeSettings,
    ClusterSettings,
    ControllerSettings,
    validated,
)

TYPE_TOKEN = "runmcp:index:GatewayCluster"


@dataclass(frozen=True, eq=False)
class ClusterHandle:
    """What a gateway needs to know about the cluster it runs on: the one place these facts live,
    whether the cluster was made by :class:`GatewayCluster` or exists already."""

    owner: str
    """The GatewayCluster's name (in messages)."""
    settings: ClusterSettings
    """The cluster's settings: a gateway's capacity is checked against its node groups."""
    provider: pulumi.ProviderResource
    """The Kubernetes provider of the cluster: every in-cluster object of a gateway uses it."""
    kubernetes_version: str
    cluster_name: pulumi.Input[str] | None
    """The EKS cluster's name (None for an existing cluster whose name is not given)."""
    vpc_id: pulumi.Input[str] | None
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    node_security_group_id: pulumi.Input[str] | None
    """The security group on the nodes' ENIs, which carry the pod IPs a load balancer sends to."""
    controller: LoadBalancerController | None
    """The cluster's AWS Load Balancer Controller; each gateway lets it bind its target groups."""
    alarm_actions: pulumi.Input[Sequence[pulumi.Input[str]]] = ()
    """The topics every alarm on this cluster notifies (empty with alarms off)."""
    node_alarm_arns: Sequence[pulumi.Input[str]] = ()
    _claims: dict[str, str] = field(default_factory=dict, repr=False)

    def load_balancer_subnets(
        self, scheme: Literal["internet-facing", "internal"]
    ) -> pulumi.Input[Sequence[pulumi.Input[str]]]:
        return self.public_subnet_ids if scheme == "internet-facing" else self.private_subnet_ids

    def claim(self, gateway: str, namespace: str) -> None:
        """Refuse, before anything is registered, a second gateway with this namespace or name on
        this cluster: its objects would be the first one's, and their load balancers' names too."""
        for key, what in ((f"namespace {namespace}", "namespace"), (f"name {gateway}", "name")):
            if key in self._claims:
                raise pulumi.RunError(
                    f"runmcp:index:Gateway {gateway}: the {what} {key.split(' ', 1)[1]!r} is taken on cluster "
                    f"{self.owner} by gateway {self._claims[key]}; give each gateway on one cluster its own "
                    "name and gateway.namespace"
                )
        self._claims[f"namespace {namespace}"] = gateway
        self._claims[f"name {gateway}"] = gateway


class GatewayClusterArgs(TypedDict, total=False):
    """GatewayCluster's settings: objects of components.settings, or mappings of their keys."""

    cluster: ClusterSettings | Mapping[str, Any]
    """eks (a cluster made here, the default) or existing (its kubeconfig, name, VPC, subnets and
    node security group), and kubernetesVersion."""
    load_balancer_controller: ControllerSettings | Mapping[str, Any]
    """install (default true) and chartVersion of the AWS Load Balancer Controller."""
    alarms: AlarmSettings | Mapping[str, Any]
    """The shared topic's subscribers (emails, httpsEndpoints, existingTopicArns) and the node alarms."""
    instance: str
    """Names this installation (tags, the default cluster name); default: the stack name."""


class GatewayCluster(pulumi.ComponentResource):
    """A cluster for RunMCP gateways, with what they share. ``handle`` goes to each Gateway."""

    handle: ClusterHandle
    cluster_name: pulumi.Output[str | None]
    kubeconfig: pulumi.Output[str | None]
    """A kubeconfig for the made cluster, using `aws eks get-token` (a secret)."""
    alarm_topic_arn: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        args: GatewayClusterArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        formerly_under: pulumi.Resource | None = None,
    ) -> None:
        """``formerly_under``: the parent these resources had before the cluster and its gateways
        were apart (GatewayPlatform's own stacks): each keeps its URN through an alias."""
        instance = args.get("instance") or pulumi.get_stack()
        check_names(TYPE_TOKEN, name, instance)
        settings = validated(
            ClusterScopeSettings, {k: v for k, v in args.items() if k != "instance"}, f"{TYPE_TOKEN} {name}"
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        aliases = [pulumi.Alias(parent=formerly_under)] if formerly_under is not None else None
        child = pulumi.ResourceOptions(parent=self, aliases=aliases)
        tags = aws_tags(instance)
        account = AwsAccount(parent=self)
        version = settings.cluster.kubernetes_version
        eks, existing = settings.cluster.provisioned, settings.cluster.existing
        cluster: EksCluster | ExistingCluster
        if existing is not None:
            # A caller's opts.providers={"kubernetes": ...} names the cluster.
            given = given_provider(opts, "kubernetes")
            cluster = ExistingCluster(f"{name}-cluster", existing, version, given=given, opts=child)
        else:
            assert eks is not None
            cluster_name = eks.name or f"{name}-{instance}"
            cluster = EksCluster(f"{name}-cluster", eks, version, cluster_name, tags, account, opts=child)
        # The cluster made here (Python only: the drills fail its node groups and zones).
        self.eks_cluster: EksCluster | None = cluster if isinstance(cluster, EksCluster) else None
        in_cluster = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(providers={"kubernetes": cluster.provider})
        )
        autoscale_nodes = eks is not None and eks.cluster_autoscaler.enabled
        install_controller = settings.load_balancer_controller.install
        # The controllers hold AWS permissions: they run in a namespace of their own under Pod
        # Security restricted (kube-system cannot enforce it).
        controllers_namespace: pulumi.Input[str] = ""
        if autoscale_nodes or install_controller:
            labels = controller_labels(instance, __version__)
            namespace = system_namespace(f"{name}-controllers-namespace", version, labels, in_cluster)
            controllers_namespace = object_name(namespace)
        if isinstance(cluster, EksCluster) and autoscale_nodes:
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
        if isinstance(cluster, EksCluster):
            network = cluster.network
            name_of_cluster: pulumi.Input[str] | None = cluster.cluster_name
            vpc_id: pulumi.Input[str] | None = network.vpc_id
            public: pulumi.Input[Sequence[pulumi.Input[str]]] = network.public_subnet_ids
            private: pulumi.Input[Sequence[pulumi.Input[str]]] = network.private_subnet_ids
            node_group: pulumi.Input[str] | None = cluster.cluster.vpc_config.apply(
                lambda c: c.cluster_security_group_id or ""
            )
        else:
            assert existing is not None
            name_of_cluster, vpc_id = existing.name, existing.vpc_id
            public = private = existing.subnet_ids
            node_group = existing.node_security_group_id
        controller = None
        if install_controller:
            # The settings refuse a controller on an existing cluster whose name or VPC is not given.
            assert name_of_cluster is not None
            assert vpc_id is not None
            controller = LoadBalancerController(
                f"{name}-load-balancer-controller",
                settings.load_balancer_controller,
                cluster_name=name_of_cluster,
                region=account.region,
                vpc_id=vpc_id,
                namespace=controllers_namespace,
                tags=tags,
                opts=in_cluster,
            )
        alarms = None
        if settings.alarms.enabled:
            moved_from = (
                pulumi.resource.create_urn(f"{name}-alarms", "runmcp:index:GatewayAlarms", parent=formerly_under)
                if formerly_under is not None
                else None
            )
            alarms = ClusterAlarms(
                f"{name}-alarms",
                settings.alarms,
                cluster_name=name_of_cluster,
                tags=tags,
                account=account,
                moved_from=moved_from,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.handle = ClusterHandle(
            owner=name,
            settings=settings.cluster,
            provider=cluster.provider,
            kubernetes_version=version,
            cluster_name=name_of_cluster,
            vpc_id=vpc_id,
            public_subnet_ids=public,
            private_subnet_ids=private,
            node_security_group_id=node_group,
            controller=controller,
            alarm_actions=alarms.actions if alarms is not None else (),
            node_alarm_arns=[a.arn for a in alarms.alarms.values()] if alarms is not None else (),
        )
        self.cluster_name = pulumi.Output.from_input(cluster.cluster_name)
        self.kubeconfig = pulumi.Output.from_input(cluster.kubeconfig)
        self.alarm_topic_arn = pulumi.Output.from_input(alarms.topic.arn if alarms is not None else None)
        self.register_outputs(
            {"clusterName": self.cluster_name, "kubeconfig": self.kubeconfig, "alarmTopicArn": self.alarm_topic_arn}
        )
