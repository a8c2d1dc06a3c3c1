"""Typed args of the settings, at every depth: one TypedDict per settings model.

Generated from the settings model by `make args` (python -m components.args_codegen); do not edit.
Keys are snake_case (the stack file's camelCase works in a plain dict too); ``pulumi.Input`` marks
the settings whose value may come from another resource.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads these annotations as
# real types to make the package schema (components/package_schema.py).
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Required, TypeAlias, TypedDict

import pulumi

if TYPE_CHECKING:
    NetworkNatGateways: TypeAlias = Literal["single", "perZone"]
    ControlPlaneLogType: TypeAlias = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]
    LogRetentionDays: TypeAlias = Literal[
        1,
        3,
        5,
        7,
        14,
        30,
        60,
        90,
        120,
        150,
        180,
        365,
        400,
        545,
        731,
        1096,
        1827,
        2192,
        2557,
        2922,
        3288,
        3653,
    ]
    TaintEffect: TypeAlias = Literal["NoSchedule", "NoExecute", "PreferNoSchedule"]
    NodeGroupCapacityType: TypeAlias = Literal["ON_DEMAND", "SPOT"]
    EksAddonName: TypeAlias = Literal[
        "vpc-cni",
        "coredns",
        "kube-proxy",
        "eks-pod-identity-agent",
        "metrics-server",
        "amazon-cloudwatch-observability",
    ]
    KubernetesVersion: TypeAlias = Literal["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]
    ScalingPolicyType: TypeAlias = Literal["Pods", "Percent"]
    ScalingRulesSelectPolicy: TypeAlias = Literal["Max", "Min", "Disabled"]
    LoadBalancerKind: TypeAlias = Literal["alb", "none"]
    LoadBalancerScheme: TypeAlias = Literal["internet-facing", "internal"]
    LoadBalancerDesyncMitigationMode: TypeAlias = Literal["strictest", "defensive", "monitor"]
    ValkeyStoreKind: TypeAlias = Literal["valkey"]
    ValkeyMajorVersion: TypeAlias = Literal["7", "8"]
    ExistingStoreKind: TypeAlias = Literal["existing"]
    SessionStoreKind: TypeAlias = Literal["valkey", "existing"]
else:  # the analyzer reads the base types; the schema gets the enums from the settings model
    NetworkNatGateways = str
    ControlPlaneLogType = str
    LogRetentionDays = int
    TaintEffect = str
    NodeGroupCapacityType = str
    EksAddonName = str
    KubernetesVersion = str
    ScalingPolicyType = str
    ScalingRulesSelectPolicy = str
    LoadBalancerKind = str
    LoadBalancerScheme = str
    LoadBalancerDesyncMitigationMode = str
    ValkeyStoreKind = str
    ValkeyMajorVersion = str
    ExistingStoreKind = str
    SessionStoreKind = str


class ExistingVpcArgs(TypedDict, total=False):
    """A VPC and subnets made elsewhere. Public subnets need the tag kubernetes.io/role/elb=1 and
    private ones kubernetes.io/role/internal-elb=1 for load balancers to find them.

    Stack file: `runmcp-gateway:cluster.eks.network.existing`.
    """

    vpc_id: Required[pulumi.Input[str]]
    private_subnet_ids: Required[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Where the nodes run: at least two, in different availability zones. Each, or the whole list,
    may be an Output.
    """
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Where an internet-facing load balancer goes; may be empty for an internal one. Each, or the
    whole list, may be an Output (then the count of two or more is left to AWS to check).

    Default: `[]`.
    """


class NetworkSettingsArgs(TypedDict, total=False):
    """A new VPC: private subnets for the nodes and public ones for the load balancer and NAT, one of
    each per availability zone.

    Stack file: `runmcp-gateway:cluster.eks.network`.
    """

    cidr: str
    """The VPC's range, /16 to /20. Each zone gets one eighth as a private subnet (pods take VPC
    addresses with the VPC CNI) and a slice of the seventh eighth as a public subnet.

    Default: `"10.0.0.0/16"`.
    """
    availability_zones: int
    """How many zones to spread subnets and nodes over (the region's first N available ones).

    Default: `3`.
    """
    nat_gateways: NetworkNatGateways
    """perZone: one NAT gateway per zone, so losing a zone leaves the others online. single: one
    shared NAT gateway, cheaper, but a zone outage cuts egress for every zone.

    Default: `"perZone"`.
    """
    existing: ExistingVpcArgs
    """Use this VPC and these subnets instead of creating a VPC."""


class EndpointSettingsArgs(TypedDict, total=False):
    """Where the Kubernetes API can be reached from. The private endpoint is always on.

    Stack file: `runmcp-gateway:cluster.eks.endpoint`.
    """

    public_access_cidrs: Sequence[str]
    """Sources allowed to reach the public endpoint; empty turns it off (then `pulumi up` must run
    from inside the VPC). The machine running Pulumi must be able to reach one of the two.

    Default: `[]`.
    """


class ControlPlaneLoggingArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:cluster.eks.logging`."""

    types: Sequence[ControlPlaneLogType]
    """Control-plane logs sent to CloudWatch Logs (billed per GB); empty turns logging off.

    Default: `["api", "audit", "authenticator", "controllerManager", "scheduler"]`.
    """
    retention_days: LogRetentionDays
    """How long CloudWatch keeps them (the log group is created with the cluster).

    Default: `90`.
    """


class SecretsEncryptionArgs(TypedDict, total=False):
    """Envelope encryption of Kubernetes Secrets with a customer-managed KMS key. Without it EKS
    still encrypts them with an AWS-owned key; a customer key adds a key policy, rotation and an
    audit trail. Once on it cannot be turned off.

    Stack file: `runmcp-gateway:cluster.eks.secretsEncryption`.
    """

    create_key: bool
    """Create a KMS key for this cluster (rotation on).

    Default: `false`.
    """
    kms_key_arn: pulumi.Input[str]
    """Use this existing KMS key instead."""


class TaintArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:cluster.eks.nodeGroups.<name>.taints[]`."""

    key: Required[str]
    value: str
    """Default: `""`."""
    effect: Required[TaintEffect]


class NodeGroupSettingsArgs(TypedDict, total=False):
    """One EKS managed node group over the private subnets of every zone.

    Stack file: `runmcp-gateway:cluster.eks.nodeGroups.<name>`.
    """

    instance_types: Sequence[str]
    """All of one CPU architecture. The capacity check assumes the smallest.

    Default: `["m6i.large"]`.
    """
    capacity_type: NodeGroupCapacityType
    """Default: `"ON_DEMAND"`."""
    min_size: int
    """Default: `2`."""
    max_size: int
    """Default: `6`."""
    disk_size_gib: int
    """Root volume (gp3, encrypted): images and logs live here.

    Default: `50`.
    """
    labels: Mapping[str, str]
    """Default: `{}`."""
    taints: Sequence[TaintArgs]
    """Pods without a matching toleration stay off these nodes; the gateway tolerates none.

    Default: `[]`.
    """
    max_unavailable: int
    """Nodes replaced at a time during a node group update.

    Default: `1`.
    """


class ClusterAutoscalerSettingsOnArgs(TypedDict, total=False):
    """ClusterAutoscalerSettings switched on (`enabled: true`; on by default): every key."""

    enabled: Literal[True]
    chart_version: str
    """Default: `"9.46.6"`."""
    scale_down_unneeded_time: str
    """How long a node must be unneeded before it is removed.

    Default: `"10m"`.
    """


class ClusterAutoscalerSettingsOffArgs(TypedDict, total=False):
    """ClusterAutoscalerSettings switched off (`enabled: false`; on by default): no other key."""

    enabled: Required[Literal[False]]


if TYPE_CHECKING:
    ClusterAutoscalerSettingsArgs: TypeAlias = ClusterAutoscalerSettingsOnArgs | ClusterAutoscalerSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class ClusterAutoscalerSettingsArgs(TypedDict, total=False):
        """Adds nodes when pods the HPA created cannot be scheduled, and removes idle ones.

        Stack file: `runmcp-gateway:cluster.eks.clusterAutoscaler`.

        An optional section, switched by `enabled` (on by default): with `enabled: false` it admits no other key.
        """

        enabled: bool
        """Default: `true`."""
        chart_version: str
        """Default: `"9.46.6"`."""
        scale_down_unneeded_time: str
        """How long a node must be unneeded before it is removed.

        Default: `"10m"`.
        """


class EksSettingsArgs(TypedDict, total=False):
    """An EKS cluster made for this stack: VPC, cluster, managed node groups, add-ons, node autoscaling.

    Stack file: `runmcp-gateway:cluster.eks`.
    """

    name: str
    """Cluster name; unset: "<platform>-<stack>". Fixed, not auto-named, because the control-plane
    log group (/aws/eks/<name>/cluster) must exist, with its retention, before the cluster.
    """
    network: NetworkSettingsArgs
    endpoint: EndpointSettingsArgs
    admin_role_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """IAM roles given cluster-admin through access entries (the creator is admin already).

    Default: `[]`.
    """
    logging: ControlPlaneLoggingArgs
    secrets_encryption: SecretsEncryptionArgs
    node_groups: Mapping[str, NodeGroupSettingsArgs]
    """Default: `{"general": {"instanceTypes": ["m6i.large"], "capacityType": "ON_DEMAND", "minSize": 2, "maxSize": 6,
    "diskSizeGib": 50, "labels": {}, "taints": [], "maxUnavailable": 1}}`.
    """
    addon_versions: Mapping[EksAddonName, str]
    """Pinned add-on versions; an add-on not listed gets the default version EKS names for the
    cluster's Kubernetes version, resolved at each run.

    Default: `{}`.
    """
    cluster_autoscaler: ClusterAutoscalerSettingsArgs
    protect: bool
    """Protect the cluster and node groups from deletion (Pulumi protect and EKS deletion protection).

    Default: `true`.
    """
    zonal_shift: bool
    """EKS zonal shift: during a shift of an impaired zone its nodes are cordoned, new nodes launch in
    the healthy zones and its endpoints leave the Services (pods are not evicted)
    (docs.aws.amazon.com/eks/latest/userguide/zone-shift.html).

    Default: `false`.
    """
    zonal_autoshift: bool
    """ARC zonal autoshift of the cluster: AWS starts and ends the zonal shift itself, and practises it
    about weekly; the gateway's availability alarms are the practice runs' outcome alarms
    (docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-autoshift.how-it-works.html). Needs zonalShift,
    and nodes that hold scaling.minReplicas with a zone gone (the practice runs take one away).

    Default: `false`.
    """


class ExistingClusterSettingsArgs(TypedDict, total=False):
    """A Kubernetes cluster that already exists: no cluster is made. Every fact about it lives here,
    once: how to reach it, and what a gateway's load balancer and alarms need to know about it.

    Stack file: `runmcp-gateway:cluster.existing`.
    """

    kubeconfig: pulumi.Input[str]
    """kubeconfig text, as a Pulumi secret. Unset: the ambient kubeconfig (KUBECONFIG or ~/.kube/config)."""
    context: str
    """kubeconfig context to use; unset: the kubeconfig's current context."""
    name: pulumi.Input[str]
    """The EKS cluster's name: for the load balancer controller's Pod Identity association, and the
    name Container Insights reports under (unset: no cluster and workload alarms). Required with an ALB.
    """
    vpc_id: pulumi.Input[str]
    """The cluster's VPC, where the load balancer and its target group go. Required with an ALB."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets for the load balancers, in two or more zones (public ones for internet-facing).
    Required with an ALB. Each, or the whole list, may be an Output (then the count of two or more
    is left to AWS to check).

    Default: `[]`.
    """
    node_security_group_id: pulumi.Input[str]
    """The security group of the nodes the gateway pods run on; it gets the rule admitting the ALB.
    Required with an ALB.
    """
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The cluster's private subnets, in two or more zones: where a session store made here
    (sessionStore.kind: valkey) goes, and internal load balancers (unset: ``subnetIds``). Each, or
    the whole list, may be an Output.

    Default: `[]`.
    """


class ClusterSettingsArgs(TypedDict, total=False):
    """Where the gateway runs: an EKS cluster made for this stack (``eks``, the default) or an
    existing cluster (``existing``).

    Stack file: `runmcp-gateway:cluster`.
    """

    kubernetes_version: KubernetesVersion
    """Kubernetes minor version: of the EKS cluster, and the schema objects are validated against.

    Default: `"1.33"`.
    """
    eks: EksSettingsArgs
    existing: ExistingClusterSettingsArgs


class ResourceRequestsArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:gateway.resources.requests`."""

    cpu: str
    """Default: `"250m"`."""
    memory: str
    """Default: `"256Mi"`."""


class ResourceLimitsArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:gateway.resources.limits`."""

    cpu: str
    """Unset by default: a CPU limit throttles a latency-sensitive gateway while the node has idle
    CPU, and the HPA scales on the request, not the limit (EKS best practices).
    """
    memory: str
    """Always set: memory cannot be throttled, only OOM-killed, so bound it per pod.

    Default: `"512Mi"`.
    """


class ResourcesArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:gateway.resources`."""

    requests: ResourceRequestsArgs
    limits: ResourceLimitsArgs


class ProbesArgs(TypedDict, total=False):
    """Startup, readiness and liveness probes all GET ``healthPath`` on ``port``.

    Stack file: `runmcp-gateway:gateway.probes`.
    """

    startup_timeout_seconds: int
    """How long the gateway may take to load its OpenAPI documents before liveness applies.

    Default: `120`.
    """
    readiness_period_seconds: int
    """Default: `5`."""
    liveness_period_seconds: int
    """Default: `15`."""
    timeout_seconds: int
    """How long the readiness and liveness probes wait for an answer. The startup probe asks every
    second and waits a second, so that startupTimeoutSeconds stays its budget.

    Default: `2`.
    """
    failure_threshold: int
    """Default: `3`."""


class ShutdownArgs(TypedDict, total=False):
    """Graceful shutdown of a pod: the pause, then the drain of open streams.

    Stack file: `runmcp-gateway:gateway.shutdown`.
    """

    pre_stop_seconds: int
    """Pause before SIGTERM, while endpoints and load balancers stop sending new requests.

    Default: `15`.
    """
    drain_seconds: int
    """Time after SIGTERM for in-flight requests and Streamable HTTP / SSE streams to finish.

    Default: `60`.
    """


class EgressRuleArgs(TypedDict, total=False):
    """Traffic the gateway may send to upstream APIs.

    Stack file: `runmcp-gateway:gateway.networkPolicy.egress[]`.
    """

    cidr: Required[str]
    except_: Sequence[str]
    """Default: `[]`."""
    ports: Sequence[int]
    """Default: `[443]`."""


class NetworkPolicySettingsArgs(TypedDict, total=False):
    """Deny by default; allow the gateway port in, DNS out, and the listed upstreams out.

    Stack file: `runmcp-gateway:gateway.networkPolicy`.
    """

    ingress_cidrs: Sequence[str]
    """Sources allowed to reach the gateway port.

    Default: `["0.0.0.0/0"]`.
    """
    egress: Sequence[EgressRuleArgs]
    """Upstream APIs the gateway calls. Empty: no egress but DNS.

    Default: `[]`.
    """


class GatewaySettingsArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:gateway`."""

    name: str
    """Name of the Kubernetes objects (Deployment, Service, ...) inside the namespace.

    Default: `"runmcp-gateway"`.
    """
    namespace: str
    """Default: `"runmcp-gateway"`."""
    image: Required[str]
    port: int
    """Default: `3030`."""
    args: Sequence[str]
    """Arguments to the image's entrypoint; ``--port`` is added from ``port``.

    Default: `["serve", "--headless"]`.
    """
    env: Mapping[str, str]
    """Default: `{}`."""
    secret_env: Mapping[str, pulumi.Input[str]]
    """Environment variables delivered through a Kubernetes Secret; values must be Pulumi secrets.

    Default: `{}`.
    """
    health_path: str
    """Default: `"/health"`."""
    resources: ResourcesArgs
    openapi_specs: Mapping[str, str]
    """File name -> OpenAPI document text, mounted read-only at ``specsPath``.

    Default: `{}`.
    """
    home_path: str
    """HAPI_HOME: a writable scratch directory (emptyDir); the root filesystem is read-only.

    Default: `"/app/.hapi"`.
    """
    specs_path: str
    """Default: `"/app/.hapi/specs"`."""
    run_as_user: int
    """UID (and GID) the gateway runs as: non-root, and high enough not to collide with host users.

    Default: `10001`.
    """
    probes: ProbesArgs
    shutdown: ShutdownArgs
    network_policy: NetworkPolicySettingsArgs
    node_failure_toleration_seconds: int
    """How long the gateway's pods stay bound to a node that is not ready or unreachable before they
    are evicted and started elsewhere (tolerationSeconds of the node.kubernetes.io/not-ready and
    unreachable NoExecute taints). Unset: Kubernetes' default, 300 s (the DefaultTolerationSeconds
    admission plugin; kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/). The
    load balancer stops sending to such pods within its health checks either way; this decides when
    their replacements start.
    """


class ScalingPolicyArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:scaling.scaleUp.policies[]`."""

    type: Required[ScalingPolicyType]
    value: Required[int]
    period_seconds: Required[int]


class ScalingRulesArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:scaling.scaleUp`."""

    stabilization_window_seconds: Required[int]
    policies: Required[Sequence[ScalingPolicyArgs]]
    select_policy: ScalingRulesSelectPolicy
    """Default: `"Max"`."""


class KedaSettingsOnArgs(TypedDict, total=False):
    """KedaSettings switched on (`install: true`; on by default): every key."""

    install: Literal[True]
    """False when the cluster runs KEDA already (its operator then needs cloudwatch:GetMetricData
    through its own Pod Identity or IRSA role). An existing cluster (cluster.existing) is assumed to
    run it: set false there.
    """
    chart_version: str
    """Default: `"2.20.2"`."""


class KedaSettingsOffArgs(TypedDict, total=False):
    """KedaSettings switched off (`install: false`; on by default): no other key."""

    install: Required[Literal[False]]
    """False when the cluster runs KEDA already (its operator then needs cloudwatch:GetMetricData
    through its own Pod Identity or IRSA role). An existing cluster (cluster.existing) is assumed to
    run it: set false there.
    """


if TYPE_CHECKING:
    KedaSettingsArgs: TypeAlias = KedaSettingsOnArgs | KedaSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class KedaSettingsArgs(TypedDict, total=False):
        """KEDA (keda.sh), installed by the cluster part in the controllers' namespace when a gateway sets
        scaling.requestsPerReplica.

        Stack file: `runmcp-gateway:scaling.keda`.

        An optional section, switched by `install` (on by default): with `install: false` it admits no other key.
        """

        install: bool
        """False when the cluster runs KEDA already (its operator then needs cloudwatch:GetMetricData
        through its own Pod Identity or IRSA role). An existing cluster (cluster.existing) is assumed to
        run it: set false there.

        Default: `true`.
        """
        chart_version: str
        """Default: `"2.20.2"`."""


class ScalingSettingsArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:scaling`."""

    min_replicas: int
    """Default: `2`."""
    max_replicas: int
    """Default: `10`."""
    target_cpu_utilization: int
    """Average CPU use, in percent of the CPU request, that the HPA keeps the pods at.

    Default: `70`.
    """
    target_memory_utilization: int
    scale_up: ScalingRulesArgs
    """Default: `{"stabilizationWindowSeconds": 0, "policies": [{"type": "Percent", "value": 100, "periodSeconds": 30},
    {"type": "Pods", "value": 4, "periodSeconds": 30}], "selectPolicy": "Max"}`.
    """
    scale_down: ScalingRulesArgs
    """Default: `{"stabilizationWindowSeconds": 300, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60},
    {"type": "Percent", "value": 10, "periodSeconds": 60}], "selectPolicy": "Max"}`.
    """
    headroom_replicas: int
    """Room held for this many new gateway replicas by placeholder pods (components/headroom.py) that a
    new replica preempts instead of waiting for a node; 0 makes none.

    Default: `0`.
    """
    requests_per_replica: int
    """Requests a minute one replica should serve: KEDA then also scales on the load balancer's
    RequestCountPerTarget (CloudWatch, per minute), next to CPU and memory, and owns the HPA. For a
    gateway that mostly waits on upstream APIs, whose CPU stays low while requests pile up. Needs
    loadBalancer.kind: alb. Unset: the plain HPA on CPU and memory.
    """
    polling_interval_seconds: int
    """How often KEDA asks CloudWatch for the requests per target (the ScaledObject's pollingInterval;
    the HPA reads the value KEDA last fetched). Only with requestsPerReplica.

    Default: `30`.
    """
    keda: KedaSettingsArgs
    """KEDA itself (installed once per cluster). Only with requestsPerReplica."""


class DomainSettingsArgs(TypedDict, total=False):
    """Stack file: `runmcp-gateway:loadBalancer.domain`."""

    name: Required[str]
    """The gateway's host name; an ACM certificate for it is made and validated through DNS."""
    hosted_zone_id: Required[pulumi.Input[str]]
    """The Route 53 public hosted zone that holds ``name`` (for validation and the alias record)."""
    alias_record: bool
    """Point ``name`` at the load balancer with an alias A record.

    Default: `true`.
    """


class AccessLogSettingsOnArgs(TypedDict, total=False):
    """AccessLogSettings switched on (`enabled: true`; on by default): every key."""

    enabled: Literal[True]
    """Access logs to an S3 bucket made for them: private, SSE-S3 encrypted (the only encryption
    ALB log delivery supports), TLS-only.
    """
    retention_days: int
    """Default: `90`."""


class AccessLogSettingsOffArgs(TypedDict, total=False):
    """AccessLogSettings switched off (`enabled: false`; on by default): no other key."""

    enabled: Required[Literal[False]]
    """Access logs to an S3 bucket made for them: private, SSE-S3 encrypted (the only encryption
    ALB log delivery supports), TLS-only.
    """


if TYPE_CHECKING:
    AccessLogSettingsArgs: TypeAlias = AccessLogSettingsOnArgs | AccessLogSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class AccessLogSettingsArgs(TypedDict, total=False):
        """Stack file: `runmcp-gateway:loadBalancer.accessLogs`.

        An optional section, switched by `enabled` (on by default): with `enabled: false` it admits no other key.
        """

        enabled: bool
        """Access logs to an S3 bucket made for them: private, SSE-S3 encrypted (the only encryption
        ALB log delivery supports), TLS-only.

        Default: `true`.
        """
        retention_days: int
        """Default: `90`."""


class HealthCheckSettingsArgs(TypedDict, total=False):
    """The target group's check of each pod: the gateway's health path and port (the probes' facts).

    Stack file: `runmcp-gateway:loadBalancer.healthCheck`.
    """

    interval_seconds: int
    """Default: `10`."""
    timeout_seconds: int
    """Default: `5`."""
    healthy_threshold: int
    """Two passes (20 s): a new pod takes traffic soon after its readiness probe passes.

    Default: `2`.
    """
    unhealthy_threshold: int
    """Two failures (20 s): about as quick as the readiness probe (3 x 5 s) takes a pod out.

    Default: `2`.
    """


class StickinessSettingsOnArgs(TypedDict, total=False):
    """StickinessSettings switched on (`enabled: true`; off by default): every key."""

    enabled: Required[Literal[True]]
    duration_seconds: int
    """Default: `86400`."""


class StickinessSettingsOffArgs(TypedDict, total=False):
    """StickinessSettings switched off (`enabled: false`; off by default): no other key."""

    enabled: Literal[False]


if TYPE_CHECKING:
    StickinessSettingsArgs: TypeAlias = StickinessSettingsOnArgs | StickinessSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class StickinessSettingsArgs(TypedDict, total=False):
        """Cookie stickiness, only for a gateway that keeps session state in memory (it should not).

        Stack file: `runmcp-gateway:loadBalancer.stickiness`.

        An optional section, switched by `enabled` (off by default): with `enabled: false` it admits no other key.
        """

        enabled: bool
        """Default: `false`."""
        duration_seconds: int
        """Default: `86400`."""


class WafSettingsOnArgs(TypedDict, total=False):
    """WafSettings switched on (`enabled: true`; off by default): every key."""

    enabled: Required[Literal[True]]
    """A WAF web ACL with a rate-based rule (billed per ACL, rule and request)."""
    requests_per_five_minutes: int
    """Requests one client IP may make in any 5-minute window before it is blocked.

    Default: `2000`.
    """


class WafSettingsOffArgs(TypedDict, total=False):
    """WafSettings switched off (`enabled: false`; off by default): no other key."""

    enabled: Literal[False]
    """A WAF web ACL with a rate-based rule (billed per ACL, rule and request)."""


if TYPE_CHECKING:
    WafSettingsArgs: TypeAlias = WafSettingsOnArgs | WafSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class WafSettingsArgs(TypedDict, total=False):
        """Stack file: `runmcp-gateway:loadBalancer.waf`.

        An optional section, switched by `enabled` (off by default): with `enabled: false` it admits no other key.
        """

        enabled: bool
        """A WAF web ACL with a rate-based rule (billed per ACL, rule and request).

        Default: `false`.
        """
        requests_per_five_minutes: int
        """Requests one client IP may make in any 5-minute window before it is blocked.

        Default: `2000`.
        """


class ControllerSettingsOnArgs(TypedDict, total=False):
    """ControllerSettings switched on (`install: true`; on by default): every key."""

    install: Literal[True]
    """False when the cluster runs the controller already."""
    chart_version: str
    """Default: `"1.17.1"`."""


class ControllerSettingsOffArgs(TypedDict, total=False):
    """ControllerSettings switched off (`install: false`; on by default): no other key."""

    install: Required[Literal[False]]
    """False when the cluster runs the controller already."""


if TYPE_CHECKING:
    ControllerSettingsArgs: TypeAlias = ControllerSettingsOnArgs | ControllerSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class ControllerSettingsArgs(TypedDict, total=False):
        """The AWS Load Balancer Controller: it registers the gateway's pod IPs in the target group.

        Stack file: `runmcp-gateway:loadBalancer.controller`.

        An optional section, switched by `install` (on by default): with `install: false` it admits no other key.
        """

        install: bool
        """False when the cluster runs the controller already.

        Default: `true`.
        """
        chart_version: str
        """Default: `"1.17.1"`."""


class LoadBalancerSettingsArgs(TypedDict, total=False):
    """An Application Load Balancer in front of the gateway, owned by this program.

    Stack file: `runmcp-gateway:loadBalancer`.
    """

    kind: LoadBalancerKind
    """none: only the ClusterIP Service, for users who front the gateway themselves.

    Default: `"alb"`.
    """
    scheme: LoadBalancerScheme
    """Default: `"internet-facing"`."""
    allowed_cidrs: Sequence[str]
    """Clients allowed to reach the load balancer on 80 and 443.

    Default: `["0.0.0.0/0"]`.
    """
    certificate_arn: pulumi.Input[str]
    """An ACM certificate for the HTTPS listener. Unset with ``domain`` set: one is made."""
    domain: DomainSettingsArgs
    tls_policy: str
    """TLS 1.3 and 1.2 with forward-secret ciphers only (the console's default, not the API's).

    Default: `"ELBSecurityPolicy-TLS13-1-2-2021-06"`.
    """
    idle_timeout_seconds: int
    """A connection with no bytes either way for this long is closed. Streamable HTTP / SSE streams
    can be quiet for minutes between events, so the ALB's 60 s default would cut them; clients
    reconnect after an idle close, so 15 minutes bounds what abandoned connections cost.

    Default: `900`.
    """
    drop_invalid_header_fields: bool
    """Default: `true`."""
    desync_mitigation_mode: LoadBalancerDesyncMitigationMode
    """Default: `"strictest"`."""
    deletion_protection: bool
    """Default: `true`."""
    zonal_shift: bool
    """ARC zonal shift on the load balancer (attribute zonal_shift.config.enabled), so an operator or
    AWS can move traffic away from an impaired zone; it works with cross-zone load balancing on
    (docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-zonal-shift.html).

    Default: `false`.
    """
    zonal_autoshift: bool
    """ARC zonal autoshift: AWS itself shifts traffic away from a zone it sees impaired, and practises
    it about weekly with a shift of its own; the gateway's availability alarms are the practice runs'
    outcome alarms, so a practice run that hurts users ends early and is reported failed
    (docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-autoshift.how-it-works.html). Needs zonalShift.

    Default: `false`.
    """
    access_logs: AccessLogSettingsArgs
    health_check: HealthCheckSettingsArgs
    stickiness: StickinessSettingsArgs
    waf: WafSettingsArgs
    controller: ControllerSettingsArgs


class AlarmThresholdsArgs(TypedDict, total=False):
    """When each alarm fires. Defaults suit production; a stack file raises them for development.

    Stack file: `runmcp-gateway:alarms.thresholds`.
    """

    server_error_percent: float
    """Gateway (target) 5xx responses, in percent of requests, in 3 of 5 minutes.

    Default: `5`.
    """
    min_requests_for_rate: int
    """Below this many requests a minute the 5xx rate is not judged (one error in two requests is not 50 %).

    Default: `20`.
    """
    load_balancer_errors_per_minute: int
    """5xx the load balancer itself returns (no healthy target, connection failure, timeout).

    Default: `10`.
    """
    latency_p95_seconds: float
    """Time to first byte at p95 for 5 minutes (for streams: until the response headers).

    Default: `2`.
    """
    latency_p99_seconds: float
    """Optional p99 latency alarm."""
    node_cpu_percent: int
    """Default: `80`."""
    node_memory_percent: int
    """Default: `80`."""
    node_filesystem_percent: int
    """Below the kubelet's eviction at 90 % used (nodefs.available<10%).

    Default: `80`.
    """
    pod_memory_over_limit_percent: int
    """A pod's memory in percent of its limit: near 100 the pod is OOM-killed.

    Default: `80`.
    """
    container_restarts: int
    """Restarts of the gateway's containers in any one pod.

    Default: `3`.
    """
    capacity_exhausted_minutes: int
    """How long running pods may sit at maxReplicas before the alarm says the HPA has no room left.

    Default: `15`.
    """
    certificate_days_to_expiry: int
    """AWS's recommended warning for an ACM certificate that has not renewed.

    Default: `44`.
    """


class AlarmSettingsOnArgs(TypedDict, total=False):
    """AlarmSettings switched on (`enabled: true`; on by default): every key."""

    enabled: Literal[True]
    emails: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Email subscriptions to the alarm topic (each address confirms by mail).

    Default: `[]`.
    """
    https_endpoints: pulumi.Input[Sequence[pulumi.Input[str]]]
    """HTTPS subscriptions (a pager or chat webhook that confirms SNS's subscription request).

    Default: `[]`.
    """
    existing_topic_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Topics that also receive every alarm and OK notification (each, or the whole list, may be an
    Output).

    Default: `[]`.
    """
    runbook_url: str
    """Where the runbook lives; each alarm links to its section. Set it to the file's URL in your
    repository host (e.g. https://github.com/<org>/runmcp-gateway/blob/main/docs/runbooks.md).

    Default: `"docs/runbooks.md"`.
    """
    thresholds: AlarmThresholdsArgs


class AlarmSettingsOffArgs(TypedDict, total=False):
    """AlarmSettings switched off (`enabled: false`; on by default): no other key."""

    enabled: Required[Literal[False]]


if TYPE_CHECKING:
    AlarmSettingsArgs: TypeAlias = AlarmSettingsOnArgs | AlarmSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class AlarmSettingsArgs(TypedDict, total=False):
        """CloudWatch alarms, their notifications and a dashboard.

        Stack file: `runmcp-gateway:alarms`.

        An optional section, switched by `enabled` (on by default): with `enabled: false` it admits no other key.
        """

        enabled: bool
        """Default: `true`."""
        emails: pulumi.Input[Sequence[pulumi.Input[str]]]
        """Email subscriptions to the alarm topic (each address confirms by mail).

        Default: `[]`.
        """
        https_endpoints: pulumi.Input[Sequence[pulumi.Input[str]]]
        """HTTPS subscriptions (a pager or chat webhook that confirms SNS's subscription request).

        Default: `[]`.
        """
        existing_topic_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
        """Topics that also receive every alarm and OK notification (each, or the whole list, may be an
        Output).

        Default: `[]`.
        """
        runbook_url: str
        """Where the runbook lives; each alarm links to its section. Set it to the file's URL in your
        repository host (e.g. https://github.com/<org>/runmcp-gateway/blob/main/docs/runbooks.md).

        Default: `"docs/runbooks.md"`.
        """
        thresholds: AlarmThresholdsArgs


class LoadSettingsArgs(TypedDict, total=False):
    """The in-cluster load generator: a bounded rate for a bounded time.

    Stack file: `runmcp-gateway:drills.load`.
    """

    image: str
    """Pinned k6 image.

    Default: `"grafana/k6:0.57.0"`.
    """
    requests_per_second: int
    """MCP sessions started per second (each: initialize, then tools/list).

    Default: `20`.
    """
    duration_minutes: int
    """How long one run lasts at most; the runner stops it earlier when the drill ends.

    Default: `20`.
    """
    warmup_seconds: int
    """Load before each fault: the steady state the drill starts from.

    Default: `120`.
    """
    cooldown_seconds: int
    """Load kept after each recovery window, so the recovery is measured under load.

    Default: `120`.
    """


class PredictedTimesArgs(TypedDict, total=False):
    """What the drills hold the measurement against (the report shows predicted vs measured).

    Stack file: `runmcp-gateway:drills.predicted`.
    """

    scale_out_replicas: int
    """Default: `4`."""
    scale_out_seconds: int
    """Default: `240`."""
    pod_loss_seconds: int
    """Default: `120`."""
    node_loss_seconds: int
    """Default: `420`."""
    zone_loss_seconds: int
    """Default: `900`."""


class DrillSettingsOnArgs(TypedDict, total=False):
    """DrillSettings switched on (`enabled: true`; off by default): every key."""

    enabled: Required[Literal[True]]
    pod_loss_percent: int
    """Share of the gateway's pods deleted (PERCENT selection, rounded down).

    Default: `50`.
    """
    node_termination_percent: int
    """instanceTerminationPercentage of every node group.

    Default: `34`.
    """
    zone_loss_minutes: int
    """How long one zone's subnets are cut off (disrupt-connectivity: PT1M to 12 hours).

    Default: `10`.
    """
    availability_objective_percent: float
    """Default: `99.5`."""
    log_retention_days: int
    """Default: `30`."""
    load: LoadSettingsArgs
    predicted: PredictedTimesArgs


class DrillSettingsOffArgs(TypedDict, total=False):
    """DrillSettings switched off (`enabled: false`; off by default): no other key."""

    enabled: Literal[False]


if TYPE_CHECKING:
    DrillSettingsArgs: TypeAlias = DrillSettingsOnArgs | DrillSettingsOffArgs
else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)

    class DrillSettingsArgs(TypedDict, total=False):
        """Failover and scaling drills (AWS FIS) and their load generator; off unless a stack turns them on.

        Stack file: `runmcp-gateway:drills`.

        An optional section, switched by `enabled` (off by default): with `enabled: false` it admits no other key.
        """

        enabled: bool
        """Default: `false`."""
        pod_loss_percent: int
        """Share of the gateway's pods deleted (PERCENT selection, rounded down).

        Default: `50`.
        """
        node_termination_percent: int
        """instanceTerminationPercentage of every node group.

        Default: `34`.
        """
        zone_loss_minutes: int
        """How long one zone's subnets are cut off (disrupt-connectivity: PT1M to 12 hours).

        Default: `10`.
        """
        availability_objective_percent: float
        """Default: `99.5`."""
        log_retention_days: int
        """Default: `30`."""
        load: LoadSettingsArgs
        predicted: PredictedTimesArgs


class SessionStoreEnvArgs(TypedDict, total=False):
    """The environment variables that hand the store to the gateway: set the names your gateway
    image reads, leave the others unset. The URL and the password reach the pod only through a
    Kubernetes Secret; host, port, TLS and user name are plain values.

    Stack file: `runmcp-gateway:sessionStore.env`.
    """

    url: str
    """A URL with everything in it: ``rediss://<user>:<password>@<host>:<port>`` (``redis://``
    without TLS), the password percent-encoded.
    """
    host: str
    port: str
    tls: str
    """``true`` or ``false``."""
    username: str
    password: str


class ValkeyStoreSettingsArgs(TypedDict, total=False):
    """An ElastiCache Serverless cache running Valkey, made for this gateway in the cluster's
    private subnets: TLS always (serverless caches accept nothing else), a user of its own with a
    password (RBAC), reachable only from the cluster's nodes.

    Stack file: `runmcp-gateway:sessionStore`.
    """

    kind: Required[ValkeyStoreKind]
    major_engine_version: ValkeyMajorVersion
    """Changing it replaces the cache (its sessions are lost; clients start new ones).

    Default: `"8"`.
    """
    max_data_storage_gb: int
    """The most data the cache holds (CacheUsageLimits.DataStorage.Maximum, GB); writes beyond it
    fail. Sessions take kilobytes each: 1 GB holds hundreds of thousands.

    Default: `1`.
    """
    max_ecpu_per_second: int
    """The most ElastiCache Processing Units a second it may use (CacheUsageLimits.ECPUPerSecond);
    commands beyond it are throttled.

    Default: `5000`.
    """
    snapshot_retention_days: int
    """Daily snapshots kept (0: none). Sessions are short-lived and clients start new ones, so none
    by default.

    Default: `0`.
    """
    kms_key_arn: pulumi.Input[str]
    """A customer-managed KMS key for the data at rest (unset: an AWS-owned key). Changing it
    replaces the cache.
    """
    username: str
    """The name the gateway authenticates as (Valkey's AUTH <user> <password>).

    Default: `"gateway"`.
    """
    password: pulumi.Input[str]
    """The gateway user's password. Unset (the default): one is generated (pulumi-random's
    RandomPassword, 32 characters ElastiCache accepts) and kept in the stack's state as a secret.
    Set: a Pulumi secret (`pulumi config set --secret --path sessionStore.password`) of 16 to 128
    printable characters. Either way it goes to the ElastiCache user and a Kubernetes Secret, never
    into the plan's output; changing it updates the user in place (pods roll with the new Secret).
    """
    env: Required[SessionStoreEnvArgs]


class ExistingStoreSettingsArgs(TypedDict, total=False):
    """A Redis-protocol store that exists already (a Valkey or Redis cache made elsewhere): its
    endpoint and credentials are handed to the gateway; nothing is made in AWS.

    Stack file: `runmcp-gateway:sessionStore`.
    """

    kind: Required[ExistingStoreKind]
    host: Required[pulumi.Input[str]]
    port: int
    """Default: `6379`."""
    tls: bool
    """Default: `true`."""
    username: str
    password: pulumi.Input[str]
    """A Pulumi secret (`pulumi config set --secret --path sessionStore.password`)."""
    cidrs: Required[Sequence[str]]
    """Where the store's addresses are (its subnets): the gateway's NetworkPolicy admits egress to
    ``port`` there. A NetworkPolicy names addresses, never host names.
    """
    env: Required[SessionStoreEnvArgs]


if TYPE_CHECKING:
    SessionStoreSettingsArgs: TypeAlias = ValkeyStoreSettingsArgs | ExistingStoreSettingsArgs
else:  # the analyzer takes no unions: one object with every kind's keys (the settings refuse mixing)

    class SessionStoreSettingsArgs(TypedDict, total=False):
        """One of ValkeyStoreSettings, ExistingStoreSettings, by `kind`.

        Stack file: `runmcp-gateway:sessionStore`.
        """

        kind: Required[SessionStoreKind]
        """Which kind of store: valkey, existing."""
        major_engine_version: ValkeyMajorVersion
        """Changing it replaces the cache (its sessions are lost; clients start new ones).

        Default: `"8"`.
        """
        max_data_storage_gb: int
        """The most data the cache holds (CacheUsageLimits.DataStorage.Maximum, GB); writes beyond it
        fail. Sessions take kilobytes each: 1 GB holds hundreds of thousands.

        Default: `1`.
        """
        max_ecpu_per_second: int
        """The most ElastiCache Processing Units a second it may use (CacheUsageLimits.ECPUPerSecond);
        commands beyond it are throttled.

        Default: `5000`.
        """
        snapshot_retention_days: int
        """Daily snapshots kept (0: none). Sessions are short-lived and clients start new ones, so none
        by default.

        Default: `0`.
        """
        kms_key_arn: pulumi.Input[str]
        """A customer-managed KMS key for the data at rest (unset: an AWS-owned key). Changing it
        replaces the cache.
        """
        username: str
        """The name the gateway authenticates as (Valkey's AUTH <user> <password>).

        Default: `"gateway"`.
        """
        password: pulumi.Input[str]
        """The gateway user's password. Unset (the default): one is generated (pulumi-random's
        RandomPassword, 32 characters ElastiCache accepts) and kept in the stack's state as a secret.
        Set: a Pulumi secret (`pulumi config set --secret --path sessionStore.password`) of 16 to 128
        printable characters. Either way it goes to the ElastiCache user and a Kubernetes Secret, never
        into the plan's output; changing it updates the user in place (pods roll with the new Secret).
        """
        env: Required[SessionStoreEnvArgs]
        host: pulumi.Input[str]
        port: int
        """Default: `6379`."""
        tls: bool
        """Default: `true`."""
        cidrs: Sequence[str]
        """Where the store's addresses are (its subnets): the gateway's NetworkPolicy admits egress to
        ``port`` there. A NetworkPolicy names addresses, never host names.
        """


class StackSettingsArgs(TypedDict, total=False):
    """A stack file's settings."""

    cluster: ClusterSettingsArgs
    gateway: Required[GatewaySettingsArgs]
    scaling: ScalingSettingsArgs
    load_balancer: LoadBalancerSettingsArgs
    alarms: AlarmSettingsArgs
    drills: DrillSettingsArgs
    """Failover and scaling drills (AWS FIS) with their load generator: on in staging."""
    session_store: SessionStoreSettingsArgs
    """Where the gateway keeps MCP sessions outside its pods (kind: valkey, made here; kind:
    existing, made elsewhere). Unset: none, for a stateless gateway.
    """


__all__ = [
    "AccessLogSettingsArgs",
    "AccessLogSettingsOffArgs",
    "AccessLogSettingsOnArgs",
    "AlarmSettingsArgs",
    "AlarmSettingsOffArgs",
    "AlarmSettingsOnArgs",
    "AlarmThresholdsArgs",
    "ClusterAutoscalerSettingsArgs",
    "ClusterAutoscalerSettingsOffArgs",
    "ClusterAutoscalerSettingsOnArgs",
    "ClusterSettingsArgs",
    "ControlPlaneLogType",
    "ControlPlaneLoggingArgs",
    "ControllerSettingsArgs",
    "ControllerSettingsOffArgs",
    "ControllerSettingsOnArgs",
    "DomainSettingsArgs",
    "DrillSettingsArgs",
    "DrillSettingsOffArgs",
    "DrillSettingsOnArgs",
    "EgressRuleArgs",
    "EksAddonName",
    "EksSettingsArgs",
    "EndpointSettingsArgs",
    "ExistingClusterSettingsArgs",
    "ExistingStoreKind",
    "ExistingStoreSettingsArgs",
    "ExistingVpcArgs",
    "GatewaySettingsArgs",
    "HealthCheckSettingsArgs",
    "KedaSettingsArgs",
    "KedaSettingsOffArgs",
    "KedaSettingsOnArgs",
    "KubernetesVersion",
    "LoadBalancerDesyncMitigationMode",
    "LoadBalancerKind",
    "LoadBalancerScheme",
    "LoadBalancerSettingsArgs",
    "LoadSettingsArgs",
    "LogRetentionDays",
    "NetworkNatGateways",
    "NetworkPolicySettingsArgs",
    "NetworkSettingsArgs",
    "NodeGroupCapacityType",
    "NodeGroupSettingsArgs",
    "PredictedTimesArgs",
    "ProbesArgs",
    "ResourceLimitsArgs",
    "ResourceRequestsArgs",
    "ResourcesArgs",
    "ScalingPolicyArgs",
    "ScalingPolicyType",
    "ScalingRulesArgs",
    "ScalingRulesSelectPolicy",
    "ScalingSettingsArgs",
    "SecretsEncryptionArgs",
    "SessionStoreEnvArgs",
    "SessionStoreKind",
    "SessionStoreSettingsArgs",
    "ShutdownArgs",
    "StackSettingsArgs",
    "StickinessSettingsArgs",
    "StickinessSettingsOffArgs",
    "StickinessSettingsOnArgs",
    "TaintArgs",
    "TaintEffect",
    "ValkeyMajorVersion",
    "ValkeyStoreKind",
    "ValkeyStoreSettingsArgs",
    "WafSettingsArgs",
    "WafSettingsOffArgs",
    "WafSettingsOnArgs",
]
