"""The typed settings of one stack: the one place for defaults and validation.

A stack file (``Pulumi.<stack>.yaml``) holds data only. Every key under the ``runmcp-gateway``
namespace is parsed into :class:`StackSettings`; anything wrong is reported as one line per problem,
naming the stack file and the key path, before a single resource is registered. Settings that may
come from another resource (``OrOutput[...]``, ``SecretValue``) also take Outputs from a program,
validated by the same rules when they resolve (components/outputs.py).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, get_args

import pulumi
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from .capacity import (
    CLUSTER_AUTOSCALER_REQUESTS,
    CLUSTER_WIDE_REQUESTS,
    DAEMONSET_REQUESTS,
    INSTANCE_TYPES,
    LOAD_BALANCER_CONTROLLER_REPLICAS,
    LOAD_BALANCER_CONTROLLER_REQUESTS,
    NodeGroupCapacity,
    Requests,
    capacity_problem,
    total,
)

# The field markers are defined with the Output handling (outputs.py), and re-exported here.
from .outputs import FROM_RESOURCE as FROM_RESOURCE
from .outputs import LOCATE_OUTPUTS, OUTPUT_HERE, SOURCE, Pending, entry_name_part, is_output, mark_outputs, output_keys
from .outputs import FromResource as FromResource
from .outputs import OrOutput as OrOutput
from .outputs import SecretValue as SecretValue
from .quantities import cpu_millicores, memory_bytes, parse_quantity

PROJECT = "runmcp-gateway"
"""The Pulumi project name, and so the namespace of every config key this program reads."""

KubernetesVersion = Literal["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = get_args(KubernetesVersion)
"""Kubernetes minor versions the objects are built and schema-validated for."""

CLUSTER_AUTOSCALER_CHART_VERSION = "9.46.6"
"""The cluster-autoscaler Helm chart (kubernetes.github.io/autoscaler) installed by default."""

CONFIGMAP_LIMIT_BYTES = 1024 * 1024
"""A ConfigMap (and so the OpenAPI documents it carries) must stay under 1 MiB."""

M = TypeVar("M", bound=BaseModel)

# Environment variables the component sets itself from other settings: one fact, one definition.
RESERVED_ENV = frozenset({"HAPI_PORT", "HAPI_HOME", "HAPI_DISABLE_FILE_LOGS"})


class _Model(BaseModel):
    """Stack-file keys are camelCase; unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        validate_default=True,
        # The docstrings under each field become its description (the JSON Schema's hover text),
        # but only where a schema is made (components/schema.py: with_field_docstrings): reading
        # them costs every run a tenth of a second.
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with settings (a stack file's, or a component's arguments): where (a key path) and what."""

    key: str
    message: str


class _CrossFieldError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def bounds_problems(low_key: str, low: int, high_key: str, high: int) -> list[Problem]:
    """A lower bound above its upper bound (replicas, node group sizes), keyed at the lower one."""
    if low <= high:
        return []
    return [Problem(low_key, f"{low_key.rsplit('.', 1)[-1]} ({low}) is greater than {high_key} ({high})")]


def _refuse(problems: Iterable[Problem]) -> None:
    """Raise the problems a model validator found (none: return), for _problems_from to report
    each under its key path below the model's own."""
    found = list(problems)
    if found:
        raise _CrossFieldError(found)


# --- List settings that make one resource per entry ---------------------------------------------
# Each entry becomes part of a resource's logical name, so two entries with one name part would be
# two resources with one URN, which the engine refuses mid-update ("Duplicate resource URN").
# The name parts below are the ones the components use; tests/test_strict.py holds them together.


def name_slug(text: str) -> str:
    """components/alarms.py: the name part of an SNS subscription's endpoint."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def https_name_part(url: str) -> str:
    """components/alarms.py: the name part of an SNS subscription's https endpoint."""
    return name_slug(url.removeprefix("https://"))


def cidr_name_part(cidr: str) -> str:
    """components/load_balancer.py: the name part of a client CIDR's security group rules."""
    return cidr.replace("/", "-")


def role_name_part(role_arn: str) -> str:
    """components/cluster.py: the name part of an admin role's access entry (the role's name)."""
    return role_arn.rsplit("/", 1)[-1]


def _duplicates(key: str, values: Sequence[OrOutput[str]], name_part: Any, what: str) -> Iterable[Problem]:
    """Entries that would name their resources alike. An entry given as an Output is named by its
    position (outputs.entry_name_part); two Outputs that resolve to one value are not caught here
    (for admin roles EKS refuses the second access entry; SNS keeps one subscription)."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        part = entry_name_part(value, index, name_part)
        if part not in first:
            first[part] = index
            continue
        earlier = values[first[part]]
        if earlier == value:
            message = f"{value!r} is listed twice (also entry {first[part]}); keep one"
        else:
            message = (
                f"{_entry(value, index)} and entry {first[part]} ({_entry(earlier, first[part])}) would both make "
                f"{what} named '...-{part}' (Pulumi refuses two resources with one URN); keep one"
            )
        yield Problem(f"{key}.{index}", message)


def _entry(value: OrOutput[str], index: int) -> str:
    return repr(value) if isinstance(value, str) else f"the Output at entry {index}"


# --- Field types -------------------------------------------------------------------------------


UNIQUE_ENTRIES: dict[str, Any] = {"uniqueItems": True}
"""For the stack-file schema of a list that makes one resource per entry: an editor flags a repeated
entry as you type (the settings also refuse entries that differ but give one name)."""


def _matches(pattern: str, explanation: str) -> AfterValidator:
    """A validator that accepts only text matching ``pattern`` whole, explaining what it expects."""
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if not compiled.fullmatch(text):
            raise ValueError(f"{text!r} {explanation}")
        return text

    return AfterValidator(check)


def _quantity(text: str) -> str:
    parse_quantity(text)
    return text


def _cidr(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError as err:
        raise ValueError(f"{text!r} is not a CIDR block such as '10.0.0.0/16' ({err})") from err


def _image(text: str) -> str:
    """Accept only images pinned to a version tag or a digest."""
    name, _, digest = text.partition("@")
    if digest:
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise ValueError(f"{text!r} has a malformed digest; expected '@sha256:' and 64 hex digits")
        return text
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        raise ValueError(f"{text!r} has no tag; pin a version (e.g. 'hapimcp/hapi-cli:0.6.0') or a digest")
    tag = last.split(":", 1)[1]
    if tag == "latest":
        raise ValueError(f"{text!r} uses the moving tag 'latest'; pin a version or a digest")
    if not re.fullmatch(r"[\w][\w.-]{0,127}", tag):
        raise ValueError(f"{text!r} has an invalid tag {tag!r}")
    return text


def _env_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise ValueError(f"{text!r} is not an environment variable name")
    if text in RESERVED_ENV:
        raise ValueError(f"{text!r} is set by the component itself from other settings; remove it")
    return text


def _absolute_path(text: str) -> str:
    if not text.startswith("/") or ".." in text.split("/"):
        raise ValueError(f"{text!r} must be an absolute path without '..'")
    return text.rstrip("/") or "/"


def _vpc_cidr(text: str) -> str:
    prefix = ipaddress.ip_network(text).prefixlen
    if not 16 <= prefix <= 20:
        raise ValueError(f"{text!r} is a /{prefix}; a VPC range here is /16 to /20 (room for a subnet per zone)")
    return text


def _instance_type(text: str) -> str:
    if text not in INSTANCE_TYPES:
        known = ", ".join(sorted(INSTANCE_TYPES))
        raise ValueError(
            f"{text!r} is not in the capacity table of components/capacity.py (known: {known}); "
            "add it there with its figures"
        )
    return text


Quantity = Annotated[str, AfterValidator(_quantity)]
DnsLabel = Annotated[
    str,
    _matches(
        r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?",
        "is not a DNS label: lower-case letters, digits and '-', starting with a letter, at most 63 characters",
    ),
]
Cidr = Annotated[str, AfterValidator(_cidr)]
Image = Annotated[str, AfterValidator(_image)]
EnvName = Annotated[str, AfterValidator(_env_name)]
SpecFileName = Annotated[
    str, _matches(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.(yaml|yml|json)", "must be a file name ending in .yaml, .yml or .json")
]
HttpPath = Annotated[
    str, _matches(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*", "must be an absolute URL path such as '/health'")
]
AbsolutePath = Annotated[str, AfterValidator(_absolute_path)]
VpcId = OrOutput[Annotated[str, _matches(r"vpc-[0-9a-f]{8,17}", "is not a VPC id (vpc-...)")]]
SubnetId = OrOutput[Annotated[str, _matches(r"subnet-[0-9a-f]{8,17}", "is not a subnet id (subnet-...)")]]
SecurityGroupId = OrOutput[Annotated[str, _matches(r"sg-[0-9a-f]{8,17}", "is not a security group id (sg-...)")]]
Percent = Annotated[int, Field(ge=1, le=100)]
Port = Annotated[int, Field(ge=1024, le=65535)]


# --- runmcp-gateway:cluster --------------------------------------------------------------------

Arn = Annotated[str, _matches(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+", "is not an ARN")]
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
    """A Kubernetes cluster that already exists: only the provider is built, no AWS resources."""

    kubeconfig: SecretValue | None = None
    """kubeconfig text, as a Pulumi secret. Unset: the ambient kubeconfig (KUBECONFIG or ~/.kube/config)."""
    context: str | None = None
    """kubeconfig context to use; unset: the kubeconfig's current context."""


class ExistingVpc(_Model):
    """A VPC and subnets made elsewhere. Public subnets need the tag kubernetes.io/role/elb=1 and
    private ones kubernetes.io/role/internal-elb=1 for load balancers to find them."""

    vpc_id: VpcId
    private_subnet_ids: OrOutput[Annotated[Sequence[SubnetId], Field(min_length=2)]]
    """Where the nodes run: at least two, in different availability zones. Each, or the whole list,
    may be an Output."""
    public_subnet_ids: OrOutput[Sequence[SubnetId]] = Field(default_factory=list)
    """Where an internet-facing load balancer goes; may be empty for an internal one. Each, or the
    whole list, may be an Output (then the count of two or more is left to AWS to check)."""


class NetworkSettings(_Model):
    """A new VPC: private subnets for the nodes and public ones for the load balancer and NAT, one of
    each per availability zone."""

    cidr: Annotated[Cidr, AfterValidator(_vpc_cidr)] = "10.0.0.0/16"
    """The VPC's range, /16 to /20. Each zone gets one eighth as a private subnet (pods take VPC
    addresses with the VPC CNI) and a slice of the seventh eighth as a public subnet."""
    availability_zones: Annotated[int, Field(ge=2, le=6)] = 3
    """How many zones to spread subnets and nodes over (the region's first N available ones)."""
    nat_gateways: Literal["single", "perZone"] = "perZone"
    """perZone: one NAT gateway per zone, so losing a zone leaves the others online. single: one
    shared NAT gateway, cheaper, but a zone outage cuts egress for every zone."""
    existing: ExistingVpc | None = None
    """Use this VPC and these subnets instead of creating a VPC."""

    @model_validator(mode="after")
    def _one_source(self) -> NetworkSettings:
        if self.existing is not None:
            _refuse(
                Problem(to_camel(field), "has no effect with network.existing; remove one of them")
                for field in sorted(self.model_fields_set - {"existing"})
            )
        return self


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


class ClusterAutoscalerSettings(_Model):
    """Adds nodes when pods the HPA created cannot be scheduled, and removes idle ones."""

    enabled: bool = True
    chart_version: Annotated[str, _matches(r"\d+\.\d+\.\d+", "is not a chart version such as '9.46.6'")] = (
        CLUSTER_AUTOSCALER_CHART_VERSION
    )
    scale_down_unneeded_time: Annotated[str, _matches(r"\d+[smh]", "is not a duration such as '10m'")] = "10m"
    """How long a node must be unneeded before it is removed."""


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

    @model_validator(mode="after")
    def _distinct_admins(self) -> EksSettings:
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


# --- runmcp-gateway:gateway --------------------------------------------------------------------


class ResourceRequests(_Model):
    cpu: Quantity = "250m"
    memory: Quantity = "256Mi"


class ResourceLimits(_Model):
    cpu: Quantity | None = None
    """Unset by default: a CPU limit throttles a latency-sensitive gateway while the node has idle
    CPU, and the HPA scales on the request, not the limit (EKS best practices)."""
    memory: Quantity = "512Mi"
    """Always set: memory cannot be throttled, only OOM-killed, so bound it per pod."""


class Resources(_Model):
    requests: ResourceRequests = ResourceRequests()
    limits: ResourceLimits = ResourceLimits()

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Resources:
        _refuse(_resource_problems(self))
        return self


def _resource_problems(res: Resources) -> Iterable[Problem]:
    cpu, memory = cpu_millicores(res.requests.cpu), memory_bytes(res.requests.memory)
    if res.limits.cpu is not None and cpu > cpu_millicores(res.limits.cpu):
        yield Problem("requests.cpu", f"request {res.requests.cpu} is above the limit {res.limits.cpu}")
    if memory > memory_bytes(res.limits.memory):
        yield Problem("requests.memory", f"request {res.requests.memory} is above the limit {res.limits.memory}")
    if cpu < 1:
        yield Problem("requests.cpu", "must be at least 1m: the HPA divides by it")
    if memory < 1:
        yield Problem("requests.memory", "must be more than zero")


class Probes(_Model):
    """Startup, readiness and liveness probes all GET ``healthPath`` on ``port``."""

    startup_timeout_seconds: Annotated[int, Field(ge=5, le=3600)] = 120
    """How long the gateway may take to load its OpenAPI documents before liveness applies."""
    readiness_period_seconds: Annotated[int, Field(ge=1, le=300)] = 5
    liveness_period_seconds: Annotated[int, Field(ge=1, le=300)] = 15
    timeout_seconds: Annotated[int, Field(ge=1, le=60)] = 2
    failure_threshold: Annotated[int, Field(ge=1, le=30)] = 3


class Shutdown(_Model):
    """Graceful shutdown of a pod: the pause, then the drain of open streams."""

    pre_stop_seconds: Annotated[int, Field(ge=1, le=120)] = 15
    """Pause before SIGTERM, while endpoints and load balancers stop sending new requests."""
    drain_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    """Time after SIGTERM for in-flight requests and Streamable HTTP / SSE streams to finish."""

    @property
    def termination_grace_period_seconds(self) -> int:
        """Kubernetes counts the grace period from the start of the preStop hook, so it must
        cover the pause and then the drain."""
        return self.pre_stop_seconds + self.drain_seconds

    @property
    def deregistration_delay_seconds(self) -> int:
        """How long the load balancer keeps a deregistering pod's open requests and streams.

        Deregistration starts when the pod starts terminating, as the pause begins; the pod lives
        for the grace period after that. A shorter delay would cut streams the pod may still
        finish; a longer one would wait on a pod that is gone. So: the grace period."""
        return self.termination_grace_period_seconds


class EgressRule(_Model):
    """Traffic the gateway may send to upstream APIs."""

    cidr: Cidr
    except_: list[Cidr] = Field(default_factory=list, alias="except")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(default_factory=lambda: [443], min_length=1)


class NetworkPolicySettings(_Model):
    """Deny by default; allow the gateway port in, DNS out, and the listed upstreams out."""

    ingress_cidrs: list[Cidr] = Field(default_factory=lambda: ["0.0.0.0/0"], min_length=1)
    """Sources allowed to reach the gateway port."""
    egress: list[EgressRule] = Field(default_factory=list)
    """Upstream APIs the gateway calls. Empty: no egress but DNS."""


class GatewaySettings(_Model):
    name: DnsLabel = "runmcp-gateway"
    """Name of the Kubernetes objects (Deployment, Service, ...) inside the namespace."""
    namespace: DnsLabel = "runmcp-gateway"
    image: Image
    port: Port = 3030
    args: list[str] = Field(default_factory=lambda: ["serve", "--headless"])
    """Arguments to the image's entrypoint; ``--port`` is added from ``port``."""
    env: dict[EnvName, str] = Field(default_factory=dict)
    secret_env: dict[EnvName, SecretValue] = Field(default_factory=dict)
    """Environment variables delivered through a Kubernetes Secret; values must be Pulumi secrets."""
    health_path: HttpPath = "/health"
    resources: Resources = Resources()
    openapi_specs: dict[SpecFileName, str] = Field(default_factory=dict)
    """File name -> OpenAPI document text, mounted read-only at ``specsPath``."""
    home_path: AbsolutePath = "/app/.hapi"
    """HAPI_HOME: a writable scratch directory (emptyDir); the root filesystem is read-only."""
    specs_path: AbsolutePath = "/app/.hapi/specs"
    run_as_user: Annotated[int, Field(ge=10000, le=2147483647)] = 10001
    """UID (and GID) the gateway runs as: non-root, and high enough not to collide with host users."""
    probes: Probes = Probes()
    shutdown: Shutdown = Shutdown()
    network_policy: NetworkPolicySettings = NetworkPolicySettings()

    @model_validator(mode="after")
    def _consistent(self) -> GatewaySettings:
        _refuse(_gateway_problems(self))
        return self


def _gateway_problems(g: GatewaySettings) -> Iterable[Problem]:
    for flag in ("--port", "-p"):
        if any(a == flag or a.startswith(flag + "=") for a in g.args):
            yield Problem("args", f"remove {flag}: the port comes from gateway.port")
    for name in sorted(set(g.env) & set(g.secret_env)):
        yield Problem(f"secretEnv.{name}", "is also set in gateway.env; keep one")
    yield from _spec_problems(g)


# --- runmcp-gateway:scaling --------------------------------------------------------------------


class ScalingPolicy(_Model):
    type: Literal["Pods", "Percent"]
    value: Annotated[int, Field(ge=1)]
    period_seconds: Annotated[int, Field(ge=1, le=1800)]


class ScalingRules(_Model):
    stabilization_window_seconds: Annotated[int, Field(ge=0, le=3600)]
    policies: list[ScalingPolicy] = Field(min_length=1)
    select_policy: Literal["Max", "Min", "Disabled"] = "Max"


def _default_scale_up() -> ScalingRules:
    # React at once: double, or add 4 pods, every 30 s, whichever is more.
    return ScalingRules(
        stabilization_window_seconds=0,
        policies=[
            ScalingPolicy(type="Percent", value=100, period_seconds=30),
            ScalingPolicy(type="Pods", value=4, period_seconds=30),
        ],
    )


def _default_scale_down() -> ScalingRules:
    # Slowly: a pod being removed drains its open streams, so shed at most 1 pod or 10% a minute
    # after five quiet minutes.
    return ScalingRules(
        stabilization_window_seconds=300,
        policies=[
            ScalingPolicy(type="Pods", value=1, period_seconds=60),
            ScalingPolicy(type="Percent", value=10, period_seconds=60),
        ],
    )


class ScalingSettings(_Model):
    min_replicas: Annotated[int, Field(ge=1, le=1000)] = 2
    max_replicas: Annotated[int, Field(ge=1, le=1000)] = 10
    target_cpu_utilization: Percent = 70
    """Average CPU use, in percent of the CPU request, that the HPA keeps the pods at."""
    target_memory_utilization: Percent | None = None
    scale_up: ScalingRules = Field(default_factory=_default_scale_up)
    scale_down: ScalingRules = Field(default_factory=_default_scale_down)

    @model_validator(mode="after")
    def _min_within_max(self) -> ScalingSettings:
        _refuse(bounds_problems("minReplicas", self.min_replicas, "maxReplicas", self.max_replicas))
        return self


# --- runmcp-gateway:loadBalancer ---------------------------------------------------------------

LOAD_BALANCER_CONTROLLER_CHART_VERSION = "1.17.1"
"""The aws-load-balancer-controller Helm chart (aws.github.io/eks-charts), controller v2.17.1."""
DEREGISTRATION_PROPAGATION_SECONDS = 10
"""How long the preStop pause must at least last behind an ALB: the controller sees the pod
terminating, deregisters its IP, and the ALB stops sending new requests to it within seconds."""
MAX_DEREGISTRATION_DELAY_SECONDS = 3600

TlsPolicy = Annotated[
    str,
    _matches(r"ELBSecurityPolicy-TLS13-[\w-]+", "is not a TLS 1.3 ELB security policy (ELBSecurityPolicy-TLS13-...)"),
]
DomainName = Annotated[
    str,
    _matches(
        r"([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
        "is not a fully qualified domain name such as 'mcp.example.com'",
    ),
]
CertificateArn = OrOutput[
    Annotated[
        str, _matches(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[\w-]+", "is not an ACM certificate ARN")
    ]
]
HostedZoneId = OrOutput[Annotated[str, _matches(r"Z[A-Z0-9]{1,31}", "is not a Route 53 hosted zone id (Z...)")]]


class DomainSettings(_Model):
    name: DomainName
    """The gateway's host name; an ACM certificate for it is made and validated through DNS."""
    hosted_zone_id: HostedZoneId
    """The Route 53 public hosted zone that holds ``name`` (for validation and the alias record)."""
    alias_record: bool = True
    """Point ``name`` at the load balancer with an alias A record."""


class HealthCheckSettings(_Model):
    """The target group's check of each pod: the gateway's health path and port (the probes' facts)."""

    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 10
    timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 5
    healthy_threshold: Annotated[int, Field(ge=2, le=10)] = 2
    """Two passes (20 s): a new pod takes traffic soon after its readiness probe passes."""
    unhealthy_threshold: Annotated[int, Field(ge=2, le=10)] = 2
    """Two failures (20 s): about as quick as the readiness probe (3 x 5 s) takes a pod out."""

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> HealthCheckSettings:
        if self.timeout_seconds >= self.interval_seconds:
            _refuse([Problem("timeoutSeconds", "must be shorter than intervalSeconds")])
        return self


class StickinessSettings(_Model):
    """Cookie stickiness, only for a gateway that keeps session state in memory (it should not)."""

    enabled: bool = False
    duration_seconds: Annotated[int, Field(ge=1, le=604800)] = 86400


class AccessLogSettings(_Model):
    enabled: bool = True
    """Access logs to an S3 bucket made for them: private, SSE-S3 encrypted (the only encryption
    ALB log delivery supports), TLS-only."""
    retention_days: Annotated[int, Field(ge=1, le=3653)] = 90


class WafSettings(_Model):
    enabled: bool = False
    """A WAF web ACL with a rate-based rule (billed per ACL, rule and request)."""
    requests_per_five_minutes: Annotated[int, Field(ge=10, le=2000000000)] = 2000
    """Requests one client IP may make in any 5-minute window before it is blocked."""


class ControllerSettings(_Model):
    """The AWS Load Balancer Controller: it registers the gateway's pod IPs in the target group."""

    install: bool = True
    """False when the cluster runs the controller already."""
    chart_version: Annotated[str, _matches(r"\d+\.\d+\.\d+", "is not a chart version such as '1.17.1'")] = (
        LOAD_BALANCER_CONTROLLER_CHART_VERSION
    )


class ExistingClusterNetwork(_Model):
    """Where the load balancer goes when the cluster is not made here (cluster.existing)."""

    cluster_name: OrOutput[ClusterName]
    """The EKS cluster's name (for the controller and its Pod Identity association)."""
    vpc_id: VpcId
    subnet_ids: OrOutput[Annotated[Sequence[SubnetId], Field(min_length=2)]]
    """Subnets for the load balancer, in two or more zones (public ones for internet-facing). Each,
    or the whole list, may be an Output."""
    target_security_group_id: SecurityGroupId
    """The security group of the nodes the gateway pods run on; it gets the rule admitting the ALB."""


class LoadBalancerSettings(_Model):
    """An Application Load Balancer in front of the gateway, owned by this program."""

    kind: Literal["alb", "none"] = "alb"
    """none: only the ClusterIP Service, for users who front the gateway themselves."""
    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    allowed_cidrs: list[Cidr] = Field(
        default_factory=lambda: ["0.0.0.0/0"], min_length=1, json_schema_extra=UNIQUE_ENTRIES
    )
    """Clients allowed to reach the load balancer on 80 and 443."""
    certificate_arn: CertificateArn | None = None
    """An ACM certificate for the HTTPS listener. Unset with ``domain`` set: one is made."""
    domain: DomainSettings | None = None
    tls_policy: TlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS 1.3 and 1.2 with forward-secret ciphers only (the console's default, not the API's)."""
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 900
    """A connection with no bytes either way for this long is closed. Streamable HTTP / SSE streams
    can be quiet for minutes between events, so the ALB's 60 s default would cut them; clients
    reconnect after an idle close, so 15 minutes bounds what abandoned connections cost."""
    drop_invalid_header_fields: bool = True
    desync_mitigation_mode: Literal["strictest", "defensive", "monitor"] = "strictest"
    deletion_protection: bool = True
    access_logs: AccessLogSettings = AccessLogSettings()
    health_check: HealthCheckSettings = HealthCheckSettings()
    stickiness: StickinessSettings = StickinessSettings()
    waf: WafSettings = WafSettings()
    controller: ControllerSettings = ControllerSettings()
    existing_cluster: ExistingClusterNetwork | None = None
    """Required with cluster.existing: the VPC, subnets and node security group to use."""

    @model_validator(mode="after")
    def _consistent(self) -> LoadBalancerSettings:
        if self.kind == "none":
            _refuse(
                Problem(to_camel(field), "has no effect with kind: none; remove it")
                for field in sorted(self.model_fields_set - {"kind"})
            )
        else:
            _refuse(_duplicates("allowedCidrs", self.allowed_cidrs, cidr_name_part, "the security group rules"))
        return self

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None or self.domain is not None


# --- runmcp-gateway:alarms ---------------------------------------------------------------------

EmailAddress = OrOutput[Annotated[str, _matches(r"[^@\s]+@[^@\s]+\.[^@\s]+", "is not an email address")]]
HttpsUrl = OrOutput[Annotated[str, _matches(r"https://[^\s]+", "is not an https:// URL")]]
SnsTopicArn = OrOutput[
    Annotated[str, _matches(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}", "is not an SNS topic ARN")]
]


class AlarmThresholds(_Model):
    """When each alarm fires. Defaults suit production; a stack file raises them for development."""

    server_error_percent: Annotated[float, Field(gt=0, le=100)] = 5
    """Gateway (target) 5xx responses, in percent of requests, in 3 of 5 minutes."""
    min_requests_for_rate: Annotated[int, Field(ge=1)] = 20
    """Below this many requests a minute the 5xx rate is not judged (one error in two requests is not 50 %)."""
    load_balancer_errors_per_minute: Annotated[int, Field(ge=1)] = 10
    """5xx the load balancer itself returns (no healthy target, connection failure, timeout)."""
    latency_p95_seconds: Annotated[float, Field(gt=0, le=300)] = 2
    """Time to first byte at p95 for 5 minutes (for streams: until the response headers)."""
    latency_p99_seconds: Annotated[float, Field(gt=0, le=300)] | None = None
    """Optional p99 latency alarm."""
    node_cpu_percent: Percent = 80
    node_memory_percent: Percent = 80
    node_filesystem_percent: Percent = 80
    """Below the kubelet's eviction at 90 % used (nodefs.available<10%)."""
    pod_memory_over_limit_percent: Percent = 80
    """A pod's memory in percent of its limit: near 100 the pod is OOM-killed."""
    container_restarts: Annotated[int, Field(ge=1)] = 3
    """Restarts of the gateway's containers in any one pod."""
    capacity_exhausted_minutes: Annotated[int, Field(ge=5, le=1440, multiple_of=5)] = 15
    """How long running pods may sit at maxReplicas before the alarm says the HPA has no room left."""
    certificate_days_to_expiry: Annotated[int, Field(ge=1, le=365)] = 44
    """AWS's recommended warning for an ACM certificate that has not renewed."""


class AlarmSettings(_Model):
    """CloudWatch alarms, their notifications and a dashboard."""

    enabled: bool = True
    emails: list[EmailAddress] = Field(default_factory=list, json_schema_extra=UNIQUE_ENTRIES)
    """Email subscriptions to the alarm topic (each address confirms by mail)."""
    https_endpoints: list[HttpsUrl] = Field(default_factory=list, json_schema_extra=UNIQUE_ENTRIES)
    """HTTPS subscriptions (a pager or chat webhook that confirms SNS's subscription request)."""
    existing_topic_arns: OrOutput[Sequence[SnsTopicArn]] = Field(default_factory=list)
    """Topics that also receive every alarm and OK notification (each, or the whole list, may be an
    Output)."""
    runbook_url: Annotated[str, _matches(r"\S+", "must not be empty")] = "docs/runbooks.md"
    """Where the runbook lives; each alarm links to its section. Set it to the file's URL in your
    repository host (e.g. https://github.com/<org>/runmcp-gateway/blob/main/docs/runbooks.md)."""
    container_insights_cluster_name: OrOutput[ClusterName] | None = None
    """For cluster.existing: the EKS cluster name Container Insights reports under (unset: no
    cluster and workload alarms). A provisioned cluster's name is used on its own."""
    thresholds: AlarmThresholds = AlarmThresholds()

    @model_validator(mode="after")
    def _consistent(self) -> AlarmSettings:
        _refuse(_alarm_settings_problems(self))
        return self


def _alarm_settings_problems(alarms: AlarmSettings) -> Iterable[Problem]:
    if not alarms.enabled:
        for field in sorted(alarms.model_fields_set - {"enabled"}):
            yield Problem(to_camel(field), "has no effect with enabled: false; remove it")
        return
    yield from _duplicates("emails", alarms.emails, name_slug, "the email subscription")
    yield from _duplicates(
        "httpsEndpoints",
        alarms.https_endpoints,
        https_name_part,
        "the https subscription",
    )


# --- The whole stack ---------------------------------------------------------------------------


class StackSettings(_Model):
    cluster: ClusterSettings = ClusterSettings()
    gateway: GatewaySettings
    scaling: ScalingSettings = ScalingSettings()
    load_balancer: LoadBalancerSettings = LoadBalancerSettings()
    alarms: AlarmSettings = AlarmSettings()

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
        return notes


def _cross_field_problems(s: StackSettings) -> Iterable[Problem]:
    """The rules that span sections; a rule about one section's data lives on that section's model
    (so a building block given that model alone refuses it too)."""
    yield from _cluster_problems(s)
    yield from _load_balancer_problems(s)
    yield from _alarm_problems(s)


def _alarm_problems(s: StackSettings) -> Iterable[Problem]:
    alarms = s.alarms
    if not alarms.enabled:
        return
    if s.cluster.provisioned is not None and alarms.container_insights_cluster_name is not None:
        yield Problem(
            "alarms.containerInsightsClusterName", "applies only with cluster.existing; the made cluster's name is used"
        )


def _load_balancer_problems(s: StackSettings) -> Iterable[Problem]:
    lb = s.load_balancer
    if lb.kind == "none":
        return
    eks = s.cluster.provisioned
    if eks is None and lb.existing_cluster is None:
        yield Problem(
            "loadBalancer.existingCluster",
            "is required with cluster.existing: the cluster name, VPC, subnets and node security group",
        )
    if eks is not None and lb.existing_cluster is not None:
        yield Problem("loadBalancer.existingCluster", "applies only with cluster.existing; remove it")
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


def shutdown_behind_alb_problems(shutdown: Shutdown) -> Iterable[Problem]:
    """What an ALB needs of a pod's shutdown (keys below ``shutdown``): the platform and the load
    balancer block, which is handed the gateway's shutdown, apply the same rule."""
    if shutdown.pre_stop_seconds < DEREGISTRATION_PROPAGATION_SECONDS:
        yield Problem(
            "preStopSeconds",
            f"is {shutdown.pre_stop_seconds}; behind an ALB the pause must last at least "
            f"{DEREGISTRATION_PROPAGATION_SECONDS} s so the pod is out of the target group before it stops accepting",
        )
    if shutdown.termination_grace_period_seconds > MAX_DEREGISTRATION_DELAY_SECONDS:
        yield Problem(
            "drainSeconds",
            f"preStopSeconds + drainSeconds is {shutdown.termination_grace_period_seconds}; the ALB drains a "
            f"target for at most {MAX_DEREGISTRATION_DELAY_SECONDS} s",
        )


def _cluster_problems(s: StackSettings) -> Iterable[Problem]:
    eks = s.cluster.provisioned
    if eks is not None:
        yield from _capacity_problems(s, eks)


def _capacity_problems(s: StackSettings, eks: EksSettings) -> Iterable[Problem]:
    requests = s.gateway.resources.requests
    groups = [
        NodeGroupCapacity(
            name=name,
            instance_types=tuple(group.instance_types),
            size=group.max_size if eks.cluster_autoscaler.enabled else group.min_size,
            size_key="maxSize" if eks.cluster_autoscaler.enabled else "minSize",
            schedulable=not any(t.effect in ("NoSchedule", "NoExecute") for t in group.taints),
        )
        for name, group in eks.node_groups.items()
    ]
    problem = capacity_problem(
        groups,
        gateway_pod=Requests(cpu_millicores(requests.cpu), memory_bytes(requests.memory) / 2**20),
        max_replicas=s.scaling.max_replicas,
        daemonsets=total(DAEMONSET_REQUESTS.values()),
        cluster_wide=total(
            [
                *CLUSTER_WIDE_REQUESTS.values(),
                CLUSTER_AUTOSCALER_REQUESTS.times(int(eks.cluster_autoscaler.enabled)),
                LOAD_BALANCER_CONTROLLER_REQUESTS.times(
                    LOAD_BALANCER_CONTROLLER_REPLICAS
                    * int(s.load_balancer.kind == "alb" and s.load_balancer.controller.install)
                ),
            ]
        ),
    )
    if problem is not None:
        yield Problem("scaling.maxReplicas", problem)


def _spec_problems(g: GatewaySettings) -> Iterable[Problem]:
    total = 0
    for file_name, text in g.openapi_specs.items():
        total += len(text.encode())
        key = f"openapiSpecs.{file_name}"
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as err:
            yield Problem(key, f"is not YAML or JSON: {_one_line(str(err))}")
            continue
        if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
            yield Problem(key, "is not an OpenAPI 3 document (it needs a top-level 'openapi: 3.x' field)")
    if total >= CONFIGMAP_LIMIT_BYTES:
        yield Problem(
            "openapiSpecs",
            f"the documents take {total} bytes; a ConfigMap holds less than {CONFIGMAP_LIMIT_BYTES}",
        )
    if g.specs_path == g.home_path:
        yield Problem("specsPath", "must differ from gateway.homePath (the specs are mounted read-only)")


# --- Loading and error reporting ---------------------------------------------------------------


AWS_REGION_KEY = "aws:region"
"""The AWS provider's region, read from the stack file like every other setting."""

# Paths (below the project namespace) whose values must be Pulumi secrets in the stack file.
SECRET_PATHS: tuple[tuple[str, ...], ...] = (("cluster", "existing", "kubeconfig"), ("gateway", "secretEnv", "*"))


class SettingsError(pulumi.RunError):
    """Bad settings. ``str()`` is one line per problem; Pulumi prints it without a traceback."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        # A key of another namespace (aws:region) is shown as it is.
        return [f"{self.source}: {p.key if ':' in p.key else f'{PROJECT}:{p.key}'}: {p.message}" for p in self.problems]


def stack_file_name(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def load_settings(
    config: Mapping[str, Any],
    *,
    source: str,
    secure_paths: Iterable[tuple[str, ...]] | None = None,
    needs_region: bool = True,
) -> StackSettings:
    """Parse a stack's config into StackSettings, or raise SettingsError listing every problem.

    ``config`` maps full keys (``runmcp-gateway:scaling``) to values as Pulumi hands them to the
    program: strings, structured values as JSON text. Keys of other namespaces (``aws:region``) are
    not ours and are ignored. ``secure_paths`` lists the paths that were ``secure:`` in the stack
    file; when given, a secret setting written in plain text is an error. ``needs_region``: the
    config is a whole stack's, so ``aws:region`` must be in it for an EKS cluster.
    """
    ours: dict[str, Any] = {}
    problems: list[Problem] = []
    known = [to_camel(name) for name in StackSettings.model_fields]
    for full_key, raw in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            if _misspelt_project(namespace):
                problems.append(
                    Problem(full_key, f"'{namespace}' is not this project's namespace: write {PROJECT}:{key}")
                )
            continue
        if key not in known:
            problems.append(Problem(key, "unknown key" + _did_you_mean(key, known)))
            continue
        ours[key] = _decode(raw)
    if secure_paths is not None:
        problems.extend(_plaintext_secrets(ours, set(secure_paths)))
    outputs: list[Pending] = []
    ours = mark_outputs(ours, source, outputs)
    if outputs:
        # Where is each Output, and is it where one may be? (See components/outputs.py.)
        try:
            StackSettings.model_validate(ours, context={LOCATE_OUTPUTS: True})
        except ValidationError as err:
            problems.extend(_problems_from(err))
        if problems:
            raise SettingsError(source, problems)
    try:
        settings = StackSettings.model_validate(ours, context={SOURCE: source})
    except ValidationError as err:
        problems.extend(_problems_from(err))
        raise SettingsError(source, problems) from None
    if needs_region and settings.cluster.provisioned is not None and not config.get(AWS_REGION_KEY):
        problems.append(
            Problem(AWS_REGION_KEY, "is required to make an EKS cluster: pulumi config set aws:region <region>")
        )
    if problems:
        raise SettingsError(source, problems)
    for output in outputs:
        output.settled = True
    return settings


MISSPELT_PROJECT_PREFIX = "runmcp"
"""A config namespace that starts like the project's but is not it (runmcp:, runmcp_gateway:,
runmcp-gatway:) holds keys meant for this program that Pulumi would hand to no one."""


def _misspelt_project(namespace: str) -> bool:
    return namespace.startswith(MISSPELT_PROJECT_PREFIX) or bool(
        difflib.get_close_matches(namespace, [PROJECT], n=1, cutoff=0.8)
    )


def _decode(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _plaintext_secrets(ours: Mapping[str, Any], secure: set[tuple[str, ...]]) -> Iterable[Problem]:
    for pattern in SECRET_PATHS:
        for path, _ in _walk(ours, pattern):
            if path not in secure:
                dotted = ".".join(path)
                yield Problem(
                    dotted,
                    f"must be a Pulumi secret, not plain text in the stack file: "
                    f"pulumi config set --secret --path '{dotted}' <value>",
                )


def _walk(node: Any, pattern: tuple[str, ...], prefix: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
    if not pattern:
        yield prefix, node
        return
    if not isinstance(node, Mapping):
        return
    head, rest = pattern[0], pattern[1:]
    keys = list(node) if head == "*" else [head] if head in node else []
    for key in keys:
        yield from _walk(node[key], rest, (*prefix, str(key)))


def validate_section(model: type[M], value: object) -> tuple[M | None, list[Problem]]:
    """Validate one section on its own, as a building block given just its settings does: the
    section's model, or None and every problem keyed below the section. A mapping holds the stack
    file's keys (camelCase; snake_case names are accepted too); an instance of ``model`` is validated
    again from its data, since model_construct and model_copy(update=...) skip validation."""
    data = (
        value.model_dump(mode="python", by_alias=True, exclude_unset=True, warnings=False)
        if isinstance(value, model)
        else value
    )
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, _problems_from(err, root=model)


def _problems_from(
    err: ValidationError,
    prefix: Iterable[str] = (),
    *,
    root: type[BaseModel] | None = None,
    secret: bool = False,
) -> list[Problem]:
    """One problem per error, its key the error's location below ``prefix``; ``root``: the model the
    locations start from (for suggestions); ``secret``: the value was a secret, so it is shown nowhere
    in the messages."""
    problems: list[Problem] = []
    refused: set[str] = set()
    for e in err.errors(include_url=False):
        loc = [*prefix, *(str(part) for part in e["loc"] if part != "[key]")]
        if e["type"] == OUTPUT_HERE:
            # The locating pass: an Output where one may be. Now its key is known.
            assert isinstance(e["input"], Pending)
            e["input"].loc = tuple(loc)
            continue
        if is_output(e.get("input")):
            key = ".".join(loc) if loc else "(top level)"
            if key not in refused:  # a union reports one error per member
                refused.add(key)
                problems.append(Problem(key, _output_refused(key)))
            continue
        ctx = e.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, _CrossFieldError):
            here = ".".join(loc)
            problems.extend(
                Problem(".".join(filter(None, [here, p.key])) or "(top level)", p.message) for p in inner.problems
            )
            continue
        key = ".".join(loc) if loc else "(top level)"
        if e["type"] == "extra_forbidden":
            parent = _model_at(loc[:-1], root or StackSettings)
            choices = [f.alias or name for name, f in parent.model_fields.items()] if parent else []
            problems.append(Problem(key, "unknown key" + _did_you_mean(loc[-1], choices)))
        elif e["type"] == "missing":
            problems.append(Problem(key, "is required"))
        else:
            message = str(e["msg"]).removeprefix("Value error, ")
            given = e.get("input")
            if secret:
                if isinstance(given, str) and given:
                    message = message.replace(repr(given), SHOWN_SECRET).replace(given, SHOWN_SECRET)
                problems.append(Problem(key, f"{message} (got {SHOWN_SECRET})"))
            else:
                problems.append(Problem(key, f"{message} (got {_shown(given, loc)})"))
    return problems


def _model_at(loc: list[str], root: type[BaseModel]) -> type[BaseModel] | None:
    """The settings model class found at a key path below ``root``, to suggest the right key for a typo."""
    model = root
    for part in loc:
        field = next(
            (f for n, f in model.model_fields.items() if (f.alias or n) == part or n == part),
            None,
        )
        if field is None:
            return None
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        found = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if found is None:
            return None
        model = found
    return model


def _output_refused(key: str) -> str:
    everywhere = output_keys(StackSettings)
    section = key.split(".", 1)[0]
    nearby = [k for k in everywhere if k.split(".", 1)[0] == section]
    return (
        "is an Output, but this setting must be known when the program runs (it is checked, and shapes what "
        f"is made, before any resource exists); the keys that take Outputs{' here' if nearby else ''} are "
        f"{', '.join(nearby or everywhere)}"
    )


SHOWN_SECRET = "[secret]"
"""How a secret value shows in a message."""


def _shown(value: Any, loc: list[str]) -> str:
    if any(part in ("kubeconfig", "secretEnv") for part in loc):
        return SHOWN_SECRET
    text = json.dumps(value, default=_unshown) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unshown(value: Any) -> str:
    """How a value that is not JSON data (an Output, say) shows in a message."""
    return "<Output>" if is_output(value) else type(value).__name__


def _did_you_mean(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(choices))})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
