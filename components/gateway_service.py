"""Gateway: one RunMCP gateway on a cluster a GatewayCluster made (or describes).

Its own namespace, workload, autoscaler, load balancer with its target group and binding, and
alarms with a dashboard. Several gateways can share one :class:`~.gateway_cluster.ClusterHandle`:
each has its own namespace and names, and grants the cluster's one load balancer controller the
binding of its own target groups.

In another language the ``cluster`` input is GatewayCluster's ``handle`` output (the facts of
:class:`~.gateway_cluster.ClusterHandleArgs`); the gateway then makes its own Kubernetes provider
from the handle's kubeconfig, or uses the kubernetes provider it is given.

No ``from __future__ import annotations``: Pulumi's component analyzer reads the annotations of
Gateway and its args as real types (components/package_schema.py).
"""

import weakref
from collections.abc import Mapping
from typing import Required, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .alarms import AVAILABILITY_ALARMS, GatewayAlarms, GatewayAlarmsArgs
from .alarms import _actions as alarm_actions
from .autoscaling import RequestTrigger
from .cluster import _provider as kubernetes_provider  # the provider every cluster part makes (server-side apply)
from .cluster import given_provider
from .gateway import StoreConnection, WorkloadContext
from .gateway_cluster import ClusterHandle, ClusterHandleArgs, ClusterInput
from .iam import AwsAccount
from .kube import object_name, object_namespace
from .labels import aws_tags, recommended_labels
from .load_balancer import READINESS_GATE_LABEL, GatewayLoadBalancer, GatewayLoadBalancerArgs, target_group_binding
from .names import check_names
from .network import private_cidrs
from .scaled_workload import scaled_parts
from .sections import AlarmSection, GatewaySection, LoadBalancerSection, ScalingSection, SessionStoreSection
from .session_store import SessionStore, StoreAlarms, StorePlacement
from .settings import (
    Problem,
    SettingsError,
    StackSettings,
    ValkeyStoreSettings,
    gateway_alarm_problems,
    validated,
)
from .timeline import inputs_of, requests_behind_seconds
from .zonal_autoshift import zonal_autoshift

TYPE_TOKEN = "runmcp:index:Gateway"


class GatewayArgs(TypedDict, total=False):
    """One gateway's settings: the sections of a stack file's runmcp-gateway namespace but the
    cluster's, and the handle of the cluster it runs on."""

    cluster: Required[ClusterInput]
    """The cluster it runs on: a GatewayCluster's `handle`."""
    gateway: Required[GatewaySection]
    """The workload: image (required), name, namespace (one per gateway on a cluster), port, ..."""
    scaling: ScalingSection
    """The HorizontalPodAutoscaler: minReplicas, maxReplicas, targetCpuUtilization, requestsPerReplica (KEDA), ..."""
    load_balancer: LoadBalancerSection
    """The Application Load Balancer: kind, scheme, domain, certificateArn, tlsPolicy, ..."""
    alarms: AlarmSection
    """Thresholds, runbookUrl and existingTopicArns; the subscribers are the cluster's."""
    session_store: SessionStoreSection
    """Where the gateway keeps MCP sessions: kind valkey (made in the cluster's private subnets) or
    existing; unset: none."""
    instance: str
    """Names this installation (labels, tags, the dashboard name); default: the stack name."""


class Gateway(pulumi.ComponentResource):
    """The hardened, autoscaled RunMCP gateway behind an Application Load Balancer, with alarms."""

    namespace: pulumi.Output[str]
    """Namespace of the gateway's objects."""
    service_name: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    hpa_name: pulumi.Output[str]
    in_cluster_url: pulumi.Output[str]
    """The MCP endpoint inside the cluster (http://<service>.<namespace>.svc.cluster.local:<port>/mcp)."""
    url: pulumi.Output[str | None]
    """The gateway's MCP endpoint behind the load balancer (unset with loadBalancer.kind: none)."""
    alb_dns_name: pulumi.Output[str | None]
    alb_arn_suffix: pulumi.Output[str | None]
    target_group_arn_suffix: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        args: GatewayArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        formerly_under: pulumi.Resource | None = None,
    ) -> None:
        """``formerly_under``: see GatewayCluster."""
        instance = args.get("instance") or pulumi.get_stack()
        check_names(TYPE_TOKEN, name, instance)
        source = f"{TYPE_TOKEN} {name}"
        handle = received_handle(args["cluster"], source)
        sections = {k: v for k, v in args.items() if k not in ("cluster", "instance")}
        # One model for every rule: the gateway's own, and those across it and its cluster (its
        # capacity on the cluster's node groups, an ALB on an existing cluster's network).
        settings = validated(StackSettings, {**sections, "cluster": handle.settings}, source)
        alarm_problems = gateway_alarm_problems(settings.alarms)
        if alarm_problems:
            raise SettingsError(source, [Problem(f"alarms.{p.key}", p.message) for p in alarm_problems])
        # A handle from another language carries no provider: the gateway makes its own from the
        # kubeconfig, or takes the kubernetes provider it is given; never the ambient kubeconfig.
        given = given_provider(opts, "kubernetes") if handle.provider is None else None
        if handle.provider is None and given is None and handle.kubeconfig is None:
            raise SettingsError(
                source,
                [Problem("cluster.kubeconfig", "is unset (an existing cluster): pass a kubernetes provider in opts")],
            )
        handle.claim(name, settings.gateway.namespace)
        super().__init__(TYPE_TOKEN, name, None, opts)
        aliases = [pulumi.Alias(parent=formerly_under)] if formerly_under is not None else None
        child = pulumi.ResourceOptions(parent=self, aliases=aliases)
        provider = handle.provider or given or kubernetes_provider(f"{name}-k8s", self, handle.kubeconfig)
        in_cluster = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(providers={"kubernetes": provider}))
        account = AwsAccount(parent=self)
        gateway, lb_settings = settings.gateway, settings.load_balancer

        self.load_balancer: GatewayLoadBalancer | None = None
        wait_for: list[pulumi.Resource] = []
        if lb_settings.kind == "alb":
            # The settings refuse an ALB on an existing cluster whose network is not given.
            assert handle.vpc_id is not None
            assert handle.node_security_group_id is not None
            lb_args: GatewayLoadBalancerArgs = {
                # Its zonal autoshift waits for the alarms that judge the practice runs: made below.
                "load_balancer": lb_settings.model_copy(update={"zonal_autoshift": False}),
                "gateway": gateway,
                "vpc_id": handle.vpc_id,
                "subnet_ids": handle.load_balancer_subnets(lb_settings.scheme),
                "target_security_group_id": handle.node_security_group_id,
                "instance": instance,
            }
            if handle.controller_role_name is not None:
                lb_args["load_balancer_controller_role_name"] = handle.controller_role_name
            self.load_balancer = GatewayLoadBalancer(f"{name}-load-balancer", lb_args, opts=child, account=account)
            if self.load_balancer.binds is not None:
                wait_for += [*handle.controller_ready, self.load_balancer.binds]
        load_balancer = self.load_balancer

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
                    providers={"kubernetes": provider},
                    depends_on=[*wait_for, *load_balancer.listeners, service],
                ),
            )
            return [binding]

        store = _session_store(name, settings, handle, instance, aws_tags(instance), child)
        self.session_store = store
        connection = None
        if store is not None:
            assert settings.session_store is not None
            plain, secret = store.env(settings.session_store.env.names())
            connection = StoreConnection(env=plain, secret_env=secret, cidrs=store.egress_cidrs, ports=store.ports)
        requests = None
        if settings.scaling.requests_per_replica is not None:
            # The settings refuse requestsPerReplica without an ALB.
            assert load_balancer is not None
            requests = RequestTrigger(
                target_group_arn_suffix=load_balancer.target_group_arn_suffix,
                region=account.region,
                ready=list(handle.keda_ready),
            )
        parts = scaled_parts(
            name,
            settings,
            WorkloadContext(
                instance=instance,
                kubernetes_version=handle.kubernetes_version,
                namespace_labels=READINESS_GATE_LABEL if load_balancer is not None else {},
                wait_for=wait_for,
                before_pods=bind,
                store=connection,
            ),
            in_cluster,
            requests=requests,
        )
        workload, self.headroom = parts.workload, parts.headroom
        self.alarms: GatewayAlarms | None = None
        if settings.alarms.enabled and (load_balancer is not None or handle.cluster_name is not None):
            alarm_args: GatewayAlarmsArgs = {
                "alarms": settings.alarms,
                "scaling": settings.scaling,
                "alarm_actions": handle.alarm_actions,
                "cluster_alarm_arns": handle.node_alarm_arns,
                "namespace": workload.namespace,
                "service_name": workload.service_name,
                "dashboard_name": f"{name}-{instance}",
                "instance": instance,
            }
            if load_balancer is not None:
                alarm_args["load_balancer_arn_suffix"] = load_balancer.arn_suffix
                alarm_args["target_group_arn_suffix"] = load_balancer.target_group_arn_suffix
                if load_balancer.made_certificate_arn is not None:
                    alarm_args["certificate_arn"] = load_balancer.made_certificate_arn
            if handle.cluster_name is not None:
                alarm_args["cluster_name"] = handle.cluster_name
            behind = requests_behind_seconds(inputs_of(settings))
            if behind is not None:
                alarm_args["requests_behind_seconds"] = behind
            self.alarms = GatewayAlarms(f"{name}-alarms", alarm_args, opts=child, account=account)
        self.zonal_autoshift: aws.arczonalshift.ZonalAutoshiftConfiguration | None = None
        if settings.load_balancer.zonal_autoshift and load_balancer is not None and self.alarms is not None:
            self.zonal_autoshift = zonal_autoshift(
                f"{name}-zonal-autoshift",
                load_balancer.load_balancer.arn,
                [self.alarms.alarms[key].arn for key in AVAILABILITY_ALARMS],
                pulumi.ResourceOptions(parent=load_balancer),
            )
        self.namespace = workload.namespace
        self.service_name = workload.service_name
        self.deployment_name = workload.deployment_name
        self.hpa_name = parts.autoscaler.hpa_name
        self.in_cluster_url = parts.in_cluster_url
        lb = load_balancer
        self.url = pulumi.Output.from_input(lb.url if lb is not None else None)
        self.alb_dns_name = pulumi.Output.from_input(lb.dns_name if lb is not None else None)
        self.alb_arn_suffix = pulumi.Output.from_input(lb.arn_suffix if lb is not None else None)
        self.target_group_arn_suffix = pulumi.Output.from_input(lb.target_group_arn_suffix if lb is not None else None)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "serviceName": self.service_name,
                "deploymentName": self.deployment_name,
                "hpaName": self.hpa_name,
                "inClusterUrl": self.in_cluster_url,
                "url": self.url,
                "albDnsName": self.alb_dns_name,
                "albArnSuffix": self.alb_arn_suffix,
                "targetGroupArnSuffix": self.target_group_arn_suffix,
            }
        )


def _session_store(
    name: str,
    settings: StackSettings,
    handle: ClusterHandle,
    instance: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> SessionStore | None:
    """The gateway's session store, if the settings ask for one: a made one goes in the cluster's
    private subnets and admits its nodes (the settings refuse one on a cluster whose facts are not given)."""
    store = settings.session_store
    if store is None:
        return None
    placement = None
    if isinstance(store, ValkeyStoreSettings):
        assert handle.vpc_id is not None
        assert handle.node_security_group_id is not None
        eks = handle.settings.provisioned
        made = eks is not None and eks.network.existing is None
        placement = StorePlacement(
            handle.vpc_id,
            handle.private_subnet_ids,
            handle.node_security_group_id,
            subnet_cidrs=private_cidrs(eks.network.cidr, eks.network.availability_zones) if made and eks else None,
        )
    alarms = None
    if settings.alarms.enabled:
        actions = alarm_actions(handle.alarm_actions, settings.alarms.existing_topic_arns)
        alarms = StoreAlarms(settings.alarms, actions)
    return SessionStore(
        f"{name}-sessions",
        store,
        instance=instance,
        placement=placement,
        alarms=alarms,
        tags=tags,
        opts=opts,
    )


def received_handle(cluster: "ClusterHandle | pulumi.Input[ClusterHandleArgs]", source: str) -> ClusterHandle:
    """The handle a Python caller passed, or one rebuilt from the facts another language passed
    (the gateways of one program run share their claims on the cluster's names and namespaces)."""
    if isinstance(cluster, ClusterHandle):
        return cluster
    if not isinstance(cluster, Mapping):
        raise SettingsError(source, [Problem("cluster", "must be a GatewayCluster's handle, passed whole")])
    return ClusterHandle.received(cluster, source, _claims_on(str(cluster.get("owner"))))


_RUN_CLAIMS: "weakref.WeakKeyDictionary[pulumi.Resource, dict[str, dict[str, str]]]" = weakref.WeakKeyDictionary()
_HOST_CLAIMS: dict[str, dict[str, str]] = {}


def _claims_on(owner: str) -> dict[str, str]:
    """The names and namespaces gateways took so far on the cluster of GatewayCluster ``owner``: per
    program run (its stack resource), or in a provider host (no stack resource; it serves one
    deployment, every Gateway of it in one process)."""
    stack = pulumi.runtime.settings.get_root_resource()
    by_owner = _HOST_CLAIMS if stack is None else _RUN_CLAIMS.setdefault(stack, {})
    return by_owner.setdefault(owner, {})
