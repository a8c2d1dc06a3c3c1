"""GatewayCluster: what every gateway on one cluster shares, made once.

The cluster (an EKS cluster made here, or an existing one), the controllers' namespace, the AWS
Load Balancer Controller, the node autoscaler, and the alarms on the nodes with the topic every
alarm notifies. It hands a :class:`ClusterHandle` to each :class:`~.gateway_service.Gateway` on it,
as pulumi-eks hands its ``Cluster`` to its node groups: so one cluster runs several gateways.

Other languages get the handle as the ``handle`` output, an object of plain facts
(:class:`ClusterHandleArgs`, the schema's ``ClusterHandle``) that the Gateway takes as its
``cluster`` input. A reference to the GatewayCluster resource itself is not possible: Pulumi's
Python component analyzer resolves resource references only to other packages' custom resources
(pulumi/pulumi#18484, #19226), not to a component of the package itself.

No ``from __future__ import annotations``: Pulumi's component analyzer reads the annotations of
GatewayCluster, its args and the handle as real types (components/package_schema.py).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Required, TypeAlias, TypedDict

import pulumi
from pydantic.alias_generators import to_camel

from . import __version__
from .alarms import ClusterAlarms
from .args import KubernetesVersion
from .cluster import EksCluster, ExistingCluster, given_provider
from .iam import AwsAccount
from .keda import Keda
from .kube import object_name, system_namespace
from .labels import aws_tags, controller_labels
from .load_balancer import LoadBalancerController
from .names import check_names
from .node_autoscaling import ClusterAutoscaler
from .sections import AlarmSection, ClusterSection, ControllerSection, KedaSection
from .settings import (
    ClusterScopeSettings,
    ClusterSettings,
    EksSettings,
    ExistingClusterSettings,
    SettingsError,
    validated,
)
from .settings import Problem as _Problem

TYPE_TOKEN = "runmcp:index:GatewayCluster"


class ClusterHandleArgs(TypedDict, total=False):
    """The facts a Gateway needs about the cluster it runs on, made by a GatewayCluster (its
    `handle` output): pass it whole as a Gateway's `cluster` input."""

    owner: Required[str]
    """The GatewayCluster's name: gateways on one cluster claim their names and namespaces under it."""
    kubernetes_version: Required[KubernetesVersion]
    """The cluster's Kubernetes minor version (the gateway's objects follow it)."""
    kubeconfig: pulumi.Input[str]
    """A kubeconfig for the cluster (a secret); each gateway in another language builds its Kubernetes
    provider from it. Unset for an existing cluster given no kubeconfig: then pass the Gateway a
    kubernetes provider."""
    cluster_name: pulumi.Input[str]
    """The EKS cluster's name (unset for an existing cluster whose name is not given)."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC, where a gateway's load balancer and target group go."""
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets for internet-facing load balancers."""
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets for internal load balancers."""
    node_security_group_id: pulumi.Input[str]
    """The security group on the nodes' ENIs, which carry the pod IPs a load balancer sends to."""
    load_balancer_controller_role_name: pulumi.Input[str]
    """The IAM role of the cluster's AWS Load Balancer Controller: each gateway lets it bind its own
    target groups. Unset when the cluster runs no controller installed by GatewayCluster."""
    alarm_actions: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The topics every alarm on this cluster notifies (empty with alarms off)."""
    node_alarm_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The cluster's node alarms, which each gateway's composite alarm includes."""


HANDLE_REQUIRED = ("owner", "kubernetes_version")


@dataclass(frozen=True, eq=False)
class ClusterHandle:
    """What a gateway needs to know about the cluster it runs on: the one place these facts live,
    whether the cluster was made by :class:`GatewayCluster` or exists already.

    In one Python program it carries the cluster's own Kubernetes provider and settings, and refuses
    a second gateway with a taken name or namespace. :meth:`received` rebuilds one from the facts
    another language passes (:class:`ClusterHandleArgs`)."""

    owner: str
    """The GatewayCluster's name (in messages)."""
    settings: ClusterSettings
    """The cluster's settings: a gateway's capacity is checked against its node groups."""
    provider: pulumi.ProviderResource | None
    """The Kubernetes provider of the cluster: every in-cluster object of a gateway uses it. None in
    a handle received from another language: each gateway makes its own from ``kubeconfig``."""
    kubernetes_version: str
    cluster_name: pulumi.Input[str] | None
    """The EKS cluster's name (None for an existing cluster whose name is not given)."""
    vpc_id: pulumi.Input[str] | None
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    node_security_group_id: pulumi.Input[str] | None
    """The security group on the nodes' ENIs, which carry the pod IPs a load balancer sends to."""
    kubeconfig: pulumi.Input[str] | None = None
    controller_role_name: pulumi.Input[str] | None = None
    """The role of the cluster's AWS Load Balancer Controller; each gateway lets it bind its target
    groups. None without a controller installed by the GatewayCluster."""
    controller_ready: Sequence[pulumi.Resource] = ()
    """What a gateway's target group binding waits for: the controller's release (in one program)."""
    keda_ready: Sequence[pulumi.Resource] = ()
    """What a gateway's ScaledObject waits for: KEDA's release (in one program; a cluster made elsewhere,
    or in another program, is assumed to run KEDA already)."""
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

    def facts(self) -> ClusterHandleArgs:
        """The handle as other languages get it (GatewayCluster's ``handle`` output)."""
        facts: dict[str, Any] = {
            "owner": self.owner,
            "kubernetes_version": self.kubernetes_version,
            "kubeconfig": self.kubeconfig,
            "cluster_name": self.cluster_name,
            "vpc_id": self.vpc_id,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "node_security_group_id": self.node_security_group_id,
            "load_balancer_controller_role_name": self.controller_role_name,
            "alarm_actions": self.alarm_actions,
            "node_alarm_arns": self.node_alarm_arns,
        }
        return {k: v for k, v in facts.items() if v is not None}  # type: ignore[return-value]

    @classmethod
    def received(cls, facts: Mapping[str, Any], source: str, claims: dict[str, str] | None = None) -> "ClusterHandle":
        """A handle from the facts another language passed (``source`` names the Gateway in errors).

        The gateway sees the cluster as an existing one with these facts, so the rules about a load
        balancer on it (its VPC, subnets, node security group) apply; the capacity check against the
        cluster's node groups is GatewayCluster's alone (the facts do not carry its node groups).
        ``claims``: the names and namespaces taken on this cluster so far in this process."""
        problems = [
            _Problem(f"cluster.{to_camel(key)}", "is required") for key in HANDLE_REQUIRED if facts.get(key) is None
        ]
        version = facts.get("kubernetes_version")
        if version is not None and not isinstance(version, str):
            problems.append(_Problem("cluster.kubernetesVersion", "must be known when the program runs"))
        if not isinstance(facts.get("node_alarm_arns", []), Sequence):
            problems.append(_Problem("cluster.nodeAlarmArns", "must be a list (of ARNs that may be unknown)"))
        unknown = sorted(set(facts) - set(ClusterHandleArgs.__annotations__))
        problems += [_Problem(f"cluster.{to_camel(key)}", "unknown key of a cluster handle") for key in unknown]
        if problems:
            raise SettingsError(source, problems)
        assert isinstance(version, str)
        lb_subnets = facts.get("public_subnet_ids") or facts.get("private_subnet_ids") or []
        existing = validated(
            ExistingClusterSettings,
            {
                "name": facts.get("cluster_name"),
                "vpc_id": facts.get("vpc_id"),
                "subnet_ids": lb_subnets,
                "private_subnet_ids": facts.get("private_subnet_ids") or [],
                "node_security_group_id": facts.get("node_security_group_id"),
            },
            f"{source}: cluster",
        )
        settings = validated(ClusterSettings, {"kubernetes_version": version, "existing": existing}, source)
        return cls(
            owner=str(facts["owner"]),
            settings=settings,
            provider=None,
            kubernetes_version=version,
            cluster_name=facts.get("cluster_name"),
            vpc_id=facts.get("vpc_id"),
            public_subnet_ids=facts.get("public_subnet_ids") or [],
            private_subnet_ids=facts.get("private_subnet_ids") or [],
            node_security_group_id=facts.get("node_security_group_id"),
            kubeconfig=facts.get("kubeconfig"),
            controller_role_name=facts.get("load_balancer_controller_role_name"),
            alarm_actions=facts.get("alarm_actions") or [],
            node_alarm_arns=facts.get("node_alarm_arns") or [],
            _claims=claims if claims is not None else {},
        )


PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
"""RFC 1918: where an EKS API server's ENIs are when the VPC was made elsewhere and its range is not given."""


def api_server_cidrs(eks: EksSettings) -> list[str]:
    """Where the cluster's API server reaches pods from and is reached at: its cross-account ENIs sit in
    the cluster's subnets (docs.aws.amazon.com/eks/latest/userguide/network-reqs.html), so the VPC's
    range; for a VPC made elsewhere, whose range is not given, the private ranges."""
    return [eks.network.cidr] if eks.network.existing is None else list(PRIVATE_RANGES)


if TYPE_CHECKING:
    ClusterInput: TypeAlias = ClusterHandle | pulumi.Input[ClusterHandleArgs]
else:  # the analyzer takes no unions (components/sections.py): other languages pass the handle's facts
    ClusterInput = pulumi.Input[ClusterHandleArgs]
"""What a gateway takes as its cluster: GatewayCluster's handle, or (in any language) its facts."""


class GatewayClusterArgs(TypedDict, total=False):
    """GatewayCluster's settings: the cluster, and what every gateway on it shares."""

    cluster: ClusterSection
    """eks (a cluster made here, the default) or existing (its kubeconfig, name, VPC, subnets and
    node security group), and kubernetesVersion."""
    load_balancer_controller: ControllerSection
    """install (default true) and chartVersion of the AWS Load Balancer Controller."""
    alarms: AlarmSection
    """The shared topic's subscribers (emails, httpsEndpoints, existingTopicArns) and the node alarms."""
    keda: KedaSection
    """KEDA (install, chartVersion), for gateways that scale on requests; unset: none is installed."""
    instance: str
    """Names this installation (tags, the default cluster name); default: the stack name."""


class GatewayCluster(pulumi.ComponentResource):
    """A cluster for RunMCP gateways with what they share: an EKS cluster (or an existing one), the
    AWS Load Balancer Controller, the node autoscaler, the alarm topic and the nodes' alarms. Its
    `handle` goes to each Gateway on it."""

    if TYPE_CHECKING:
        handle: ClusterHandle
    else:  # what other languages get: the facts (the host maps a ClusterHandle onto them)
        handle: pulumi.Output[ClusterHandleArgs]
    cluster_name: pulumi.Output[str | None]
    """The EKS cluster's name (unset for an existing cluster whose name is not given)."""
    kubeconfig: pulumi.Output[str | None]
    """A kubeconfig for the made cluster, using `aws eks get-token` (a secret)."""
    alarm_topic_arn: pulumi.Output[str | None]
    """The SNS topic every alarm on this cluster notifies (unset with alarms off)."""

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
        install_keda = settings.keda is not None and settings.keda.install
        # The controllers hold AWS permissions: they run in a namespace of their own under Pod
        # Security restricted (kube-system cannot enforce it).
        controllers_namespace: pulumi.Input[str] = ""
        if autoscale_nodes or install_controller or install_keda:
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
            public = existing.subnet_ids
            private_given = existing.private_subnet_ids
            private = (
                private_given if isinstance(private_given, pulumi.Output) or private_given else existing.subnet_ids
            )
            node_group = existing.node_security_group_id
        keda = None
        if isinstance(cluster, EksCluster) and install_keda:
            # The settings refuse installing KEDA on an existing cluster (it is assumed to run it).
            assert eks is not None
            assert settings.keda is not None
            keda = Keda(
                f"{name}-keda",
                settings.keda,
                cluster_name=cluster.cluster_name,
                namespace=controllers_namespace,
                api_server_cidrs=api_server_cidrs(eks),
                labels=controller_labels(instance, __version__),
                tags=tags,
                opts=in_cluster,
            )
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
            kubeconfig=cluster.kubeconfig,
            controller_role_name=controller.role_name if controller is not None else None,
            controller_ready=[controller.release] if controller is not None else (),
            keda_ready=[keda.release] if keda is not None else (),
            alarm_actions=alarms.actions if alarms is not None else (),
            node_alarm_arns=[a.arn for a in alarms.alarms.values()] if alarms is not None else (),
        )
        self.cluster_name = pulumi.Output.from_input(cluster.cluster_name)
        self.kubeconfig = pulumi.Output.from_input(cluster.kubeconfig)
        self.alarm_topic_arn = pulumi.Output.from_input(alarms.topic.arn if alarms is not None else None)
        self.register_outputs(
            {
                "handle": self.handle.facts(),
                "clusterName": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "alarmTopicArn": self.alarm_topic_arn,
            }
        )
