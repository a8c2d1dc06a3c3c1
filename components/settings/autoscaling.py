"""runmcp-gateway:scaling: the HorizontalPodAutoscaler, or KEDA's ScaledObject when the gateway also
scales on requests (components/autoscaling.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic.alias_generators import to_camel

from .base import Problem, _Model, _refuse, bounds_problems
from .fields import Percent
from .keda import KedaSettings


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
    headroom_replicas: Annotated[int, Field(ge=0, le=1000)] = 0
    """Room held for this many new gateway replicas by placeholder pods (components/headroom.py) that a
    new replica preempts instead of waiting for a node; 0 makes none."""
    requests_per_replica: Annotated[int, Field(ge=1, le=1000000)] | None = None
    """Requests a minute one replica should serve: KEDA then also scales on the load balancer's
    RequestCountPerTarget (CloudWatch, per minute), next to CPU and memory, and owns the HPA. For a
    gateway that mostly waits on upstream APIs, whose CPU stays low while requests pile up. Needs
    loadBalancer.kind: alb. Unset: the plain HPA on CPU and memory."""
    polling_interval_seconds: Annotated[int, Field(ge=5, le=300)] = 30
    """How often KEDA asks CloudWatch for the requests per target (the ScaledObject's pollingInterval;
    the HPA reads the value KEDA last fetched). Only with requestsPerReplica."""
    keda: KedaSettings = KedaSettings()
    """KEDA itself (installed once per cluster). Only with requestsPerReplica."""

    @model_validator(mode="after")
    def _min_within_max(self) -> ScalingSettings:
        problems = bounds_problems("minReplicas", self.min_replicas, "maxReplicas", self.max_replicas)
        if self.requests_per_replica is None:
            problems += [
                Problem(to_camel(field), "has no effect without requestsPerReplica; remove it")
                for field in sorted({"polling_interval_seconds", "keda"} & self.model_fields_set)
            ]
        _refuse(problems)
        return self
