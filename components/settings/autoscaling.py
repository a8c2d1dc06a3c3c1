"""runmcp-gateway:scaling: the HorizontalPodAutoscaler (components/autoscaling.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .base import _Model, _refuse, bounds_problems
from .fields import Percent


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

    @model_validator(mode="after")
    def _min_within_max(self) -> ScalingSettings:
        _refuse(bounds_problems("minReplicas", self.min_replicas, "maxReplicas", self.max_replicas))
        return self
