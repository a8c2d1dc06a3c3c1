"""The stack outputs the drill runner reads: the contract between a stack and `runmcp-infra drill`.

A stack with drills exports, besides the outputs every stack with a load balancer has
(``clusterName``, ``namespace``, ``deploymentName``, ``albArnSuffix``, ``targetGroupArnSuffix``),
one object ``drills``::

    drills:
      zones: [us-east-1a, us-east-1b, us-east-1c]   # the zones the target group spans
      stopAlarmNames: [<no healthy targets>, <5xx rate>]  # the templates' stop conditions
      objectives: {availabilityPercent: 99.5, latencyP99Seconds: 3}
      loadGenerator: {namespace: runmcp-drills, cronJob: runmcp-load, warmupSeconds: 120, cooldownSeconds: 120}
      scaleOut: {replicas: 6, withinSeconds: 240}                # ready replicas N within T of the load
      podLoss:  {experimentTemplateId: EXT..., recoverWithinSeconds: 90}
      nodeLoss: {experimentTemplateId: EXT..., recoverWithinSeconds: 300}
      zoneLoss: {experimentTemplateId: EXT..., recoverWithinSeconds: 600}

The T values are the timeline the plan predicts (what the stack's settings imply for the HPA, the
node autoscaler and the health checks), so every report shows predicted against measured.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DRILLS_OUTPUT = "drills"


class OutputsError(Exception):
    """A stack output the runner needs is missing or has the wrong type: names the source and key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: output {key!r} {problem}" if key else f"{source}: {problem}")
        self.source, self.key = source, key


@dataclass(frozen=True)
class Objectives:
    availability_percent: float
    """Share of requests answered without a 5xx (load balancer's or target's) over the drill."""
    latency_p99_seconds: float
    """Bound on every minute's p99 target response time."""


@dataclass(frozen=True)
class LoadGenerator:
    namespace: str
    cron_job: str
    """A suspended CronJob; the runner starts one Job from it per drill."""
    warmup_seconds: int
    """Load before the fault: the steady state the drill starts from."""
    cooldown_seconds: int
    """Load kept after the recovery window, so the recovery is measured under load."""


@dataclass(frozen=True)
class ScaleOut:
    replicas: int
    within_seconds: int


@dataclass(frozen=True)
class Experiment:
    template_id: str
    recover_within_seconds: int


@dataclass(frozen=True)
class StackOutputs:
    cluster_name: str
    namespace: str
    deployment_name: str
    load_balancer: str
    """The ALB's ARN suffix (app/<name>/<id>): CloudWatch's LoadBalancer dimension."""
    target_group: str
    """The target group's ARN suffix (targetgroup/<name>/<id>): CloudWatch's TargetGroup dimension."""
    zones: tuple[str, ...]
    stop_alarm_names: tuple[str, ...]
    objectives: Objectives
    load_generator: LoadGenerator
    scale_out: ScaleOut
    experiments: dict[str, Experiment]
    """Per fault drill (podLoss, nodeLoss, zoneLoss): its FIS experiment template."""


FAULT_DRILL_KEYS = ("podLoss", "nodeLoss", "zoneLoss")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def get(self, document: Mapping[str, Any], key: str, path: str) -> Any:
        if not isinstance(document, Mapping) or key not in document or document[key] is None:
            raise OutputsError(self.source, path, "is missing")
        return document[key]

    def text(self, document: Mapping[str, Any], key: str, path: str = "") -> str:
        value = self.get(document, key, path or key)
        if not isinstance(value, str) or not value:
            raise OutputsError(self.source, path or key, f"must be a non-empty string, not {value!r}")
        return value

    def number(self, document: Mapping[str, Any], key: str, path: str, low: float, high: float) -> float:
        value = self.get(document, key, path)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise OutputsError(self.source, path, f"must be a number from {low:g} to {high:g}, not {value!r}")
        return float(value)

    def whole(self, document: Mapping[str, Any], key: str, path: str, low: int = 0) -> int:
        value = self.get(document, key, path)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise OutputsError(self.source, path, f"must be a whole number of at least {low}, not {value!r}")
        return value

    def texts(self, document: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = self.get(document, key, path)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise OutputsError(self.source, path, f"must be a non-empty list of strings, not {value!r}")
        return tuple(value)

    def section(self, document: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = self.get(document, key, path)
        if not isinstance(value, Mapping):
            raise OutputsError(self.source, path, f"must be an object, not {value!r}")
        return value


def parse_outputs(document: Any, source: str) -> StackOutputs:
    """The contract from `pulumi stack output --json` (or a file holding it); ``source`` names where
    it came from in every error."""
    read = _Reader(source)
    if not isinstance(document, Mapping):
        raise OutputsError(source, "", "the outputs must be a JSON object")
    drills = read.section(document, DRILLS_OUTPUT, DRILLS_OUTPUT)
    objectives = read.section(drills, "objectives", "drills.objectives")
    load = read.section(drills, "loadGenerator", "drills.loadGenerator")
    scale = read.section(drills, "scaleOut", "drills.scaleOut")
    experiments = {}
    for key in FAULT_DRILL_KEYS:
        section = read.section(drills, key, f"drills.{key}")
        experiments[key] = Experiment(
            read.text(section, "experimentTemplateId", f"drills.{key}.experimentTemplateId"),
            read.whole(section, "recoverWithinSeconds", f"drills.{key}.recoverWithinSeconds", 1),
        )
    return StackOutputs(
        cluster_name=read.text(document, "clusterName"),
        namespace=read.text(document, "namespace"),
        deployment_name=read.text(document, "deploymentName"),
        load_balancer=read.text(document, "albArnSuffix"),
        target_group=read.text(document, "targetGroupArnSuffix"),
        zones=read.texts(drills, "zones", "drills.zones"),
        stop_alarm_names=read.texts(drills, "stopAlarmNames", "drills.stopAlarmNames"),
        objectives=Objectives(
            read.number(objectives, "availabilityPercent", "drills.objectives.availabilityPercent", 0, 100),
            read.number(objectives, "latencyP99Seconds", "drills.objectives.latencyP99Seconds", 0.001, 3600),
        ),
        load_generator=LoadGenerator(
            read.text(load, "namespace", "drills.loadGenerator.namespace"),
            read.text(load, "cronJob", "drills.loadGenerator.cronJob"),
            read.whole(load, "warmupSeconds", "drills.loadGenerator.warmupSeconds"),
            read.whole(load, "cooldownSeconds", "drills.loadGenerator.cooldownSeconds"),
        ),
        scale_out=ScaleOut(
            read.whole(scale, "replicas", "drills.scaleOut.replicas", 1),
            read.whole(scale, "withinSeconds", "drills.scaleOut.withinSeconds", 1),
        ),
        experiments=experiments,
    )


def read_outputs_file(path: Path) -> StackOutputs:
    try:
        document = json.loads(path.read_text())
    except OSError as err:
        raise OutputsError(str(path), "", f"the outputs file cannot be read: {err.strerror}") from err
    except ValueError as err:
        raise OutputsError(str(path), "", f"the outputs file is not JSON: {err}") from err
    return parse_outputs(document, str(path))
