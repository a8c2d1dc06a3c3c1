"""Node capacity arithmetic: will the node groups hold the gateway at maxReplicas?

Pure functions over a small, documented table; no Pulumi here, so the settings model can run the
check before a single resource is registered.

Per instance type the table keeps vCPUs, memory and the pods the VPC CNI can address (ENIs x
(IPv4 addresses per ENI - 1) + 2, without prefix delegation), the last as the EKS AMI publishes it
(``ENI_MAX_PODS``). What the kubelet can hand to pods (allocatable) follows the Amazon EKS AMI's
reservations:

- CPU reserved: 6% of the first core, 1% of the second, 0.5% of the third and fourth, 0.25% of
  every further core;
- memory reserved: 255 MiB + 11 MiB per pod the node can run (kube-reserved), plus the 100 MiB
  hard eviction threshold;

and a margin for what the kernel and firmware keep out of the nominal memory (the kubelet reports
a few percent less than the instance type's size).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Architecture = Literal["x86_64", "arm64"]

MEMORY_MARGIN = 0.05
"""Share of nominal memory the node never reports as capacity (kernel, firmware): kept out of the sums."""


@dataclass(frozen=True)
class InstanceType:
    vcpus: int
    memory_mib: int
    max_pods: int
    architecture: Architecture


ENI_MAX_PODS: Mapping[str, int] = {
    "t3.medium": 17,
    "t3.large": 35,
    "t3.xlarge": 58,
    "t3a.medium": 17,
    "t3a.large": 35,
    "t4g.medium": 17,
    "t4g.large": 35,
    "m5.large": 29,
    "m5.xlarge": 58,
    "m5.2xlarge": 58,
    "m6i.large": 29,
    "m6i.xlarge": 58,
    "m6i.2xlarge": 58,
    "m6a.large": 29,
    "m6a.xlarge": 58,
    "m6a.2xlarge": 58,
    "m7i.large": 29,
    "m7i.xlarge": 58,
    "m7i.2xlarge": 58,
    "m7a.large": 29,
    "m7a.xlarge": 58,
    "m7a.2xlarge": 58,
    "m6g.large": 29,
    "m6g.xlarge": 58,
    "m6g.2xlarge": 58,
    "m7g.large": 29,
    "m7g.xlarge": 58,
    "m7g.2xlarge": 58,
    "c6i.large": 29,
    "c6i.xlarge": 58,
    "c6i.2xlarge": 58,
    "c7i.large": 29,
    "c7i.xlarge": 58,
    "c7i.2xlarge": 58,
    "c6g.large": 29,
    "c6g.xlarge": 58,
    "c6g.2xlarge": 58,
    "c7g.large": 29,
    "c7g.xlarge": 58,
    "c7g.2xlarge": 58,
    "r6i.large": 29,
    "r6i.xlarge": 58,
    "r6i.2xlarge": 58,
    "r7i.large": 29,
    "r7i.xlarge": 58,
    "r7i.2xlarge": 58,
    "r6g.large": 29,
    "r6g.xlarge": 58,
    "r6g.2xlarge": 58,
    "r7g.large": 29,
    "r7g.xlarge": 58,
    "r7g.2xlarge": 58,
}
"""Pods per node the VPC CNI can address, for the types below only, as published by the Amazon EKS AMI
in awslabs/amazon-eks-ami, templates/shared/runtime/eni-max-pods.txt, read at commit
2377b69aaeb8d751af1a265c2bfbeb94e6f6da90 (2026-02-27), the file's last version: commit
72b60466fb3ee70e331b5cbcb90b30d451c7eea1 (2026-03-19) deleted it, and nodeadm now computes the same
figure, default ENIs x (IPv4 addresses per ENI - 1) + 2, from nodeadm/internal/kubelet/instance-info.jsonl
(at 81fec2e895854f599974fe4d3d72f61c0a9aaffa it gives the same figure for every type here)."""


def _family(
    prefix: str, architecture: Architecture, gib_per_vcpu: int, sizes: Iterable[str] = ("large", "xlarge", "2xlarge")
) -> dict[str, InstanceType]:
    vcpus = {"large": 2, "xlarge": 4, "2xlarge": 8}
    return {
        f"{prefix}.{size}": InstanceType(
            vcpus=vcpus[size],
            memory_mib=vcpus[size] * gib_per_vcpu * 1024,
            max_pods=ENI_MAX_PODS[f"{prefix}.{size}"],
            architecture=architecture,
        )
        for size in sizes
    }


INSTANCE_TYPES: Mapping[str, InstanceType] = {
    # Burstable: fine for development, not for a gateway under steady load (CPU credits run out).
    "t3.medium": InstanceType(2, 4096, ENI_MAX_PODS["t3.medium"], "x86_64"),
    "t3.large": InstanceType(2, 8192, ENI_MAX_PODS["t3.large"], "x86_64"),
    "t3.xlarge": InstanceType(4, 16384, ENI_MAX_PODS["t3.xlarge"], "x86_64"),
    "t3a.medium": InstanceType(2, 4096, ENI_MAX_PODS["t3a.medium"], "x86_64"),
    "t3a.large": InstanceType(2, 8192, ENI_MAX_PODS["t3a.large"], "x86_64"),
    "t4g.medium": InstanceType(2, 4096, ENI_MAX_PODS["t4g.medium"], "arm64"),
    "t4g.large": InstanceType(2, 8192, ENI_MAX_PODS["t4g.large"], "arm64"),
    # General purpose (4 GiB per vCPU), compute (2 GiB), memory (8 GiB).
    **_family("m5", "x86_64", 4),
    **_family("m6i", "x86_64", 4),
    **_family("m6a", "x86_64", 4),
    **_family("m7i", "x86_64", 4),
    **_family("m7a", "x86_64", 4),
    **_family("m6g", "arm64", 4),
    **_family("m7g", "arm64", 4),
    **_family("c6i", "x86_64", 2),
    **_family("c7i", "x86_64", 2),
    **_family("c6g", "arm64", 2),
    **_family("c7g", "arm64", 2),
    **_family("r6i", "x86_64", 8),
    **_family("r7i", "x86_64", 8),
    **_family("r6g", "arm64", 8),
    **_family("r7g", "arm64", 8),
}
"""Instance types the capacity check knows. To use another, add it here with its figures."""


@dataclass(frozen=True)
class Requests:
    """CPU (millicores), memory (MiB) and pod slots."""

    cpu_m: float
    memory_mib: float
    pods: int = 1

    def __add__(self, other: Requests) -> Requests:
        return Requests(self.cpu_m + other.cpu_m, self.memory_mib + other.memory_mib, self.pods + other.pods)

    def times(self, n: int) -> Requests:
        return Requests(self.cpu_m * n, self.memory_mib * n, self.pods * n)

    def as_kubernetes(self) -> dict[str, str]:
        """As a container's `resources.requests`, for the system pods whose requests we set."""
        return {"cpu": f"{round(self.cpu_m)}m", "memory": f"{round(self.memory_mib)}Mi"}


NOTHING = Requests(0, 0, 0)


def total(requests: Iterable[Requests]) -> Requests:
    result = NOTHING
    for r in requests:
        result = result + r
    return result


def _reserved_cpu_m(vcpus: int) -> float:
    steps = [(1, 0.06), (1, 0.01), (2, 0.005)]
    reserved, left = 0.0, vcpus
    for cores, share in steps:
        used = min(cores, left)
        reserved += used * 1000 * share
        left -= used
    return reserved + left * 1000 * 0.0025


def allocatable(instance: InstanceType) -> Requests:
    """What pods can request on one node of this type."""
    memory = instance.memory_mib * (1 - MEMORY_MARGIN) - (255 + 11 * instance.max_pods) - 100
    return Requests(instance.vcpus * 1000 - _reserved_cpu_m(instance.vcpus), memory, instance.max_pods)


# What the add-ons ask of the nodes (their default requests), so the gateway's room is what is left.
# Daemonsets take their share on every node; the other system pods once per cluster.
DAEMONSET_REQUESTS: Mapping[str, Requests] = {
    "aws-node (vpc-cni: 25m each for the CNI and the network policy agent)": Requests(50, 0),
    "kube-proxy": Requests(100, 0),
    "eks-pod-identity-agent": Requests(25, 0),
    "cloudwatch-agent (amazon-cloudwatch-observability)": Requests(250, 128),
    "fluent-bit (amazon-cloudwatch-observability)": Requests(50, 25),
}
CLUSTER_WIDE_REQUESTS: Mapping[str, Requests] = {
    "coredns (2 replicas)": Requests(100, 70).times(2),
    "metrics-server": Requests(100, 200),
    "amazon-cloudwatch-observability controller": Requests(100, 64),
}
CLUSTER_AUTOSCALER_REQUESTS = Requests(100, 300)
"""Set explicitly on the cluster-autoscaler release (the chart sets none)."""
LOAD_BALANCER_CONTROLLER_REQUESTS = Requests(100, 128)
"""Set explicitly on each aws-load-balancer-controller replica (the chart sets none)."""
LOAD_BALANCER_CONTROLLER_REPLICAS = 2
KEDA_REQUESTS = Requests(100, 100)
"""Each of KEDA's three pods (operator, metrics API server, admission webhooks): the keda chart's own
requests (kedacore/charts keda/values.yaml, resources), set explicitly on the release."""
KEDA_PODS = 3


@dataclass(frozen=True)
class NodeGroupCapacity:
    """One node group as the check sees it: its smallest instance type, at the largest size it can reach."""

    name: str
    instance_types: tuple[str, ...]
    size: int
    size_key: str
    """The setting that bounds ``size``: maxSize with node autoscaling, minSize (the fixed size) without."""
    schedulable: bool
    """False when taints keep the gateway (which tolerates none) off these nodes."""

    @property
    def instance_type(self) -> str:
        """The type with the least allocatable CPU, then memory: what the check assumes every node is."""
        return min(
            self.instance_types,
            key=lambda t: (allocatable(INSTANCE_TYPES[t]).cpu_m, allocatable(INSTANCE_TYPES[t]).memory_mib),
        )

    def free_per_node(self, daemonsets: Requests) -> Requests:
        a = allocatable(INSTANCE_TYPES[self.instance_type])
        return Requests(a.cpu_m - daemonsets.cpu_m, a.memory_mib - daemonsets.memory_mib, a.pods - daemonsets.pods)


def capacity_problem(
    groups: list[NodeGroupCapacity],
    gateway_pod: Requests,
    max_replicas: int,
    daemonsets: Requests,
    cluster_wide: Requests,
) -> str | None:
    """Why the node groups at their maximum size cannot run ``max_replicas`` gateway pods beside
    the system pods, with by how much and what to change; None when they can."""
    eligible = [g for g in groups if g.schedulable]
    if not eligible:
        return "every node group has a NoSchedule or NoExecute taint, so no node can run the gateway"
    fits = [g for g in eligible if _fits(gateway_pod, g.free_per_node(daemonsets))]
    if not fits:
        biggest = max(eligible, key=lambda g: g.free_per_node(daemonsets).cpu_m)
        free = biggest.free_per_node(daemonsets)
        return (
            f"one gateway pod ({_cpu(gateway_pod.cpu_m)} CPU, {_mib(gateway_pod.memory_mib)} memory) fits on no node: "
            f"a {biggest.instance_type} has {_cpu(free.cpu_m)} CPU and {_mib(free.memory_mib)} left after daemonsets; "
            "choose a larger instance type or lower gateway.resources.requests"
        )
    free = total(g.free_per_node(daemonsets).times(g.size) for g in fits)
    room = Requests(
        free.cpu_m - cluster_wide.cpu_m, free.memory_mib - cluster_wide.memory_mib, free.pods - cluster_wide.pods
    )
    need = gateway_pod.times(max_replicas)
    short = [
        (what, needed - available, shown)
        for what, needed, available, shown in (
            ("CPU", need.cpu_m, room.cpu_m, _cpu),
            ("memory", need.memory_mib, room.memory_mib, _mib),
            ("pod slots", need.pods, room.pods, str),
        )
        if needed > available
    ]
    if not short:
        return None
    first = fits[0]
    per_node = first.free_per_node(daemonsets)
    more = max(
        math.ceil((need.cpu_m - room.cpu_m) / per_node.cpu_m),
        math.ceil((need.memory_mib - room.memory_mib) / per_node.memory_mib),
        math.ceil((need.pods - room.pods) / per_node.pods),
        1,
    )
    layout = ", ".join(f"{g.name}: {g.size} x {g.instance_type}" for g in fits)
    missing = "; ".join(f"short by {shown(amount)} {what}" for what, amount, shown in short)
    return (
        f"{max_replicas} gateway pods need {_cpu(need.cpu_m)} CPU and {_mib(need.memory_mib)} memory, and the "
        f"node groups at their largest size ({layout}) have {_cpu(max(room.cpu_m, 0))} CPU, "
        f"{_mib(max(room.memory_mib, 0))} memory and {max(room.pods, 0)} pod slots left after system pods: {missing}. "
        f"Raise cluster.eks.nodeGroups.{first.name}.{first.size_key} to {first.size + more}, "
        "choose a larger instance type, or lower scaling.maxReplicas or gateway.resources.requests"
    )


def nodes_left_after_zone_loss(size: int, zones: int) -> int:
    """A node group's nodes spread evenly over ``zones`` (its Auto Scaling group balances them:
    docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html#AutoScalingBehavior.InstanceUsage);
    losing the zone that holds the most leaves the rest."""
    return size - math.ceil(size / zones)


def zone_loss_problem(
    groups: list[NodeGroupCapacity],
    zones: int,
    gateway_pod: Requests,
    min_replicas: int,
    daemonsets: Requests,
    cluster_wide: Requests,
) -> str | None:
    """Why the nodes left when one of ``zones`` is lost (``groups`` at the size they hold before the
    node autoscaler adds any: their minimum) cannot run ``min_replicas`` gateway pods beside the
    system pods, with by how much; None when they can. Until nodes are added, that is all the
    gateway has (AWS: plan capacity for losing one zone, docs.aws.amazon.com/eks/latest/userguide/zone-shift.html)."""
    fits = [g for g in groups if g.schedulable and _fits(gateway_pod, g.free_per_node(daemonsets))]
    if not fits:
        return None  # capacity_problem says why no node can run the gateway at all
    left = [(g, nodes_left_after_zone_loss(g.size, zones)) for g in fits]
    free = total(g.free_per_node(daemonsets).times(n) for g, n in left)
    room = Requests(
        free.cpu_m - cluster_wide.cpu_m, free.memory_mib - cluster_wide.memory_mib, free.pods - cluster_wide.pods
    )
    per_node = fits[0].free_per_node(daemonsets)
    pods_held = max(
        0,
        min(
            math.floor(room.cpu_m / gateway_pod.cpu_m) if gateway_pod.cpu_m else min_replicas,
            math.floor(room.memory_mib / gateway_pod.memory_mib) if gateway_pod.memory_mib else min_replicas,
            room.pods,
        ),
    )
    if pods_held >= min_replicas:
        return None
    first = fits[0]
    size = first.size
    while True:  # the smallest minimum whose survivors hold what is missing
        size += 1
        extra = nodes_left_after_zone_loss(size, zones) - nodes_left_after_zone_loss(first.size, zones)
        more = per_node.times(extra)
        if (
            min(
                math.floor((room.cpu_m + more.cpu_m) / gateway_pod.cpu_m) if gateway_pod.cpu_m else min_replicas,
                math.floor((room.memory_mib + more.memory_mib) / gateway_pod.memory_mib)
                if gateway_pod.memory_mib
                else min_replicas,
                room.pods + more.pods,
            )
            >= min_replicas
        ):
            break
    layout = ", ".join(f"{g.name}: {n} x {g.instance_type}" for g, n in left)
    return (
        f"losing one of {zones} zones leaves {layout}, which hold {pods_held} of the {min_replicas} gateway pods "
        f"scaling.minReplicas asks for (short by {min_replicas - pods_held}) until the node autoscaler adds nodes; "
        f"raise cluster.eks.nodeGroups.{first.name}.minSize to {size}"
    )


def _fits(pod: Requests, free: Requests) -> bool:
    return pod.cpu_m <= free.cpu_m and pod.memory_mib <= free.memory_mib and pod.pods <= free.pods


def _cpu(millicores: float) -> str:
    return f"{math.ceil(millicores)}m"


def _mib(mib: float) -> str:
    return f"{math.ceil(mib)}Mi"
