"""Physical names of AWS resources whose names AWS limits in length.

Pulumi auto-names a resource that is given no name: its logical name, a hyphen and 7 random
characters. Where that fits in AWS's limit it is what we use, so a replacement gets a fresh name
and can be created before the old resource is deleted. Where it does not fit, the resource gets a
deterministic name within the limit instead: the start of the logical name and a hash of the
project, the stack, the logical name and whatever inputs force a replacement, so names are unique
per stack and a replacement still gets a name of its own. An auto-name that does not fit would be
refused: by the provider's auto-naming (``name '...' plus 7 random chars is longer than maximum
length``, pulumi/pulumi sdk/go/common/resource/names.go NewUniqueName) or by AWS itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pulumi

AUTO_NAME_SUFFIX = 8
"""What Pulumi's auto-naming adds to the logical name: "-" and 7 random characters (the bridge's
AutoName default, pulumi-terraform-bridge tfbridge.AutoName: separator "-", randlen 7)."""
HASH_LENGTH = 8


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts as the name of one kind of resource."""

    what: str
    limit: int
    pattern: str
    """The whole name must match (re.fullmatch)."""
    source: str


# Each limit as AWS's API reference states it.
ELB_NAME = NameRule(
    "load balancer or target group name",
    32,
    r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?",
    "ELBv2 API reference, CreateLoadBalancer/CreateTargetGroup Name: at most 32 characters, alphanumerics "
    "and hyphens, not beginning or ending with a hyphen, not beginning with 'internal-'",
)
IAM_ROLE_NAME = NameRule(
    "IAM role name", 64, r"[\w+=,.@-]+", "IAM API reference, CreateRole RoleName: 1-64 characters of [\\w+=,.@-]"
)
NODE_GROUP_NAME = NameRule(
    "EKS node group name",
    63,
    r"[A-Za-z0-9][A-Za-z0-9_-]*",
    "EKS API reference, CreateNodegroup nodegroupName: 1-63 characters, a letter or digit first, then "
    "letters, digits, hyphens and underscores",
)
S3_BUCKET_NAME = NameRule(
    "S3 bucket name",
    63,
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "S3 user guide, bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens, "
    "beginning and ending with a letter or digit",
)
SNS_TOPIC_NAME = NameRule(
    "SNS topic name", 256, r"[A-Za-z0-9_-]+", "SNS API reference, CreateTopic Name: up to 256 of [A-Za-z0-9_-]"
)
LOG_GROUP_NAME = NameRule(
    "CloudWatch Logs log group name",
    512,
    r"[\.\-_/#A-Za-z0-9]+",
    "CloudWatch Logs API reference, CreateLogGroup logGroupName: 1-512 of [.-_/#A-Za-z0-9]",
)
WAF_NAME = NameRule("WAF web ACL name", 128, r"[\w-]+", "WAFv2 API reference, CreateWebACL Name: 1-128 of [\\w-]")
LAUNCH_TEMPLATE_NAME = NameRule(
    "launch template name",
    128,
    r"[a-zA-Z0-9().\-/_]+",
    "EC2 API reference, CreateLaunchTemplate LaunchTemplateName: 3-128 of [a-zA-Z0-9().-/_]",
)
DASHBOARD_NAME = NameRule(
    "CloudWatch dashboard name",
    255,
    r"[A-Za-z0-9_-]+",
    "CloudWatch API reference, PutDashboard DashboardName: at most 255 of A-Z, a-z, 0-9, '-' and '_'",
)
SECURITY_GROUP_NAME = NameRule(
    "security group name", 255, r"[ -~]+", "EC2 API reference, CreateSecurityGroup GroupName: up to 255 ASCII"
)


def problem(rule: NameRule, name: str) -> str | None:
    """Why AWS would refuse ``name``, or None."""
    if len(name) > rule.limit:
        return f"{rule.what} {name!r} has {len(name)} characters; AWS allows at most {rule.limit} ({rule.source})"
    if not re.fullmatch(rule.pattern, name):
        return f"{rule.what} {name!r} is not of the form AWS accepts ({rule.source})"
    return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:HASH_LENGTH]


def auto_name_fits(logical_name: str, rule: NameRule) -> bool:
    return len(logical_name) + AUTO_NAME_SUFFIX <= rule.limit


def fitted_name(logical_name: str, rule: NameRule, *replacing: str) -> str | None:
    """None where Pulumi's auto-name (``logical_name`` + 8) fits ``rule``; else a deterministic name
    within the limit, which changes with ``replacing`` (the values of inputs that force a
    replacement), so a replacement never needs the name its predecessor still holds."""
    if auto_name_fits(logical_name, rule):
        return None
    return deterministic_name(logical_name, rule, *replacing)


def deterministic_name(logical_name: str, rule: NameRule, *replacing: str) -> str:
    digest = _digest(pulumi.get_project(), pulumi.get_stack(), logical_name, *replacing)
    return f"{_cut(logical_name, rule)}-{digest}"


def name_stem(logical_name: str, rule: NameRule) -> str:
    """What every physical name of ``logical_name`` starts with (before "-"), auto-named or not:
    for IAM ARN patterns such as targetgroup/<stem>-*/*."""
    return logical_name if auto_name_fits(logical_name, rule) else _cut(logical_name, rule)


def _cut(logical_name: str, rule: NameRule) -> str:
    """The start of ``logical_name`` that leaves room for "-" and the hash within the limit."""
    return logical_name[: rule.limit - HASH_LENGTH - 1].rstrip("-_.")


# --- Component names -----------------------------------------------------------------------------
# A component's name starts the logical names of its resources, and so their auto-generated AWS
# names; AWS names (S3 buckets, ELBs, clusters, dashboards) take lower-case letters, digits and
# hyphens. Checked before the component registers anything.

PLATFORM_NAME_LIMIT = 40
"""GatewayPlatform's name and instance: together they name the EKS cluster and the dashboard, and
the 40 characters leave room for every fitted name's stem."""
BLOCK_NAME_LIMIT = 100
"""A building block's name: its children's names that AWS limits tightly are fitted (above); the
rest allow 128 characters or more."""


def component_name_problem(value: object, limit: int) -> str | None:
    """Why ``value`` cannot name a component (or an installation), or None."""
    pattern = rf"[a-z]([a-z0-9-]{{0,{limit - 2}}}[a-z0-9])?"
    if isinstance(value, str) and re.fullmatch(pattern, value):
        return None
    return (
        f"{value!r} must be 1 to {limit} lower-case letters, digits and hyphens, starting with a letter and "
        "not ending with a hyphen (it becomes part of AWS names)"
    )


def check_names(type_token: str, name: str, instance: object) -> None:
    """Refuse, before anything is registered, a component name or instance AWS names cannot carry
    (they become parts of the cluster, dashboard, S3 bucket and ELB names, and of Kubernetes labels)."""
    for what, value in (("name", name), ("instance", instance)):
        if not isinstance(value, str):
            raise pulumi.RunError(
                f"{type_token} {name}: the {what} is {type(value).__name__}, not text known when the program "
                "runs (it becomes part of resource names, which Pulumi needs before anything is made)"
            )
        problem = component_name_problem(value, PLATFORM_NAME_LIMIT)
        if problem is not None:
            raise pulumi.RunError(
                f"{type_token} {name}: the {what} {problem}; "
                + ("for a stack named otherwise, pass instance" if what == "instance" else "choose another name")
            )
