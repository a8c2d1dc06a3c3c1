"""The typed settings of one stack: the one place for defaults and validation.

A stack file (``Pulumi.<stack>.yaml``) holds data only. Every key under the ``runmcp-gateway``
namespace is parsed into :class:`StackSettings`; anything wrong is reported as one line per problem,
naming the stack file and the key path, before a single resource is registered.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

import pulumi
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from .quantities import cpu_millicores, memory_bytes, parse_quantity

PROJECT = "runmcp-gateway"
"""The Pulumi project name, and so the namespace of every config key this program reads."""

KubernetesVersion = Literal["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = get_args(KubernetesVersion)
"""Kubernetes minor versions the objects are built and schema-validated for."""

CONFIGMAP_LIMIT_BYTES = 1024 * 1024
"""A ConfigMap (and so the OpenAPI documents it carries) must stay under 1 MiB."""

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
    )


# --- Field types -------------------------------------------------------------------------------


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
Percent = Annotated[int, Field(ge=1, le=100)]
Port = Annotated[int, Field(ge=1024, le=65535)]


# --- runmcp-gateway:cluster --------------------------------------------------------------------


class ClusterSettings(_Model):
    """An existing Kubernetes cluster to deploy into (EKS provisioning comes under the same key)."""

    kubeconfig: SecretStr | None = None
    """kubeconfig text, as a Pulumi secret. Unset: the ambient kubeconfig (KUBECONFIG or ~/.kube/config)."""
    context: str | None = None
    """kubeconfig context to use; unset: the kubeconfig's current context."""
    kubernetes_version: KubernetesVersion = "1.33"
    """Kubernetes minor version of the cluster: picks the schema objects are validated against."""


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
    secret_env: dict[EnvName, SecretStr] = Field(default_factory=dict)
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


# --- The whole stack ---------------------------------------------------------------------------


class StackSettings(_Model):
    cluster: ClusterSettings = ClusterSettings()
    gateway: GatewaySettings
    scaling: ScalingSettings = ScalingSettings()

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
        return notes


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a stack's settings: where (a key path) and what."""

    key: str
    message: str


class _CrossFieldError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _cross_field_problems(s: StackSettings) -> Iterable[Problem]:
    if s.scaling.min_replicas > s.scaling.max_replicas:
        yield Problem(
            "scaling.minReplicas",
            f"minReplicas ({s.scaling.min_replicas}) is greater than maxReplicas ({s.scaling.max_replicas})",
        )
    res = s.gateway.resources
    if res.limits.cpu is not None and cpu_millicores(res.requests.cpu) > cpu_millicores(res.limits.cpu):
        yield Problem(
            "gateway.resources.requests.cpu",
            f"request {res.requests.cpu} is above the limit {res.limits.cpu}",
        )
    if memory_bytes(res.requests.memory) > memory_bytes(res.limits.memory):
        yield Problem(
            "gateway.resources.requests.memory",
            f"request {res.requests.memory} is above the limit {res.limits.memory}",
        )
    if cpu_millicores(res.requests.cpu) < 1:
        yield Problem("gateway.resources.requests.cpu", "must be at least 1m: the HPA divides by it")
    if memory_bytes(res.requests.memory) < 1:
        yield Problem("gateway.resources.requests.memory", "must be more than zero")
    for flag in ("--port", "-p"):
        if any(a == flag or a.startswith(flag + "=") for a in s.gateway.args):
            yield Problem("gateway.args", f"remove {flag}: the port comes from gateway.port")
    clash = set(s.gateway.env) & set(s.gateway.secret_env)
    for name in sorted(clash):
        yield Problem(f"gateway.secretEnv.{name}", "is also set in gateway.env; keep one")
    yield from _spec_problems(s.gateway)


def _spec_problems(g: GatewaySettings) -> Iterable[Problem]:
    total = 0
    for file_name, text in g.openapi_specs.items():
        total += len(text.encode())
        key = f"gateway.openapiSpecs.{file_name}"
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as err:
            yield Problem(key, f"is not YAML or JSON: {_one_line(str(err))}")
            continue
        if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
            yield Problem(key, "is not an OpenAPI 3 document (it needs a top-level 'openapi: 3.x' field)")
    if total >= CONFIGMAP_LIMIT_BYTES:
        yield Problem(
            "gateway.openapiSpecs",
            f"the documents take {total} bytes; a ConfigMap holds less than {CONFIGMAP_LIMIT_BYTES}",
        )
    if g.specs_path == g.home_path:
        yield Problem("gateway.specsPath", "must differ from gateway.homePath (the specs are mounted read-only)")


# --- Loading and error reporting ---------------------------------------------------------------


# Paths (below the project namespace) whose values must be Pulumi secrets in the stack file.
SECRET_PATHS: tuple[tuple[str, ...], ...] = (("cluster", "kubeconfig"), ("gateway", "secretEnv", "*"))


class SettingsError(pulumi.RunError):
    """Bad settings. ``str()`` is one line per problem; Pulumi prints it without a traceback."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}: {PROJECT}:{p.key}: {p.message}" for p in self.problems]


def stack_file_name(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def load_settings(
    config: Mapping[str, Any],
    *,
    source: str,
    secure_paths: Iterable[tuple[str, ...]] | None = None,
) -> StackSettings:
    """Parse a stack's config into StackSettings, or raise SettingsError listing every problem.

    ``config`` maps full keys (``runmcp-gateway:scaling``) to values as Pulumi hands them to the
    program: strings, structured values as JSON text. Keys of other namespaces (``aws:region``) are
    not ours and are ignored. ``secure_paths`` lists the paths that were ``secure:`` in the stack
    file; when given, a secret setting written in plain text is an error.
    """
    ours: dict[str, Any] = {}
    problems: list[Problem] = []
    known = [to_camel(name) for name in StackSettings.model_fields]
    for full_key, raw in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if key not in known:
            problems.append(Problem(key, "unknown key" + _did_you_mean(key, known)))
            continue
        ours[key] = _decode(raw)
    if secure_paths is not None:
        problems.extend(_plaintext_secrets(ours, set(secure_paths)))
    try:
        settings = StackSettings.model_validate(ours)
    except ValidationError as err:
        problems.extend(_problems_from(err))
        raise SettingsError(source, problems) from None
    if problems:
        raise SettingsError(source, problems)
    return settings


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


def _problems_from(err: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for e in err.errors(include_url=False):
        loc = [str(part) for part in e["loc"] if part != "[key]"]
        ctx = e.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, _CrossFieldError):
            prefix = ".".join(loc)
            problems.extend(Problem(".".join(filter(None, [prefix, p.key])), p.message) for p in inner.problems)
            continue
        key = ".".join(loc) if loc else "(top level)"
        if e["type"] == "extra_forbidden":
            parent = _model_at(loc[:-1])
            choices = [f.alias or name for name, f in parent.model_fields.items()] if parent else []
            problems.append(Problem(key, "unknown key" + _did_you_mean(loc[-1], choices)))
        elif e["type"] == "missing":
            problems.append(Problem(key, "is required"))
        else:
            message = str(e["msg"]).removeprefix("Value error, ")
            problems.append(Problem(key, f"{message} (got {_shown(e.get('input'), loc)})"))
    return problems


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    """The settings model class found at a key path, to suggest the right key for a typo."""
    model: type[BaseModel] = StackSettings
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


def _shown(value: Any, loc: list[str]) -> str:
    if any(part in ("kubeconfig", "secretEnv") for part in loc):
        return "[secret]"
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _did_you_mean(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(choices))})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
