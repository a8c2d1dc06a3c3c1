"""runmcp-gateway:drills: the staging drills (components/drills.py) and their load generator."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import _Model
from .fields import Image, Percent


class LoadSettings(_Model):
    """The in-cluster load generator: a bounded rate for a bounded time."""

    image: Image = "grafana/k6:0.57.0"
    """Pinned k6 image."""
    requests_per_second: Annotated[int, Field(ge=1, le=2000)] = 20
    """MCP sessions started per second (each: initialize, then tools/list)."""
    duration_minutes: Annotated[int, Field(ge=1, le=120)] = 20
    """How long one run lasts at most; the runner stops it earlier when the drill ends."""
    warmup_seconds: Annotated[int, Field(ge=0, le=1800)] = 120
    """Load before each fault: the steady state the drill starts from."""
    cooldown_seconds: Annotated[int, Field(ge=0, le=1800)] = 120
    """Load kept after each recovery window, so the recovery is measured under load."""


class PredictedTimes(_Model):
    """What the drills hold the measurement against (the report shows predicted vs measured)."""

    scale_out_replicas: Annotated[int, Field(ge=1)] = 4
    scale_out_seconds: Annotated[int, Field(ge=30)] = 240
    pod_loss_seconds: Annotated[int, Field(ge=30)] = 120
    node_loss_seconds: Annotated[int, Field(ge=30)] = 420
    zone_loss_seconds: Annotated[int, Field(ge=30)] = 900


class DrillSettings(_Model):
    """Failover and scaling drills (AWS FIS) and their load generator; off unless a stack turns them on."""

    SWITCH = "enabled"
    enabled: bool = False
    pod_loss_percent: Percent = 50
    """Share of the gateway's pods deleted (PERCENT selection, rounded down)."""
    node_termination_percent: Percent = 34
    """instanceTerminationPercentage of every node group."""
    zone_loss_minutes: Annotated[int, Field(ge=1, le=720)] = 10
    """How long one zone's subnets are cut off (disrupt-connectivity: PT1M to 12 hours)."""
    availability_objective_percent: Annotated[float, Field(ge=50, le=100)] = 99.5
    log_retention_days: Annotated[int, Field(ge=1)] = 30
    load: LoadSettings = LoadSettings()
    predicted: PredictedTimes = PredictedTimes()
