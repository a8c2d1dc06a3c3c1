"""runmcp-gateway:alarms: CloudWatch alarms, where they notify, and when they fire (components/alarms.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated

from pydantic import Field, model_validator

from ..outputs import OrOutput
from .base import Problem, _duplicates, _Model, _refuse
from .fields import UNIQUE_ENTRIES, Percent, _matches

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

    SWITCH = "enabled"
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
    thresholds: AlarmThresholds = AlarmThresholds()

    @model_validator(mode="after")
    def _consistent(self) -> AlarmSettings:
        _refuse(_alarm_settings_problems(self))
        return self


def _alarm_settings_problems(alarms: AlarmSettings) -> Iterable[Problem]:
    if not alarms.enabled:  # and nothing else is set (_Model.SWITCH)
        return
    yield from _duplicates("emails", alarms.emails, name_slug, "the email subscription")
    yield from _duplicates(
        "httpsEndpoints",
        alarms.https_endpoints,
        https_name_part,
        "the https subscription",
    )


def name_slug(text: str) -> str:
    """components/alarms.py: the name part of an SNS subscription's endpoint."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def https_name_part(url: str) -> str:
    """components/alarms.py: the name part of an SNS subscription's https endpoint."""
    return name_slug(url.removeprefix("https://"))


def gateway_alarm_problems(settings: AlarmSettings) -> list[Problem]:
    """What one gateway's alarms may not set (keys below ``alarms``): the subscribers are the
    cluster's, on the one topic every alarm on the cluster notifies. Gateway and GatewayAlarms
    apply the same rule."""
    return [
        Problem(
            key,
            "belongs to the cluster (GatewayCluster's alarms), whose topic every gateway's alarms notify; "
            "a gateway may add existingTopicArns",
        )
        for key, given in (("emails", settings.emails), ("httpsEndpoints", settings.https_endpoints))
        if given
    ]
