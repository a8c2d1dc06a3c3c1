"""The scaling and failover timeline: what a user can expect, in seconds, from a stack's settings.

A pure function of the validated settings (:func:`timeline`): no Pulumi, no cloud. Each figure is
a range (best, worst) built from terms, each term a step with its own best and worst and where its
number comes from: a setting (its key path), a Kubernetes or AWS default (with its source), or an
estimate of a step no setting governs (image pull, the gateway's own start). A figure that one of
several parallel mechanisms ends ("whichever first") has one chain of terms per mechanism; its range is the
range of the earliest: (min of the bests, min of the worsts).

Each figure also has a typical value ("about"): the sum of its terms' typical values, rounded up.
Most terms are waits for a periodic timer (a scrape, a sync, a probe, a health check) whose phase
against the load is arbitrary, so the wait is spread evenly over the term's range and its mean is the
midpoint; a sum's mean is the sum of the means. For the estimates the midpoint is an assumption the
drill corrects. A term whose range spans two cases (a lost node's pods find room, or wait for a new
node) takes the case the stack's settings make likely instead (Term.case). Where several mechanisms
race, the figure takes the least of its chains' typical values, which is at or above the mean of
the earliest.

The staging drills (``runmcp-infra drill``) measure what this predicts. Where a term is an estimate,
the drill's measurement is the better number; the estimates live in one table (ESTIMATES) so they
can be corrected in one place.
"""

from __future__ import annotations

import math
import pathlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .gateway import STARTUP_PROBE_PERIOD_SECONDS
from .settings import DEREGISTRATION_PROPAGATION_SECONDS, REQUESTS_END_OFFSET_SECONDS, ScalingRules, StackSettings

# --- Facts no setting of this project governs, with their sources ------------------------------

METRICS_SERVER_RESOLUTION_SECONDS = 15
"""metrics-server's scrape interval. The binary defaults to 60 s, but its official manifests and
Helm chart (which the EKS add-on packages) set --metric-resolution=15s
(kubernetes-sigs/metrics-server: manifests/base/deployment.yaml, charts/metrics-server/values.yaml).
CPU usage is a rate between two scrapes, so a load step shows fully once a whole window lies after it."""

HPA_SYNC_PERIOD_SECONDS = 15
"""kube-controller-manager --horizontal-pod-autoscaler-sync-period, 15 s by default; EKS does not
expose it (kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/)."""

DEFAULT_TOLERATION_SECONDS = 300
"""tolerationSeconds the DefaultTolerationSeconds admission plugin gives every pod for the
node.kubernetes.io/not-ready and unreachable NoExecute taints
(kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/), unless
gateway.nodeFailureTolerationSeconds sets its own."""

NODE_LEASE_RENEW_SECONDS = 10
"""The kubelet renews its node Lease every 10 s (a quarter of the 40 s lease;
kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats)."""

NODE_MONITOR_PERIOD_SECONDS = 5
"""kube-controller-manager --node-monitor-period: how often the node lifecycle controller looks."""

NODE_MONITOR_GRACE_SECONDS = {"1.30": 40, "1.31": 40}
"""--node-monitor-grace-period before Kubernetes 1.32; from 1.32 it is 50 s (kubernetes/kubernetes
PR #126287). EKS does not publish its control plane's values: these are the upstream defaults."""
NODE_MONITOR_GRACE_SECONDS_SINCE_1_32 = 50

CLUSTER_AUTOSCALER_REACTION_SECONDS = (0, 30)
"""From a pod turning unschedulable to the cluster autoscaler asking for a node: it scans every
10 s, and its stated SLO is 30 s for clusters under 100 nodes (kubernetes/autoscaler:
cluster-autoscaler/FAQ.md, "What are the Service Level Objectives for Cluster Autoscaler?")."""

NODE_BOOT_SECONDS = (40, 90)
"""EC2 launch to a Ready node (kubelet joined, VPC CNI up): about 40 s measured
(awslabs/amazon-eks-ami#1099, aws/karpenter-provider-aws#3102), 70-80 s with a custom AMI
(aws/karpenter-provider-aws#6128); the worst adds the daemonsets' start. Measure your own with
awslabs/node-latency-for-k8s."""


READINESS_AFTER_STARTUP_SECONDS = 2
"""From the startup probe passing to the first readiness probe's answer: the kubelet runs the
readiness probe at once then, not a readinessPeriodSeconds later. The startup result makes the
kubelet sync the pod, and its status update triggers a readiness probe that has no result yet
(kubernetes/kubernetes pkg/kubelet/prober/prober_manager.go, UpdatePodStatus: "Trigger an immediate
run of the readinessProbe", since PR #101738). The sync first waits for the pod's next status from
the PLEG, "max 2s" (pkg/kubelet/pod_workers.go, podCache.GetNewerThan): about a second, 2 at worst."""

CLOUDWATCH_MINUTE_SECONDS = 60
"""The load balancer sends its metrics to CloudWatch in 60-second intervals (ALB user guide,
load-balancer-cloudwatch-metrics.html), and KEDA's query window ends at the last whole minute
(kedacore/keda v2.20.2, pkg/scalers/aws_cloudwatch_scaler.go, computeQueryWindow): a rise in
requests per target shows fully once a whole minute lies after it."""


@dataclass(frozen=True)
class Estimate:
    """A step no setting governs and no source times for this gateway: the staging drill measures it."""

    name: str
    best: int
    worst: int
    why: str


ESTIMATES = {
    "schedule": Estimate(
        "schedule", 0, 2, "the ReplicaSet controller creates the pod, the scheduler binds it: usually under a second"
    ),
    "pull": Estimate(
        "image pull",
        2,
        15,
        "a node without the image pulls it (the gateway spreads over nodes, so a new pod often lands on one); "
        "0 when cached",
    ),
    "sandbox": Estimate(
        "container start", 1, 3, "pod sandbox, a pod IP (the VPC CNI keeps a warm pool) and the container"
    ),
    "start": Estimate(
        "gateway start", 1, 5, "until the gateway answers its health path (it loads its OpenAPI documents)"
    ),
    "register": Estimate(
        "target registration",
        1,
        10,
        "the load balancer controller registers the pod IP: usually seconds; field reports of minutes under "
        "backoff (kubernetes-sigs/aws-load-balancer-controller "
        "#1960, #3622)",
    ),
    "propagate": Estimate(
        "deregistration",
        1,
        DEREGISTRATION_PROPAGATION_SECONDS,
        "endpoint removed, the controller deregisters the target, the ALB sends it no new requests; the bound the "
        "preStop pause is held to (settings.DEREGISTRATION_PROPAGATION_SECONDS)",
    ),
    "endpoint": Estimate(
        "endpoint update", 0, 2, "no load balancer: the Service endpoint is added and kube-proxy programs it"
    ),
}
"""The estimates, in one place (see the module docstring)."""


# --- The result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One step: how long it takes at best and at worst, and where the numbers come from."""

    name: str
    best: int
    worst: int
    source: str
    case: float | None = None
    """What to expect of a step whose range spans two cases rather than a timer's phase (a node added
    or not); None: the midpoint of the range (see the module docstring)."""

    @property
    def typical(self) -> float:
        return (self.best + self.worst) / 2 if self.case is None else self.case

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "best": self.best,
            "typical": self.typical,
            "worst": self.worst,
            "source": self.source,
        }


@dataclass(frozen=True)
class Chain:
    """Steps that follow one another: the sums of their bests and of their worsts."""

    name: str
    terms: tuple[Term, ...]

    @property
    def best(self) -> int:
        return sum(t.best for t in self.terms)

    @property
    def worst(self) -> int:
        return sum(t.worst for t in self.terms)

    @property
    def typical(self) -> int:
        """The sum of the terms' typical values, rounded up to a whole second (see the module docstring)."""
        return math.ceil(sum(t.typical for t in self.terms))

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "best": self.best,
            "typical": self.typical,
            "worst": self.worst,
            "terms": [t.as_json() for t in self.terms],
        }


@dataclass(frozen=True)
class Figure:
    """What a user can expect: the earliest of its chains (they run side by side), or why there is no figure."""

    key: str
    title: str
    chains: tuple[Chain, ...] = ()
    unavailable: str | None = None
    """Why this stack has no such figure (e.g. no node autoscaler: the pod stays Pending)."""
    notes: tuple[str, ...] = ()

    @property
    def best(self) -> int | None:
        return min((c.best for c in self.chains), default=None)

    @property
    def worst(self) -> int | None:
        return min((c.worst for c in self.chains), default=None)

    @property
    def typical(self) -> int | None:
        """What to expect: the least of the chains' typical values (see the module docstring)."""
        return min((c.typical for c in self.chains), default=None)

    @property
    def first(self) -> Chain | None:
        """The path that ends the figure at worst (the one a user should shorten first)."""
        return min(self.chains, key=lambda c: (c.worst, c.best), default=None)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "best": self.best,
            "typical": self.typical,
            "worst": self.worst,
            "unavailable": self.unavailable,
            "chains": [c.as_json() for c in self.chains],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Timeline:
    scale_out_with_room: Figure
    scale_out_new_node: Figure
    pod_failure: Figure
    node_loss: Figure
    zone_loss: Figure
    scale_out_on_requests: Figure
    assumptions: tuple[str, ...] = field(default=())

    @property
    def figures(self) -> tuple[Figure, ...]:
        return (
            self.scale_out_with_room,
            self.scale_out_new_node,
            self.scale_out_on_requests,
            self.pod_failure,
            self.node_loss,
            self.zone_loss,
        )

    def as_json(self) -> dict[str, Any]:
        return {"figures": [f.as_json() for f in self.figures], "assumptions": list(self.assumptions)}


# --- The arithmetic ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the timeline reads, gathered from the settings once (inputs_of) so a test or a drill can
    vary one thing (dataclasses.replace) and see what moves."""

    metrics_resolution: int
    hpa_sync: int
    min_replicas: int
    max_replicas: int
    scale_up: ScalingRules
    readiness_period: int
    probe_timeout: int
    failure_threshold: int
    alb: bool
    health_interval: int
    health_timeout: int
    unhealthy_threshold: int
    toleration_setting: int | None
    """gateway.nodeFailureTolerationSeconds: None leaves the pods Kubernetes' default (the toleration)."""
    node_grace: int
    node_autoscaler: str | None
    """Who adds a node: "cluster.eks.clusterAutoscaler", "the existing cluster's", or None (nobody)."""
    headroom_replicas: int = 0
    """Replicas of room held by placeholder pods: scaling.headroomReplicas (components/headroom.py)."""
    requests_per_replica: int | None = None
    """scaling.requestsPerReplica: KEDA also scales on requests per target (None: CPU and memory only)."""
    polling_interval: int = 30
    """scaling.pollingIntervalSeconds: how often KEDA reads CloudWatch (the HPA reads KEDA's cached value)."""

    @property
    def toleration(self) -> int:
        """Seconds the gateway's pods stay on an unreachable node."""
        return DEFAULT_TOLERATION_SECONDS if self.toleration_setting is None else self.toleration_setting


def inputs_of(s: StackSettings) -> Inputs:
    eks = s.cluster.provisioned
    if eks is None:
        autoscaler: str | None = "the existing cluster's node autoscaler (assumed to react like this project's)"
    else:
        autoscaler = "cluster.eks.clusterAutoscaler" if eks.cluster_autoscaler.enabled else None
    probes, check = s.gateway.probes, s.load_balancer.health_check
    return Inputs(
        metrics_resolution=METRICS_SERVER_RESOLUTION_SECONDS,
        hpa_sync=HPA_SYNC_PERIOD_SECONDS,
        min_replicas=s.scaling.min_replicas,
        max_replicas=s.scaling.max_replicas,
        scale_up=s.scaling.scale_up,
        readiness_period=probes.readiness_period_seconds,
        probe_timeout=probes.timeout_seconds,
        failure_threshold=probes.failure_threshold,
        alb=s.load_balancer.kind == "alb",
        health_interval=check.interval_seconds,
        health_timeout=check.timeout_seconds,
        unhealthy_threshold=check.unhealthy_threshold,
        toleration_setting=s.gateway.node_failure_toleration_seconds,
        node_grace=NODE_MONITOR_GRACE_SECONDS.get(s.cluster.kubernetes_version, NODE_MONITOR_GRACE_SECONDS_SINCE_1_32),
        node_autoscaler=autoscaler,
        headroom_replicas=s.scaling.headroom_replicas,
        requests_per_replica=s.scaling.requests_per_replica,
        polling_interval=s.scaling.polling_interval_seconds,
    )


def timeline(settings: StackSettings) -> Timeline:
    """The timeline of a stack, from its validated settings."""
    return timeline_of(inputs_of(settings))


def _estimate(key: str, *, best: int | None = None) -> Term:
    e = ESTIMATES[key]
    return Term(e.name, e.best if best is None else best, e.worst, f"estimate: {e.why}")


def _hpa_terms(i: Inputs) -> list[Term]:
    """From a metric the HPA can read to its asking for replicas: its sync, then its stabilization."""
    return [
        Term("HPA sync", 0, i.hpa_sync, f"HPA sync period {i.hpa_sync} s (Kubernetes default)"),
        Term(
            "scale-up stabilization",
            i.scale_up.stabilization_window_seconds,
            i.scale_up.stabilization_window_seconds,
            "scaling.scaleUp.stabilizationWindowSeconds",
        ),
    ]


def _metrics_terms(i: Inputs) -> list[Term]:
    return [
        Term(
            "metrics window",
            i.metrics_resolution,
            2 * i.metrics_resolution,
            f"a whole metrics-server window after the crossing: --metric-resolution={i.metrics_resolution}s "
            "(the EKS add-on, as the upstream manifests)",
        ),
        *_hpa_terms(i),
    ]


def _request_metric_terms(i: Inputs) -> list[Term]:
    """From requests per target rising above scaling.requestsPerReplica to the HPA acting on it."""
    minute = CLOUDWATCH_MINUTE_SECONDS
    return [
        Term(
            "CloudWatch minute",
            minute,
            2 * minute,
            "a whole minute of RequestCountPerTarget after the rise: the load balancer sends per 60 s and KEDA "
            "reads whole minutes (ALB user guide; kedacore/keda aws_cloudwatch_scaler.go)",
        ),
        Term(
            "KEDA end offset",
            REQUESTS_END_OFFSET_SECONDS,
            REQUESTS_END_OFFSET_SECONDS,
            "the minute KEDA reads closed this long before (metricEndTimeOffset), so its data has arrived "
            "(settings.REQUESTS_END_OFFSET_SECONDS)",
        ),
        Term(
            "KEDA poll",
            0,
            i.polling_interval,
            "scaling.pollingIntervalSeconds: KEDA reads CloudWatch this often; the HPA reads its cached value "
            "(useCachedMetrics)",
        ),
        *_hpa_terms(i),
    ]


def request_scale_out_chain(i: Inputs, *, new_node: bool) -> Chain | None:
    """A replica added because requests per target rose, serving: with room on a node, or once a node
    is added (``new_node``, when a node autoscaler can add one). None without request scaling."""
    if i.requests_per_replica is None or i.scale_up.select_policy == "Disabled":
        return None
    if new_node and i.node_autoscaler is None:
        return None
    node = _node_add_terms(i) if new_node else []
    return Chain(
        "scale out on requests" + (" onto a new node" if new_node else ""),
        (*_request_metric_terms(i), _estimate("schedule"), *node, *_pod_start_terms(i, fresh_node=new_node)),
    )


def requests_behind_seconds(i: Inputs) -> int | None:
    """How long request-driven scaling should take at worst: a node added if one can be, else room on a
    node. Requests per target above target for longer than this mean scaling does not keep up (the
    alarm requests-per-target-high, components/alarms.py). None without request scaling."""
    chain = request_scale_out_chain(i, new_node=True) or request_scale_out_chain(i, new_node=False)
    return chain.worst if chain is not None else None


def _pod_start_terms(i: Inputs, *, fresh_node: bool) -> list[Term]:
    """From a pod placed on a node to the ALB sending it requests."""
    terms = [
        # A fresh node has no image: the pull always happens.
        _estimate("pull", best=None if fresh_node else 0),
        _estimate("sandbox"),
        _estimate("start"),
        Term(
            "startup probe",
            0,
            STARTUP_PROBE_PERIOD_SECONDS,
            f"startup probe every {STARTUP_PROBE_PERIOD_SECONDS} s (components/gateway.py)",
        ),
        Term(
            "readiness probe",
            0,
            READINESS_AFTER_STARTUP_SECONDS,
            "the kubelet runs it once the startup probe passes (its next pod sync, 2 s at most), not a period "
            "later (kubernetes/kubernetes pkg/kubelet/prober/prober_manager.go UpdatePodStatus, pod_workers.go)",
        ),
    ]
    if not i.alb:
        return [*terms, _estimate("endpoint")]
    return [
        *terms,
        _estimate("register"),
        # A newly registered target is healthy after passing one check (ALB user guide,
        # target-group-health-checks: "it must pass one health check to be considered healthy").
        Term(
            "first ALB check",
            0,
            i.health_interval,
            "one passing check within loadBalancer.healthCheck.intervalSeconds",
        ),
    ]


def _node_add_terms(i: Inputs, *, best_has_room: bool = False) -> list[Term]:
    """A node added for a Pending pod; ``best_has_room``: at best another node has room (0 s). Then
    the two cases make the range, and the typical case is room where headroom holds it, else a node
    added (Term.case)."""
    who = i.node_autoscaler or "no node autoscaler"
    low_react, high_react = CLUSTER_AUTOSCALER_REACTION_SECONDS
    low_boot, high_boot = NODE_BOOT_SECONDS
    if not best_has_room:
        cases: tuple[float | None, float | None] = (None, None)
        typical = ""
    elif i.headroom_replicas:
        cases, typical = (0, 0), "; typical: 0, headroom holds room"
    else:
        cases = ((low_react + high_react) / 2, (low_boot + high_boot) / 2)
        typical = "; typical: a node is added (no headroom is held)"
    return [
        Term(
            "node autoscaler",
            0 if best_has_room else low_react,
            high_react,
            f"{who}: scan every 10 s, 30 s SLO (cluster-autoscaler FAQ){typical}",
            cases[0],
        ),
        Term(
            "node boot",
            0 if best_has_room else low_boot,
            high_boot,
            "EC2 launch to a Ready node, measured 40-90 s "
            f"(awslabs/amazon-eks-ami#1099, aws/karpenter-provider-aws#3102, #6128){typical}",
            cases[1],
        ),
    ]


def _readiness_chain(i: Inputs) -> Chain:
    return Chain(
        "readiness probe fails",
        (
            Term(
                f"{i.failure_threshold} x {i.readiness_period} s readiness failures",
                (i.failure_threshold - 1) * i.readiness_period,
                i.failure_threshold * i.readiness_period,
                "gateway.probes.failureThreshold x gateway.probes.readinessPeriodSeconds",
            ),
            Term(
                "probe timeout", 0, i.probe_timeout, "the last probe waits gateway.probes.timeoutSeconds on a hung pod"
            ),
            _estimate("propagate"),
        ),
    )


def _health_check_chain(i: Inputs) -> Chain:
    # The ALB marks a target unhealthy after UnhealthyThresholdCount failed checks and routes only
    # to healthy targets (ALB user guide, target-group-health-checks).
    return Chain(
        "ALB health checks fail",
        (
            Term(
                f"{i.unhealthy_threshold} x {i.health_interval} s ALB check failures",
                (i.unhealthy_threshold - 1) * i.health_interval,
                i.unhealthy_threshold * i.health_interval,
                "loadBalancer.healthCheck.unhealthyThreshold x loadBalancer.healthCheck.intervalSeconds",
            ),
            Term(
                "check timeout",
                0,
                i.health_timeout,
                "the last check waits loadBalancer.healthCheck.timeoutSeconds on a hung pod",
            ),
        ),
    )


def _node_unknown_term(i: Inputs) -> Term:
    return Term(
        "node Unknown",
        i.node_grace - NODE_LEASE_RENEW_SECONDS,
        i.node_grace + NODE_MONITOR_PERIOD_SECONDS,
        f"no heartbeat for node-monitor-grace-period {i.node_grace} s (for cluster.kubernetesVersion), "
        f"less the {NODE_LEASE_RENEW_SECONDS} s lease renewal, "
        f"plus the {NODE_MONITOR_PERIOD_SECONDS} s node-monitor-period (Kubernetes defaults)",
    )


def _out_of_rotation_chains(i: Inputs, first: Chain) -> tuple[Chain, ...]:
    """``first`` side by side with the ALB's health checks, when there is an ALB."""
    return (first, _health_check_chain(i)) if i.alb else (first,)


def timeline_of(i: Inputs) -> Timeline:
    """The arithmetic, on gathered inputs."""
    scale = _metrics_terms(i)
    disabled = (
        "scaling.scaleUp.selectPolicy is Disabled: the HPA never adds replicas"
        if i.scale_up.select_policy == "Disabled"
        else None
    )
    ramp = ramp_seconds(i)
    room_notes = (
        f"headroom holds room for {i.headroom_replicas} new replica(s) at once; beyond them, a node may be needed"
        if i.headroom_replicas
        else "no headroom is held: this holds while the nodes have room for the new pod",
        *(
            ()
            if ramp is None
            else (
                f"under load for maxReplicas at once, the scale-up policies (scaling.scaleUp.policies) let the HPA "
                f"ask for all {i.max_replicas} "
                + (f"about {ramp} s after its first step" if ramp else "in its first step"),
            )
        ),
    )
    with_room = Figure(
        "scaleOutWithRoom",
        "a new replica serves, with room on a node",
        ()
        if disabled
        else (Chain("scale out", (*scale, _estimate("schedule"), *_pod_start_terms(i, fresh_node=False))),),
        unavailable=disabled,
        notes=room_notes,
    )
    no_autoscaler = (
        "cluster.eks.clusterAutoscaler is off: a pod that needs a new node stays Pending"
        if i.node_autoscaler is None
        else None
    )
    new_node_chain = Chain(
        "scale out onto a new node",
        (*scale, _estimate("schedule"), *_node_add_terms(i), *_pod_start_terms(i, fresh_node=True)),
    )
    new_node = Figure(
        "scaleOutNewNode",
        "a new replica serves, when a node must be added",
        () if disabled or no_autoscaler else (new_node_chain,),
        unavailable=disabled or no_autoscaler,
    )
    pod_failure = Figure(
        "podFailure",
        "a failed pod (stops answering) gets no new requests",
        _out_of_rotation_chains(i, _readiness_chain(i)),
        notes=(
            "a container that exits is marked not ready at once (the kubelet sees it within about a second)",
            *(
                (
                    f"with minReplicas {i.min_replicas} the failed pod may be the only target: an ALB whose targets "
                    "are all unhealthy fails open and keeps sending them requests until the pod is replaced",
                )
                if i.alb and i.min_replicas < 2
                else ()
            ),
        ),
    )
    replacement = (
        _node_unknown_term(i),
        Term(
            "toleration",
            i.toleration,
            i.toleration,
            f"pods stay on the unreachable node for tolerationSeconds {i.toleration}: "
            + (
                "gateway.nodeFailureTolerationSeconds"
                if i.toleration_setting is not None
                else "the DefaultTolerationSeconds admission plugin's (gateway.nodeFailureTolerationSeconds unset)"
            ),
        ),
        _estimate("schedule"),
        *(_node_add_terms(i, best_has_room=True) if i.node_autoscaler else ()),
        *_pod_start_terms(i, fresh_node=False),
    )
    node_loss = Figure(
        "nodeLoss",
        "a lost node's pods are replaced and serve",
        (Chain("evict and replace", replacement),),
        notes=(
            "best: the other nodes have room; worst: a node is added first",
            "its pods stop getting requests sooner: see the lost zone figure",
        ),
    )
    node_chain = Chain("node lifecycle controller", (_node_unknown_term(i), _estimate("propagate")))
    zone_loss = Figure(
        "zoneLoss",
        "a lost zone's pods get no new requests",
        _out_of_rotation_chains(i, node_chain),
        notes=("a zonal shift (ARC) moves traffic away when started; AWS times an autoshift, this does not",),
    )
    on_requests = request_scale_out_chain(i, new_node=False)
    with_node = request_scale_out_chain(i, new_node=True)
    requests = Figure(
        "scaleOutOnRequests",
        "a new replica serves after requests rise (KEDA, with room)",
        (on_requests,) if on_requests is not None else (),
        unavailable=disabled
        or (
            "scaling.requestsPerReplica is unset: the gateway scales on CPU and memory only"
            if i.requests_per_replica is None
            else None
        ),
        notes=(
            "slower than the CPU path (CloudWatch counts requests per minute): it is there for load whose CPU "
            "stays low, requests waiting on upstream APIs",
            *((f"when a node must be added: {with_node.best}-{with_node.worst} s",) if with_node is not None else ()),
        )
        if on_requests is not None
        else (),
    )
    return Timeline(
        with_room,
        new_node,
        pod_failure,
        node_loss,
        zone_loss,
        requests,
        assumptions=(
            "scale-out: CPU (or memory), or requests per target with KEDA, above the HPA's target by more than "
            "its 10 % tolerance",
            "terms marked 'estimate' are not governed by a setting; the staging drill measures them",
        ),
    )


def ramp_seconds(i: Inputs) -> int | None:
    """Seconds from the HPA's first scale-up step to its asking for maxReplicas, under load that
    warrants maxReplicas at once; None when scale-up is disabled.

    The HPA's own rule (kubernetes/kubernetes, pkg/controller/podautoscaler/horizontal.go,
    calculateScaleUpLimitWithScalingRules): per policy, the replicas at the start of its period
    (current less those added within the last periodSeconds) plus value pods, or times (1 +
    value %) rounded up; the largest of these with selectPolicy Max, the smallest with Min. The
    HPA applies it at each sync."""
    rules = i.scale_up
    if rules.select_policy == "Disabled":
        return None
    pick = max if rules.select_policy == "Max" else min
    current, events, now = i.min_replicas, list[tuple[int, int]](), 0
    while current < i.max_replicas:
        proposals = []
        for policy in rules.policies:
            start = current - sum(added for at, added in events if at > now - policy.period_seconds)
            if policy.type == "Pods":
                proposals.append(start + policy.value)
            else:
                proposals.append(-(-start * (100 + policy.value) // 100))
        target = min(i.max_replicas, pick(proposals))
        if target > current:
            events.append((now, target - current))
            current = target
            now += i.hpa_sync
        else:
            # Nothing more is allowed until a step leaves a policy's period: the first sync after that.
            leaves = min(
                at + p.period_seconds for at, _ in events for p in rules.policies if at + p.period_seconds > now
            )
            now = -(-leaves // i.hpa_sync) * i.hpa_sync
    return events[-1][0] if events else 0


# --- Presentation ------------------------------------------------------------------------------


def _range(best: int | None, worst: int | None) -> str:
    return f"{best}-{worst} s"


def _expect(figure: Figure) -> str:
    return f"{_range(figure.best, figure.worst)}, about {figure.typical} s"


def _term(term: Term) -> str:
    return f"{term.name} {term.best}-{term.worst}"


def _sum(chain: Chain) -> str:
    return " + ".join(_term(t) for t in chain.terms)


def text_lines(t: Timeline, width: int = 110) -> list[str]:
    """The plan's short "Timeline:" section: one line per figure, its chains' terms wrapped below it."""
    lines: list[str] = []
    column = max(len(f.title) for f in t.figures)
    for figure in t.figures:
        if figure.unavailable is not None:
            lines.append(f"{figure.title:<{column}}  none: {figure.unavailable}")
            continue
        lines.append(f"{figure.title:<{column}}  {_expect(figure)}")
        for chain in figure.chains:
            label = "= " if len(figure.chains) == 1 else f"or {chain.name} {_range(chain.best, chain.worst)} = "
            lines.extend(_wrapped(label, [_term(t) for t in chain.terms], width))
    return lines


def _wrapped(label: str, terms: list[str], width: int) -> list[str]:
    """``label`` and the terms joined by " + ", broken between terms, never inside one, each line
    within ``width`` with the " +" that ends a broken one."""
    lines, line = [], "    " + label + terms[0]
    for n, term in enumerate(terms[1:], 2):
        if len(line + " + " + term + (" +" if n < len(terms) else "")) > width:
            lines.append(line + " +")
            line = "        " + term
        else:
            line += " + " + term
    return [*lines, line]


def markdown(t: Timeline) -> str:
    """The figures and their chains as a Markdown table (the README's; a test keeps it in step)."""
    rows = ["| What | Range, typical | Made of |", "| --- | --- | --- |"]
    for figure in t.figures:
        if figure.unavailable is not None:
            rows.append(f"| {figure.title} | none | {figure.unavailable} |")
            continue
        made = "<br>or ".join(
            f"{chain.name} ({_range(chain.best, chain.worst)}): {_sum(chain)}" for chain in figure.chains
        )
        rows.append(f"| {figure.title} | {_expect(figure)} | {made} |")
    notes = [f"- {figure.title}: {note}" for figure in t.figures for note in figure.notes]
    return "\n".join([*rows, "", *notes])


def sources_markdown(t: Timeline) -> str:
    """Each term once, with where its numbers come from, as a Markdown table."""
    seen: dict[str, str] = {}
    for figure in t.figures:
        for chain in figure.chains:
            for term in chain.terms:
                seen.setdefault(term.name, term.source)
    rows = ["| Term | Source |", "| --- | --- |", *(f"| {name} | {source} |" for name, source in seen.items())]
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m components.timeline Pulumi.<stack>.yaml`: the README's table for that stack."""
    from .config import read_stack_file, settings_from_stack_file

    for name in sys.argv[1:] if argv is None else argv:
        print(markdown(timeline(settings_from_stack_file(read_stack_file(pathlib.Path(name))))))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
