"""runmcp-gateway:cluster: the EKS cluster made for a stack, or an existing one (components/cluster.py,
components/gateway_cluster.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator

from ..capacity import INSTANCE_TYPES
from ..outputs import OrOutput, SecretValue
from .base import Problem, _duplicates, _Model, _refuse, bounds_problems
from .fields import UNIQUE_ENTRIES, Cidr, DnsLabel, SecurityGroupId, SubnetId, VpcId, _matches
from .network import NetworkSettings
from .node_autoscaling import ClusterAutoscalerSettings

KubernetesVersion = Literal["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = get_args(KubernetesVersion)
"""Kubernetes minor versions the objects are built and schema-validated for."""


def role_name_part(role_arn: str) -> str:
    """components/cluster.py: the name part of an admin role's access entry (the role's name)."""
    return role_arn.rsplit("/", 1)[-1]


def _instance_type(text: str) -> str:
    if text not in INSTANCE_TYPES:
        known = ", ".join(sorted(INSTANCE_TYPES))
        raise ValueError(
            f"{text!r} is not in the capacity table of components/capacity.py (known: {known}); "
            "add it there with its figures"
        )
    return text


RoleArn = OrOutput[
    Annotated[
        str,
        _matches(
            r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+",
            "is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
        ),
    ]
]
KmsKeyArn = OrOutput[
    Annotated[
        str, _matches(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/-]+", "is not a KMS key or alias ARN")
    ]
]
ClusterName = Annotated[
    str,
    _matches(
        r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}", "is not an EKS cluster name: letters, digits, '-' and '_', at most 100"
    ),
]
ControlPlaneLogType = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]
EksAddonName = Literal[
    "vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "metrics-server", "amazon-cloudwatch-observability"
]
EKS_ADDONS: tuple[str, ...] = get_args(EksAddonName)
"""The EKS add-ons every provisioned cluster gets: networking (with NetworkPolicy enforcement), DNS,
Pod Identity, the metrics the HPA reads, and Container Insights."""
AddonVersion = Annotated[
    str, _matches(r"v\d+\.\d+\.\d+(-eksbuild\.\d+)?", "is not an add-on version such as 'v1.19.2-eksbuild.1'")
]
InstanceTypeName = Annotated[str, AfterValidator(_instance_type)]
LabelKey = Annotated[
    str,
    _matches(
        r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?",
        "is not a Kubernetes label key",
    ),
]
LabelValue = Annotated[
    str, _matches(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?", "is not a Kubernetes label value")
]


class ExistingClusterSettings(_Model):
    """A Kubernetes cluster that already exists: no cluster is made. Every fact about it lives here,
    once: how to reach it, and what a gateway's load balancer and alarms need to know about it."""

    kubeconfig: SecretValue | None = None
    """kubeconfig text, as a Pulumi secret. Unset: the ambient kubeconfig (KUBECONFIG or ~/.kube/config)."""
    context: str | None = None
    """kubeconfig context to use; unset: the kubeconfig's current context."""
    name: OrOutput[ClusterName] | None = None
    """The EKS cluster's name: for the load balancer controller's Pod Identity association, and the
    name Container Insights reports under (unset: no cluster and workload alarms). Required with an ALB."""
    vpc_id: VpcId | None = None
    """The cluster's VPC, where the load balancer and its target group go. Required with an ALB."""
    subnet_ids: OrOutput[Sequence[SubnetId]] = Field(default_factory=list)
    """Subnets for the load balancers, in two or more zones (public ones for internet-facing).
    Required with an ALB. Each, or the whole list, may be an Output (then the count of two or more
    is left to AWS to check)."""
    node_security_group_id: SecurityGroupId | None = None
    """The security group of the nodes the gateway pods run on; it gets the rule admitting the ALB.
    Required with an ALB."""
    private_subnet_ids: OrOutput[Sequence[SubnetId]] = Field(default_factory=list)
    """The cluster's private subnets, in two or more zones: where a session store made here
    (sessionStore.kind: valkey) goes, and internal load balancers (unset: ``subnetIds``). Each, or
    the whole list, may be an Output."""


class EndpointSettings(_Model):
    """Where the Kubernetes API can be reached from. The private endpoint is always on."""

    public_access_cidrs: list[Cidr] = Field(default_factory=list)
    """Sources allowed to reach the public endpoint; empty turns it off (then `pulumi up` must run
    from inside the VPC). The machine running Pulumi must be able to reach one of the two."""


class ControlPlaneLogging(_Model):
    types: list[ControlPlaneLogType] = Field(default_factory=lambda: list(get_args(ControlPlaneLogType)))
    """Control-plane logs sent to CloudWatch Logs (billed per GB); empty turns logging off."""
    retention_days: LogRetentionDays = 90
    """How long CloudWatch keeps them (the log group is created with the cluster)."""


class SecretsEncryption(_Model):
    """Envelope encryption of Kubernetes Secrets with a customer-managed KMS key. Without it EKS
    still encrypts them with an AWS-owned key; a customer key adds a key policy, rotation and an
    audit trail. Once on it cannot be turned off."""

    create_key: bool = False
    """Create a KMS key for this cluster (rotation on)."""
    kms_key_arn: KmsKeyArn | None = None
    """Use this existing KMS key instead."""

    @model_validator(mode="after")
    def _one_key(self) -> SecretsEncryption:
        if self.create_key and self.kms_key_arn is not None:
            _refuse([Problem("", "set createKey or kmsKeyArn, not both")])
        return self


class Taint(_Model):
    key: LabelKey
    value: LabelValue = ""
    effect: Literal["NoSchedule", "NoExecute", "PreferNoSchedule"]


class NodeGroupSettings(_Model):
    """One EKS managed node group over the private subnets of every zone."""

    instance_types: list[InstanceTypeName] = Field(default_factory=lambda: ["m6i.large"], min_length=1)
    """All of one CPU architecture. The capacity check assumes the smallest."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    min_size: Annotated[int, Field(ge=0, le=1000)] = 2
    max_size: Annotated[int, Field(ge=1, le=1000)] = 6
    disk_size_gib: Annotated[int, Field(ge=20, le=16384)] = 50
    """Root volume (gp3, encrypted): images and logs live here."""
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    taints: list[Taint] = Field(default_factory=list)
    """Pods without a matching toleration stay off these nodes; the gateway tolerates none."""
    max_unavailable: Annotated[int, Field(ge=1, le=100)] = 1
    """Nodes replaced at a time during a node group update."""

    @model_validator(mode="after")
    def _consistent(self) -> NodeGroupSettings:
        problems = bounds_problems("minSize", self.min_size, "maxSize", self.max_size)
        if len({INSTANCE_TYPES[t].architecture for t in self.instance_types}) > 1:
            problems.append(Problem("instanceTypes", "mixes x86_64 and arm64 types; one node group runs one AMI"))
        _refuse(problems)
        return self


class EksSettings(_Model):
    """An EKS cluster made for this stack: VPC, cluster, managed node groups, add-ons, node autoscaling."""

    name: ClusterName | None = None
    """Cluster name; unset: "<platform>-<stack>". Fixed, not auto-named, because the control-plane
    log group (/aws/eks/<name>/cluster) must exist, with its retention, before the cluster."""
    network: NetworkSettings = NetworkSettings()
    endpoint: EndpointSettings = EndpointSettings()
    admin_role_arns: list[RoleArn] = Field(default_factory=list, json_schema_extra=UNIQUE_ENTRIES)
    """IAM roles given cluster-admin through access entries (the creator is admin already)."""
    logging: ControlPlaneLogging = ControlPlaneLogging()
    secrets_encryption: SecretsEncryption = SecretsEncryption()
    node_groups: dict[DnsLabel, NodeGroupSettings] = Field(
        default_factory=lambda: {"general": NodeGroupSettings()}, min_length=1
    )
    addon_versions: dict[EksAddonName, AddonVersion] = Field(default_factory=dict)
    """Pinned add-on versions; an add-on not listed gets the default version EKS names for the
    cluster's Kubernetes version, resolved at each run."""
    cluster_autoscaler: ClusterAutoscalerSettings = ClusterAutoscalerSettings()
    protect: bool = True
    """Protect the cluster and node groups from deletion (Pulumi protect and EKS deletion protection)."""
    zonal_shift: bool = False
    """EKS zonal shift: during a shift of an impaired zone its nodes are cordoned, new nodes launch in
    the healthy zones and its endpoints leave the Services (pods are not evicted)
    (docs.aws.amazon.com/eks/latest/userguide/zone-shift.html)."""
    zonal_autoshift: bool = False
    """ARC zonal autoshift of the cluster: AWS starts and ends the zonal shift itself, and practises it
    about weekly; the gateway's availability alarms are the practice runs' outcome alarms
    (docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-autoshift.how-it-works.html). Needs zonalShift,
    and nodes that hold scaling.minReplicas with a zone gone (the practice runs take one away)."""

    @model_validator(mode="after")
    def _distinct_admins(self) -> EksSettings:
        if self.zonal_autoshift and not self.zonal_shift:
            _refuse([Problem("zonalAutoshift", "needs zonalShift: true (autoshift shifts with zonal shift)")])
        _refuse(_duplicates("adminRoleArns", self.admin_role_arns, role_name_part, "the access entry"))
        return self


class ClusterSettings(_Model):
    """Where the gateway runs: an EKS cluster made for this stack (``eks``, the default) or an
    existing cluster (``existing``)."""

    kubernetes_version: KubernetesVersion = "1.33"
    """Kubernetes minor version: of the EKS cluster, and the schema objects are validated against."""
    eks: EksSettings = EksSettings()
    existing: ExistingClusterSettings | None = None

    @model_validator(mode="after")
    def _one_cluster(self) -> ClusterSettings:
        if self.existing is not None and "eks" in self.model_fields_set:
            _refuse([Problem("", "set either 'eks' (a cluster made for this stack) or 'existing', not both")])
        return self

    @property
    def provisioned(self) -> EksSettings | None:
        """The EKS settings when this stack makes its cluster; None for an existing cluster."""
        return None if self.existing is not None else self.eks
