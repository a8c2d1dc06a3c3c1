"""runmcp-gateway:loadBalancer: the Application Load Balancer and its controller
(components/load_balancer.py), and what it asks of the gateway's shutdown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic.alias_generators import to_camel

from ..outputs import OrOutput
from .base import Problem, _duplicates, _Model, _refuse
from .fields import UNIQUE_ENTRIES, Cidr, _matches
from .gateway import Shutdown

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

    SWITCH = "enabled"
    enabled: bool = False
    duration_seconds: Annotated[int, Field(ge=1, le=604800)] = 86400


class AccessLogSettings(_Model):
    SWITCH = "enabled"
    enabled: bool = True
    """Access logs to an S3 bucket made for them: private, SSE-S3 encrypted (the only encryption
    ALB log delivery supports), TLS-only."""
    retention_days: Annotated[int, Field(ge=1, le=3653)] = 90


class WafSettings(_Model):
    SWITCH = "enabled"
    enabled: bool = False
    """A WAF web ACL with a rate-based rule (billed per ACL, rule and request)."""
    requests_per_five_minutes: Annotated[int, Field(ge=10, le=2000000000)] = 2000
    """Requests one client IP may make in any 5-minute window before it is blocked."""


class ControllerSettings(_Model):
    """The AWS Load Balancer Controller: it registers the gateway's pod IPs in the target group."""

    SWITCH = "install"
    install: bool = True
    """False when the cluster runs the controller already."""
    chart_version: Annotated[str, _matches(r"\d+\.\d+\.\d+", "is not a chart version such as '1.17.1'")] = (
        LOAD_BALANCER_CONTROLLER_CHART_VERSION
    )


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
    zonal_shift: bool = False
    """ARC zonal shift on the load balancer (attribute zonal_shift.config.enabled), so an operator or
    AWS can move traffic away from an impaired zone; it works with cross-zone load balancing on
    (docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-zonal-shift.html)."""
    zonal_autoshift: bool = False
    """ARC zonal autoshift: AWS itself shifts traffic away from a zone it sees impaired, and practises
    it about weekly with a shift of its own; the gateway's availability alarms are the practice runs'
    outcome alarms, so a practice run that hurts users ends early and is reported failed
    (docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-autoshift.how-it-works.html). Needs zonalShift."""
    access_logs: AccessLogSettings = AccessLogSettings()
    health_check: HealthCheckSettings = HealthCheckSettings()
    stickiness: StickinessSettings = StickinessSettings()
    waf: WafSettings = WafSettings()
    controller: ControllerSettings = ControllerSettings()

    @model_validator(mode="after")
    def _consistent(self) -> LoadBalancerSettings:
        if self.kind == "none":
            _refuse(
                Problem(to_camel(field), "has no effect with kind: none; remove it")
                for field in sorted(self.model_fields_set - {"kind"})
            )
        else:
            if self.zonal_autoshift and not self.zonal_shift:
                _refuse([Problem("zonalAutoshift", "needs zonalShift: true (autoshift shifts with zonal shift)")])
            _refuse(_duplicates("allowedCidrs", self.allowed_cidrs, cidr_name_part, "the security group rules"))
        return self

    @property
    def https(self) -> bool:
        return self.certificate_arn is not None or self.domain is not None


def cidr_name_part(cidr: str) -> str:
    """components/load_balancer.py: the name part of a client CIDR's security group rules."""
    return cidr.replace("/", "-")


def alb_subnets_problem(key: str, subnet_ids: object) -> list[Problem]:
    """An ALB needs subnets in two or more zones (ELB CreateLoadBalancer: "You must specify subnets
    from at least two Availability Zones"). A list given whole as an Output is AWS's to count."""
    if isinstance(subnet_ids, Sequence) and not isinstance(subnet_ids, str) and len(subnet_ids) < 2:
        return [Problem(key, "an ALB needs subnets in two or more zones (public ones for internet-facing)")]
    return []


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
