"""The whole stack file (StackSettings) and the cluster-scoped part (ClusterScopeSettings): they
compose the sections' models and hold the rules that span sections, in one place. A rule about one
section's data lives on that section's model, so a building block given that model alone refuses it too."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

import pulumi
from pydantic import model_validator
from pydantic.alias_generators import to_camel

from ..capacity import (
    CLUSTER_AUTOSCALER_REQUESTS,
    CLUSTER_WIDE_REQUESTS,
    DAEMONSET_REQUESTS,
    KEDA_PODS,
    KEDA_REQUESTS,
    LOAD_BALANCER_CONTROLLER_REPLICAS,
    LOAD_BALANCER_CONTROLLER_REQUESTS,
    NodeGroupCapacity,
    Requests,
    capacity_problem,
    total,
    zone_loss_problem,
)
from ..quantities import cpu_millicores, memory_bytes
from .alarms import AlarmSettings
from .autoscaling import ScalingSettings
from .base import Problem, _CrossFieldError, _Model
from .cluster import ClusterSettings, EksSettings, ExistingClusterSettings
from .drills import DrillSettings
from .gateway import GatewaySettings
from .keda import KedaSettings
from .load_balancer import ControllerSettings, LoadBalancerSettings, alb_subnets_problem, shutdown_behind_alb_problems
from .session_store import SessionStoreSettings, ValkeyStoreSettings, store_env_problems


class StackSettings(_Model):
    cluster: ClusterSettings = ClusterSettings()
    gateway: GatewaySettings
    scaling: ScalingSettings = ScalingSettings()
    load_balancer: LoadBalancerSettings = LoadBalancerSettings()
    alarms: AlarmSettings = AlarmSettings()
    drills: DrillSettings = DrillSettings()
    """Failover and scaling drills (AWS FIS) with their load generator: on in staging."""
    session_store: SessionStoreSettings | None = None
    """Where the gateway keeps MCP sessions outside its pods (kind: valkey, made here; kind:
    existing, made elsewhere). Unset: none, for a stateless gateway."""

    @model_validator(mode="after")
    def _cross_checks(self) -> StackSettings:
        problems = list(_cross_field_problems(self))
        if problems:
            raise _CrossFieldError(problems)
        return self

    def advisories(self) -> list[str]:
        """Legal but risky choices, reported as warnings."""
        notes = []
        if self.scaling.min_replicas < 2:
            notes.append(
                f"scaling.minReplicas is {self.scaling.min_replicas}: one pod is not highly available "
                "(a node drain or a rollout interrupts the gateway); use 2 or more outside development"
            )
        if self.alarms.enabled and not (
            self.alarms.emails or self.alarms.https_endpoints or self.alarms.existing_topic_arns
        ):
            notes.append(
                "alarms have no recipient: add alarms.emails, alarms.httpsEndpoints or alarms.existingTopicArns"
            )
        lb = self.load_balancer
        if lb.kind == "alb" and not lb.https:
            notes.append(
                "loadBalancer has no certificateArn and no domain: the gateway is served over plain HTTP; "
                "set one of them for HTTPS"
            )
        eks = self.cluster.provisioned
        if eks is not None:
            if any(ipaddress.ip_network(c).prefixlen == 0 for c in eks.endpoint.public_access_cidrs):
                notes.append(
                    "cluster.eks.endpoint.publicAccessCidrs admits the whole internet to the Kubernetes API "
                    "(IAM still authenticates); narrow it to the addresses Pulumi and operators connect from"
                )
            for name, group in eks.node_groups.items():
                if group.capacity_type == "SPOT" and len(group.instance_types) < 2:
                    notes.append(
                        f"cluster.eks.nodeGroups.{name} is SPOT with one instance type: list several so a "
                        "reclaimed type does not take every node"
                    )
            if not eks.cluster_autoscaler.enabled:
                notes.append(
                    "cluster.eks.clusterAutoscaler is off: nodes do not follow the HPA, so pods it adds beyond "
                    "the node groups' current size stay Pending"
                )
        zone_loss = zone_loss_advisory(self)
        if zone_loss is not None:
            notes.append(zone_loss)
        store = store_advisory(self)
        if store is not None:
            notes.append(store)
        return notes


def store_advisory(s: StackSettings) -> str | None:
    """With a session store any pod serves any session: the plan says that stickiness stays off."""
    if s.session_store is None or s.load_balancer.kind != "alb":
        return None
    return (
        f"sessionStore ({s.session_store.kind}) keeps the MCP sessions, so loadBalancer.stickiness stays off: "
        "any gateway pod serves any session, and scaling and node loss move no client"
    )


class ClusterScopeSettings(_Model):
    """GatewayCluster's settings: the cluster, and what every gateway on it shares (the load
    balancer controller, the alarm topic and its subscribers, the nodes' alarms)."""

    cluster: ClusterSettings = ClusterSettings()
    load_balancer_controller: ControllerSettings = ControllerSettings()
    """install: false when no gateway on this cluster has an ALB, or the cluster runs the controller already."""
    alarms: AlarmSettings = AlarmSettings()
    """enabled, emails, httpsEndpoints, existingTopicArns, runbookUrl and the node thresholds."""
    keda: KedaSettings | None = None
    """KEDA, for gateways on this cluster that scale on requests (scaling.requestsPerReplica); unset
    (the default): none is installed here."""

    @model_validator(mode="after")
    def _cross_checks(self) -> ClusterScopeSettings:
        problems: list[Problem] = []
        existing = self.cluster.existing
        if self.cluster.provisioned is not None and self.cluster.provisioned.zonal_autoshift:
            # Its practice runs need the gateways' availability alarms, which exist only after the
            # cluster: GatewayPlatform makes it after its gateway.
            problems.append(
                Problem(
                    "cluster.eks.zonalAutoshift",
                    "is made by GatewayPlatform, after the gateway whose availability alarms judge the practice "
                    "runs; with GatewayCluster, make an aws.arczonalshift.ZonalAutoshiftConfiguration for the "
                    "cluster's ARN with your gateways' alarms (components/zonal_autoshift.py)",
                )
            )
        if existing is not None and self.keda is not None and self.keda.install:
            problems.append(
                Problem(
                    "keda.install",
                    "an existing cluster (cluster.existing) is assumed to run KEDA: set install: false "
                    "(its operator needs cloudwatch:GetMetricData)",
                )
            )
        if existing is not None and self.load_balancer_controller.install:
            for field in ("name", "vpc_id"):
                if getattr(existing, field) is None:
                    problems.append(
                        Problem(
                            f"cluster.existing.{to_camel(field)}",
                            "is required to install the load balancer controller "
                            "(or set loadBalancerController.install: false)",
                        )
                    )
        if problems:
            raise _CrossFieldError(problems)
        return self


def _cross_field_problems(s: StackSettings) -> Iterable[Problem]:
    """The rules that span sections; a rule about one section's data lives on that section's model
    (so a building block given that model alone refuses it too)."""
    yield from _cluster_problems(s)
    yield from _load_balancer_problems(s)
    yield from _request_scaling_problems(s)
    yield from _drill_problems(s)
    yield from _autoshift_problems(s)
    yield from _session_store_problems(s)


def _autoshift_problems(s: StackSettings) -> Iterable[Problem]:
    """Zonal autoshift needs outcome alarms for its practice runs (AWS refuses a practice run
    configuration without one: API_PracticeRunConfiguration): the gateway's availability alarms,
    which watch the load balancer. A practice run takes a zone away for real, so the cluster's
    nodes must hold scaling.minReplicas without it."""
    eks = s.cluster.provisioned
    keys = [
        *(["loadBalancer.zonalAutoshift"] if s.load_balancer.kind == "alb" and s.load_balancer.zonal_autoshift else []),
        *(["cluster.eks.zonalAutoshift"] if eks is not None and eks.zonal_autoshift else []),
    ]
    for key in keys:
        if not s.alarms.enabled:
            yield Problem(key, "needs alarms.enabled: the availability alarms are the practice runs' outcome alarms")
        if s.load_balancer.kind != "alb":
            yield Problem(key, "needs loadBalancer.kind: alb: the outcome alarms watch the load balancer")
    if "cluster.eks.zonalAutoshift" in keys:
        short = zone_loss_advisory(s)
        if short is not None:
            yield Problem("cluster.eks.zonalAutoshift", f"practice runs take a zone away every week, but {short}")


def _session_store_problems(s: StackSettings) -> Iterable[Problem]:
    """A store makes stickiness pointless (and stickiness would pin clients to pods the store frees
    them from); a store made here needs the cluster's private subnets, VPC and nodes' security group."""
    store = s.session_store
    if store is None:
        return
    if s.load_balancer.kind == "alb" and s.load_balancer.stickiness.enabled:
        yield Problem(
            "loadBalancer.stickiness.enabled",
            f"is true with sessionStore ({store.kind}): the store serves every session from any pod; turn it off",
        )
    gateway_env = [*s.gateway.env, *s.gateway.secret_env]
    for problem in store_env_problems(store, gateway_env):
        yield Problem(f"sessionStore.{problem.key}", problem.message)
    if isinstance(store, ValkeyStoreSettings):
        yield from _valkey_network_problems(s)


def _valkey_network_problems(s: StackSettings) -> Iterable[Problem]:
    existing = s.cluster.existing
    if existing is None:
        return  # a made cluster's private subnets: two or more (the network's own rules)
    needed = {
        "vpc_id": "the cluster's VPC (the store's security group goes there)",
        "node_security_group_id": "the nodes' security group (the only one the store admits)",
    }
    for field, what in needed.items():
        if getattr(existing, field) is None:
            yield Problem(
                f"cluster.existing.{to_camel(field)}",
                f"is required with sessionStore.kind: valkey: {what}; or point sessionStore "
                "(kind: existing) at a store",
            )
    subnets = existing.private_subnet_ids
    if not isinstance(subnets, pulumi.Output) and len(subnets) < 2:
        yield Problem(
            "cluster.existing.privateSubnetIds",
            "sessionStore.kind: valkey needs the cluster's private subnets in two or more zones; give them, "
            "or point sessionStore (kind: existing) at a store made elsewhere",
        )


def installs_keda(s: StackSettings) -> bool:
    """Whether this stack's cluster part installs KEDA: a gateway that scales on requests, on a
    cluster made here, unless scaling.keda.install is false."""
    return s.scaling.requests_per_replica is not None and s.scaling.keda.install and s.cluster.existing is None


def _request_scaling_problems(s: StackSettings) -> Iterable[Problem]:
    """Scaling on requests reads the ALB's RequestCountPerTarget for this gateway's target group; KEDA
    is installed by the cluster part only on a cluster made here."""
    if s.scaling.requests_per_replica is None:
        return
    if s.load_balancer.kind != "alb":
        yield Problem(
            "scaling.requestsPerReplica",
            "needs loadBalancer.kind: alb (it scales on the load balancer's requests per target)",
        )
    if s.cluster.existing is not None and s.scaling.keda.install:
        yield Problem(
            "scaling.keda.install",
            "an existing cluster (cluster.existing) is assumed to run KEDA: set install: false "
            "(its operator needs cloudwatch:GetMetricData)",
        )


def _drill_problems(s: StackSettings) -> Iterable[Problem]:
    """What the drills stand on: a cluster made here with its own network (they terminate its node
    groups' instances and cut one of its zones off), the load balancer the load goes through, and the
    availability alarms that stop every experiment."""
    if not s.drills.enabled:
        return
    eks = s.cluster.provisioned
    if eks is None or eks.network.existing is not None:
        yield Problem("drills.enabled", "needs cluster.eks with a network made here (node groups and zones to fail)")
    if s.load_balancer.kind != "alb":
        yield Problem("drills.enabled", "needs loadBalancer.kind: alb (the load and the measurements go through it)")
    if not s.alarms.enabled:
        yield Problem(
            "drills.enabled", "needs alarms.enabled: the availability alarms are every drill's stop condition"
        )
    elif s.alarms.thresholds.latency_p99_seconds is None:
        yield Problem("drills.enabled", "needs alarms.thresholds.latencyP99Seconds: the drills' bound on p99 latency")


def _load_balancer_problems(s: StackSettings) -> Iterable[Problem]:
    lb = s.load_balancer
    if lb.kind == "none":
        return
    eks = s.cluster.provisioned
    if s.cluster.existing is not None:
        yield from _existing_cluster_network_problems(s.cluster.existing)
    if (
        eks is not None
        and eks.network.existing is not None
        and lb.scheme == "internet-facing"
        # A whole list given as an Output is counted by AWS (the load balancer needs two zones).
        and not isinstance(eks.network.existing.public_subnet_ids, pulumi.Output)
        and len(eks.network.existing.public_subnet_ids) < 2
    ):
        yield Problem(
            "cluster.eks.network.existing.publicSubnetIds",
            "an internet-facing load balancer needs public subnets in two or more zones",
        )
    for problem in shutdown_behind_alb_problems(s.gateway.shutdown):
        yield Problem(f"gateway.shutdown.{problem.key}", problem.message)


def _existing_cluster_network_problems(existing: ExistingClusterSettings) -> Iterable[Problem]:
    """An ALB on a cluster made elsewhere: the facts the component cannot look up itself."""
    needed = {
        "name": "the EKS cluster's name (for the load balancer controller)",
        "vpc_id": "the cluster's VPC (for the target group)",
        "node_security_group_id": "the nodes' security group (it gets the rule admitting the ALB)",
    }
    for field, what in needed.items():
        if getattr(existing, field) is None:
            yield Problem(f"cluster.existing.{to_camel(field)}", f"is required with an ALB: {what}")
    yield from alb_subnets_problem("cluster.existing.subnetIds", existing.subnet_ids)


def _cluster_problems(s: StackSettings) -> Iterable[Problem]:
    eks = s.cluster.provisioned
    if eks is not None:
        yield from _capacity_problems(s, eks)


@dataclass(frozen=True)
class _CapacityInputs:
    """What the capacity arithmetic (capacity.py) needs of a stack: the gateway pod, the system pods."""

    gateway_pod: Requests
    daemonsets: Requests
    cluster_wide: Requests


def _capacity_inputs(s: StackSettings, eks: EksSettings) -> _CapacityInputs:
    requests = s.gateway.resources.requests
    return _CapacityInputs(
        gateway_pod=Requests(cpu_millicores(requests.cpu), memory_bytes(requests.memory) / 2**20),
        daemonsets=total(DAEMONSET_REQUESTS.values()),
        cluster_wide=total(
            [
                *CLUSTER_WIDE_REQUESTS.values(),
                CLUSTER_AUTOSCALER_REQUESTS.times(int(eks.cluster_autoscaler.enabled)),
                LOAD_BALANCER_CONTROLLER_REQUESTS.times(
                    LOAD_BALANCER_CONTROLLER_REPLICAS
                    * int(s.load_balancer.kind == "alb" and s.load_balancer.controller.install)
                ),
                KEDA_REQUESTS.times(KEDA_PODS * int(installs_keda(s))),
            ]
        ),
    )


def _node_groups(eks: EksSettings, *, at_minimum: bool) -> list[NodeGroupCapacity]:
    """The node groups at the size they can reach (their maximum with node autoscaling), or at the
    size they hold before any node is added (``at_minimum``)."""
    largest = eks.cluster_autoscaler.enabled and not at_minimum
    return [
        NodeGroupCapacity(
            name=name,
            instance_types=tuple(group.instance_types),
            size=group.max_size if largest else group.min_size,
            size_key="maxSize" if largest else "minSize",
            schedulable=not any(t.effect in ("NoSchedule", "NoExecute") for t in group.taints),
        )
        for name, group in eks.node_groups.items()
    ]


def zone_loss_advisory(s: StackSettings) -> str | None:
    """Whether the nodes a made cluster holds at its minimum still run scaling.minReplicas gateway
    pods when one zone is lost (before the node autoscaler adds any), or by how much they fall short."""
    eks = s.cluster.provisioned
    if eks is None or eks.network.existing is not None:
        return None  # an existing VPC's zones are not known here
    inputs = _capacity_inputs(s, eks)
    problem = zone_loss_problem(
        _node_groups(eks, at_minimum=True),
        eks.network.availability_zones,
        inputs.gateway_pod,
        s.scaling.min_replicas,
        inputs.daemonsets,
        inputs.cluster_wide,
    )
    return f"scaling.minReplicas: {problem}" if problem is not None else None


def _capacity_problems(s: StackSettings, eks: EksSettings) -> Iterable[Problem]:
    groups = _node_groups(eks, at_minimum=False)
    scaling = s.scaling
    inputs = _capacity_inputs(s, eks)

    def problem_with(replicas: int) -> str | None:
        return capacity_problem(
            groups,
            gateway_pod=inputs.gateway_pod,
            max_replicas=replicas,
            daemonsets=inputs.daemonsets,
            cluster_wide=inputs.cluster_wide,
        )

    problem = problem_with(scaling.max_replicas)
    if problem is not None:
        yield Problem("scaling.maxReplicas", problem)
        return
    # The headroom's placeholders request what gateway pods request: at maxReplicas they still hold
    # their room (the autoscaler keeps adding nodes for the preempted ones).
    problem = problem_with(scaling.max_replicas + scaling.headroom_replicas)
    if problem is not None:
        yield Problem(
            "scaling.headroomReplicas",
            f"maxReplicas {scaling.max_replicas} plus headroomReplicas {scaling.headroom_replicas} do not fit: "
            f"{problem}, or lower scaling.headroomReplicas",
        )
