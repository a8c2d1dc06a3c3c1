"""The guardrails of the RunMCP gateway, as CrossGuard policies.

Each rule is a plain function over the stack's resources (type, URN, name, properties as the engine
sees them: camelCase), wrapped as a ``StackValidationPolicy``. The pack (``__main__.py`` beside this
file) serves them to `pulumi preview --policy-pack policy`; the offline plan and the tests import the
same rules from here. This module needs only ``pulumi_policy``: the pack runs in its own virtualenv.

During a real preview a property that is not known yet (an output of a resource still to be made)
raises inside the policy SDK, which then skips the check for that run rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

PACK_NAME = "runmcp-gateway-guardrails"

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
TOPIC = "aws:sns/topic:Topic"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ZONE = "topology.kubernetes.io/zone"
CORE_ALB_METRICS = ("HealthyHostCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "TargetResponseTime")


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it."""

    type: str
    urn: str
    name: str
    props: Mapping[str, Any]
    dependencies: frozenset[str] = field(default_factory=frozenset)
    """URNs this resource depends on."""


Finding = tuple[str, str | None]
"""A violation: the message, and the URN of the resource it is about (None: the stack)."""


@dataclass(frozen=True)
class Rule:
    name: str
    group: str
    description: str
    level: EnforcementLevel
    check: Callable[[Sequence[Resource]], Iterable[Finding]]


def _of(resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def _pod(deployment: Resource) -> Mapping[str, Any]:
    pod: Mapping[str, Any] = deployment.props.get("spec", {}).get("template", {}).get("spec", {})
    return pod


def _containers(deployment: Resource) -> Iterator[Mapping[str, Any]]:
    yield from _pod(deployment).get("containers", [])


def _pod_labels(deployment: Resource) -> Mapping[str, str]:
    labels: Mapping[str, str] = (
        deployment.props.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    )
    return labels


# --- HA --------------------------------------------------------------------------------------------


def autoscaled_ha(resources: Sequence[Resource]) -> Iterable[Finding]:
    hpas = _of(resources, HPA)
    for deployment in _of(resources, DEPLOYMENT):
        name = deployment.props.get("metadata", {}).get("name")
        mine = [
            h
            for h in hpas
            if h.props.get("spec", {}).get("scaleTargetRef", {}).get("kind") == "Deployment"
            and h.props["spec"]["scaleTargetRef"].get("name") == name
        ]
        if not mine:
            yield f"Deployment {name} has no HorizontalPodAutoscaler", deployment.urn
        for hpa in mine:
            spec = hpa.props["spec"]
            low, high = spec.get("minReplicas", 1), spec["maxReplicas"]
            if low < 2:
                yield f"minReplicas is {low}: one pod is not highly available; use 2 or more", hpa.urn
            if high <= low:
                yield f"maxReplicas ({high}) leaves the HPA no room above minReplicas ({low})", hpa.urn


def disruption_budget(resources: Sequence[Resource]) -> Iterable[Finding]:
    budgets = [p.props.get("spec", {}).get("selector", {}).get("matchLabels", {}) for p in _of(resources, PDB)]
    for deployment in _of(resources, DEPLOYMENT):
        labels = _pod_labels(deployment)
        if not any(selector and selector.items() <= labels.items() for selector in budgets):
            yield (
                "no PodDisruptionBudget selects this Deployment's pods: a node drain may take them all",
                deployment.urn,
            )


def zone_spread(resources: Sequence[Resource]) -> Iterable[Finding]:
    for deployment in _of(resources, DEPLOYMENT):
        keys = [c.get("topologyKey") for c in _pod(deployment).get("topologySpreadConstraints", [])]
        if ZONE not in keys:
            yield f"pods are not spread across zones (no topologySpreadConstraint on {ZONE})", deployment.urn


# --- Health ----------------------------------------------------------------------------------------


def probes(resources: Sequence[Resource]) -> Iterable[Finding]:
    for deployment in _of(resources, DEPLOYMENT):
        for container in _containers(deployment):
            missing = [p for p in ("startupProbe", "readinessProbe", "livenessProbe") if p not in container]
            if missing:
                yield f"container {container.get('name')} has no {', '.join(missing)}", deployment.urn


def health_check_matches_readiness(resources: Sequence[Resource]) -> Iterable[Finding]:
    readiness = [
        c["readinessProbe"].get("httpGet", {})
        for d in _of(resources, DEPLOYMENT)
        for c in _containers(d)
        if "readinessProbe" in c
    ]
    for group in _of(resources, TARGET_GROUP):
        check = group.props.get("healthCheck", {})
        port = group.props.get("port") if check.get("port", "traffic-port") == "traffic-port" else check.get("port")
        if not any(check.get("path") == p.get("path") and str(port) == str(p.get("port")) for p in readiness):
            yield (
                f"the health check ({check.get('path')} on port {port}) matches no readiness probe: the load "
                "balancer and Kubernetes would judge the pods differently",
                group.urn,
            )


# --- Pods ------------------------------------------------------------------------------------------


def _per_container(
    test: Callable[[Mapping[str, Any], Mapping[str, Any]], str | None],
) -> Callable[[Sequence[Resource]], Iterable[Finding]]:
    def check(resources: Sequence[Resource]) -> Iterable[Finding]:
        for deployment in _of(resources, DEPLOYMENT):
            pod_context = _pod(deployment).get("securityContext", {})
            for container in _containers(deployment):
                problem = test(container, pod_context)
                if problem:
                    yield f"container {container.get('name')}: {problem}", deployment.urn

    return check


def _requests(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    requests = container.get("resources", {}).get("requests", {})
    missing = [r for r in ("cpu", "memory") if r not in requests]
    return f"no {' or '.join(missing)} request (the HPA and the scheduler need both)" if missing else None


def _non_root(container: Mapping[str, Any], pod: Mapping[str, Any]) -> str | None:
    context = {**pod, **container.get("securityContext", {})}
    if context.get("runAsNonRoot") is not True or context.get("runAsUser") == 0:
        return "may run as root (set runAsNonRoot: true and a non-zero runAsUser)"
    return None


def _read_only(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    if container.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
        return "root filesystem is writable"
    return None


def _no_escalation(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
        return "allowPrivilegeEscalation is not false"
    return None


def _pinned(container: Mapping[str, Any], _: Mapping[str, Any]) -> str | None:
    image = str(container.get("image", ""))
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return f"image {image!r} is not pinned to a version or digest"
    return None


# --- Edge ------------------------------------------------------------------------------------------


def https_tls13(resources: Sequence[Resource]) -> Iterable[Finding]:
    listeners = _of(resources, LISTENER)
    https = [x for x in listeners if x.props.get("protocol") == "HTTPS"]
    for listener in https:
        policy = str(listener.props.get("sslPolicy", ""))
        if not policy.startswith("ELBSecurityPolicy-TLS13-"):
            yield f"HTTPS listener uses {policy or 'the API default policy'}, not a TLS 1.3 policy", listener.urn
    if https:
        for listener in listeners:
            if listener.props.get("protocol") == "HTTP":
                actions = listener.props.get("defaultActions", [])
                if not any(
                    a.get("type") == "redirect" and a.get("redirect", {}).get("protocol") == "HTTPS" for a in actions
                ):
                    yield "HTTP listener serves traffic beside HTTPS instead of redirecting to it", listener.urn


def access_logs(resources: Sequence[Resource]) -> Iterable[Finding]:
    for lb in _of(resources, LOAD_BALANCER):
        if lb.props.get("accessLogs", {}).get("enabled") is not True:
            yield "access logs are off", lb.urn


def deletion_protection(resources: Sequence[Resource]) -> Iterable[Finding]:
    for lb in _of(resources, LOAD_BALANCER):
        if lb.props.get("enableDeletionProtection") is not True:
            yield "deletion protection is off", lb.urn


def private_buckets(resources: Sequence[Resource]) -> Iterable[Finding]:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    blocks = _of(resources, PUBLIC_ACCESS_BLOCK)
    for bucket in _of(resources, BUCKET):
        mine = [b for b in blocks if bucket.urn in b.dependencies]
        if not any(all(b.props.get(f) is True for f in flags) for b in mine):
            yield "no public access block with all four settings on", bucket.urn


def encryption_at_rest(resources: Sequence[Resource]) -> Iterable[Finding]:
    for topic in _of(resources, TOPIC):
        if not topic.props.get("kmsMasterKeyId"):
            yield "SNS topic is not encrypted with a KMS key", topic.urn
    encryption = _of(resources, BUCKET_ENCRYPTION)
    for bucket in _of(resources, BUCKET):
        if not any(bucket.urn in e.dependencies for e in encryption):
            yield "S3 bucket has no server-side encryption configuration", bucket.urn


def eks_secrets_encryption(resources: Sequence[Resource]) -> Iterable[Finding]:
    for cluster in _of(resources, EKS_CLUSTER):
        config = cluster.props.get("encryptionConfig") or {}
        if "secrets" not in config.get("resources", []) or not config.get("provider", {}).get("keyArn"):
            yield "Kubernetes Secrets are not envelope-encrypted with a customer-managed KMS key", cluster.urn


# --- Nodes -----------------------------------------------------------------------------------------


def imdsv2(resources: Sequence[Resource]) -> Iterable[Finding]:
    for template in _of(resources, LAUNCH_TEMPLATE):
        if template.props.get("metadataOptions", {}).get("httpTokens") != "required":
            yield "instances may use IMDSv1 (metadataOptions.httpTokens is not 'required')", template.urn
    for group in _of(resources, NODE_GROUP):
        if "launchTemplate" not in group.props:
            yield "node group has no launch template, so IMDSv2 is not required on its nodes", group.urn


# --- Monitoring ------------------------------------------------------------------------------------


def _alarm_metrics(alarm: Resource) -> set[str]:
    names = {alarm.props.get("metricName")}
    names |= {q.get("metric", {}).get("metricName") for q in alarm.props.get("metricQueries", [])}
    return {n for n in names if n}


def core_alb_alarms(resources: Sequence[Resource]) -> Iterable[Finding]:
    if not _of(resources, LOAD_BALANCER):
        return
    alarms = _of(resources, ALARM)
    for metric in CORE_ALB_METRICS:
        mine = [a for a in alarms if metric in _alarm_metrics(a)]
        if not mine:
            yield f"no alarm watches the load balancer's {metric}", None
        for alarm in mine:
            if not alarm.props.get("alarmActions"):
                yield f"the alarm on {metric} notifies no one (no alarmActions)", alarm.urn


MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

RULES: tuple[Rule, ...] = (
    Rule(
        "gateway-autoscaled-ha",
        "HA",
        "An HPA keeps at least 2 gateway pods, with room above.",
        MANDATORY,
        autoscaled_ha,
    ),
    Rule(
        "gateway-disruption-budget",
        "HA",
        "A PodDisruptionBudget covers the gateway's pods.",
        MANDATORY,
        disruption_budget,
    ),
    Rule("gateway-zone-spread", "HA", "Gateway pods spread across availability zones.", MANDATORY, zone_spread),
    Rule("gateway-probes", "Health", "Startup, readiness and liveness probes on every container.", MANDATORY, probes),
    Rule(
        "health-check-matches-readiness",
        "Health",
        "The target group checks the path and port the readiness probe checks.",
        MANDATORY,
        health_check_matches_readiness,
    ),
    Rule("pod-requests", "Pods", "CPU and memory requests on every container.", MANDATORY, _per_container(_requests)),
    Rule("pod-non-root", "Pods", "Containers run as a non-root user.", MANDATORY, _per_container(_non_root)),
    Rule(
        "pod-read-only-root-filesystem",
        "Pods",
        "Containers have a read-only root filesystem.",
        MANDATORY,
        _per_container(_read_only),
    ),
    Rule(
        "pod-no-privilege-escalation",
        "Pods",
        "Containers cannot gain privileges.",
        MANDATORY,
        _per_container(_no_escalation),
    ),
    Rule(
        "pod-pinned-image",
        "Pods",
        "Images are pinned to a version tag or a digest.",
        MANDATORY,
        _per_container(_pinned),
    ),
    Rule(
        "https-tls13",
        "Edge",
        "HTTPS listeners use a TLS 1.3 policy; HTTP beside them redirects.",
        MANDATORY,
        https_tls13,
    ),
    Rule("alb-access-logs", "Edge", "Load balancers write access logs.", MANDATORY, access_logs),
    Rule(
        "alb-deletion-protection", "Edge", "Load balancers are protected from deletion.", MANDATORY, deletion_protection
    ),
    Rule("s3-no-public-buckets", "Edge", "Every bucket blocks public access.", MANDATORY, private_buckets),
    Rule("encryption-at-rest", "Edge", "SNS topics and S3 buckets are encrypted.", MANDATORY, encryption_at_rest),
    Rule(
        "eks-secrets-encryption",
        "Edge",
        "Kubernetes Secrets are envelope-encrypted with a customer-managed KMS key.",
        MANDATORY,
        eks_secrets_encryption,
    ),
    Rule("nodes-require-imdsv2", "Nodes", "Nodes require IMDSv2.", MANDATORY, imdsv2),
    Rule(
        "core-alb-alarms",
        "Monitoring",
        "The core load balancer alarms exist and notify someone.",
        MANDATORY,
        core_alb_alarms,
    ),
)
"""Every rule and its default level; a stack's pack config (policy/config/<stack>.json) may change levels."""


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [
            Resource(
                r.resource_type,
                r.urn,
                r.name,
                r.props,
                frozenset(d.urn for d in (r.dependencies or [])),
            )
            for r in args.resources
        ]
        for message, urn in rule.check(resources):
            report(message, urn)

    return StackValidationPolicy(
        name=rule.name,
        description=f"[{rule.group}] {rule.description}",
        enforcement_level=rule.level,
        validate=validate,
    )


POLICIES: list[StackValidationPolicy] = [_stack_policy(rule) for rule in RULES]


def level_from_config(rule: Rule, config: Mapping[str, Any]) -> EnforcementLevel:
    """A rule's level under a pack config as `--policy-pack-config` reads it: per rule a level or
    {"enforcementLevel": level}, and "all" for every rule."""
    value = config.get(rule.name, config.get("all"))
    if isinstance(value, Mapping):
        value = value.get("enforcementLevel")
    if value is None:
        return rule.level
    return EnforcementLevel(str(value))


_NAME = re.compile(r"[a-z0-9-]+")
assert all(_NAME.fullmatch(r.name) for r in RULES)
assert len({r.name for r in RULES}) == len(RULES)
