"""runmcp-gateway:gateway: the gateway workload (components/gateway.py): image, port, environment,
resources, probes, shutdown, network policy, OpenAPI documents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

import yaml
from pydantic import AfterValidator, Field, model_validator

from ..outputs import SecretValue
from ..quantities import cpu_millicores, memory_bytes, parse_quantity
from .base import Problem, _Model, _refuse
from .fields import Cidr, DnsLabel, Image, _matches

CONFIGMAP_LIMIT_BYTES = 1024 * 1024
"""A ConfigMap (and so the OpenAPI documents it carries) must stay under 1 MiB."""


# Environment variables the component sets itself from other settings: one fact, one definition.
RESERVED_ENV = frozenset({"HAPI_PORT", "HAPI_HOME", "HAPI_DISABLE_FILE_LOGS"})


def _quantity(text: str) -> str:
    parse_quantity(text)
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


Quantity = Annotated[str, AfterValidator(_quantity)]
EnvName = Annotated[str, AfterValidator(_env_name)]
SpecFileName = Annotated[
    str, _matches(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.(yaml|yml|json)", "must be a file name ending in .yaml, .yml or .json")
]
HttpPath = Annotated[
    str, _matches(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*", "must be an absolute URL path such as '/health'")
]
AbsolutePath = Annotated[str, AfterValidator(_absolute_path)]
Port = Annotated[int, Field(ge=1024, le=65535)]


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
    """How long the readiness and liveness probes wait for an answer. The startup probe asks every
    second and waits a second, so that startupTimeoutSeconds stays its budget."""
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
    node_failure_toleration_seconds: Annotated[int, Field(ge=0, le=300)] | None = None
    """How long the gateway's pods stay bound to a node that is not ready or unreachable before they
    are evicted and started elsewhere (tolerationSeconds of the node.kubernetes.io/not-ready and
    unreachable NoExecute taints). Unset: Kubernetes' default, 300 s (the DefaultTolerationSeconds
    admission plugin; kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/). The
    load balancer stops sending to such pods within its health checks either way; this decides when
    their replacements start."""

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


def _one_line(text: str) -> str:
    return " ".join(text.split())
