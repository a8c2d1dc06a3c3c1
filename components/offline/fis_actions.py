"""What AWS FIS accepts in an experiment template beyond its API model: the botocore `fis` model
types action ids, target types and parameters as free strings, so the facts come from the FIS
action reference and the targets page, as prose:
https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html ;
https://docs.aws.amazon.com/fis/latest/userguide/targets.html ;
https://docs.aws.amazon.com/fis/latest/userguide/eks-pod-actions.html

Only the actions this project's templates use are listed: a template with another action is
reported as unknown to the check (add it here from the reference), never passed unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .aws_requests import Leaf


@dataclass(frozen=True)
class FisTarget:
    resource_type: str
    parameters: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    by_arn_or_tags: bool = True
    """Whether the target may be named by resourceArns/resourceTags (pods may not)."""
    values: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FisAction:
    slot: str
    """The action's target key (Pods, Nodegroups, Subnets)."""
    target: str
    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    values: dict[str, frozenset[str]] = field(default_factory=dict)
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    durations: dict[str, tuple[int, int]] = field(default_factory=dict)
    """ISO 8601 durations and their bounds in seconds."""


POD_ACTION_PARAMETERS = frozenset(
    {"fisPodContainerImage", "maxErrorsPercent", "fisPodLabels", "fisPodAnnotations", "fisPodSecurityPolicy"}
)
"""Shared by every aws:eks:pod-* action (kubernetesServiceAccount is required)."""
HOURS_12 = 12 * 3600

TARGETS = {
    "aws:eks:pod": FisTarget(
        "aws:eks:pod",
        frozenset(
            {
                "clusterIdentifier",
                "namespace",
                "selectorType",
                "selectorValue",
                "targetContainerName",
                "availabilityZoneIdentifier",
            }
        ),
        frozenset({"clusterIdentifier", "namespace", "selectorType", "selectorValue"}),
        by_arn_or_tags=False,
        values={"selectorType": frozenset({"labelSelector", "deploymentName", "podName"})},
    ),
    "aws:eks:nodegroup": FisTarget("aws:eks:nodegroup"),
    "aws:ec2:subnet": FisTarget("aws:ec2:subnet", frozenset({"availabilityZoneIdentifier", "vpc"})),
}

ACTIONS = {
    "aws:eks:pod-delete": FisAction(
        "Pods",
        "aws:eks:pod",
        frozenset({"kubernetesServiceAccount"}),
        POD_ACTION_PARAMETERS | {"gracePeriodSeconds"},
        values={"fisPodSecurityPolicy": frozenset({"privileged", "baseline", "restricted"})},
        ranges={"maxErrorsPercent": (0, 100)},
    ),
    "aws:eks:terminate-nodegroup-instances": FisAction(
        "Nodegroups",
        "aws:eks:nodegroup",
        frozenset({"instanceTerminationPercentage"}),
        ranges={"instanceTerminationPercentage": (1, 100)},
    ),
    "aws:network:disrupt-connectivity": FisAction(
        "Subnets",
        "aws:ec2:subnet",
        frozenset({"duration"}),
        frozenset({"scope", "prefixListIdentifier"}),
        values={"scope": frozenset({"all", "availability-zone", "dynamodb", "prefix-list", "s3", "s3express", "vpc"})},
        durations={"duration": (60, HOURS_12)},
    ),
}

SELECTION_MODE = re.compile(r"ALL|COUNT\((\d+)\)|PERCENT\((\d+)\)")
STOP_CONDITION_SOURCES = ("none", "aws:cloudwatch:alarm")
MAX_STOP_CONDITIONS = 5
"""FIS quotas: stop conditions per experiment template
(https://docs.aws.amazon.com/fis/latest/userguide/fis-quotas.html)."""
_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


def duration_seconds(text: str) -> int | None:
    found = _DURATION.fullmatch(text)
    if not found or text == "PT":
        return None
    hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


Problem = tuple[Leaf, str]


def _value(item: Any) -> Any:
    return item.value if isinstance(item, Leaf) else item


def checked_leaves(params: dict[str, Any]) -> Iterator[Any]:
    """The values the rules below constrain: action ids, target types, selection modes, parameter
    names and action target slots (for the check's coverage)."""
    for target in (params.get("targets") or {}).values():
        yield target.get("resourceType")
        yield target.get("selectionMode")
        yield from (target.get("parameters") or {}).keys()
    for action in (params.get("actions") or {}).values():
        yield action.get("actionId")
        yield from (action.get("parameters") or {}).keys()
        for key, value in (action.get("targets") or {}).items():
            yield from (key, value)


def template_problems(params: dict[str, Any]) -> Iterator[Problem]:
    """Every way a CreateExperimentTemplate request breaks the action reference's rules."""
    targets: dict[str, tuple[Leaf, dict[str, Any]]] = {
        str(_value(name)): (name, target) for name, target in (params.get("targets") or {}).items()
    }
    for name, target in targets.values():
        yield from _target_problems(name, target)
    for name, action in (params.get("actions") or {}).items():
        yield from _action_problems(name, action, targets)
    stops = params.get("stopConditions") or []
    if len(stops) > MAX_STOP_CONDITIONS:
        yield stops[0].get("source"), f"{len(stops)} stop conditions; a template takes at most {MAX_STOP_CONDITIONS}"
    for stop in stops:
        source = stop.get("source")
        if isinstance(source, Leaf) and source.value not in STOP_CONDITION_SOURCES:
            yield source, f"a stop condition's source is {' or '.join(STOP_CONDITION_SOURCES)}"
        if isinstance(source, Leaf) and source.value == "aws:cloudwatch:alarm" and stop.get("value") is None:
            yield source, "an alarm stop condition needs the alarm's ARN as its value"


def _target_problems(name: Leaf, target: dict[str, Any]) -> Iterator[Problem]:
    found = target.get("resourceType")
    kind = found if isinstance(found, Leaf) else name
    spec = TARGETS.get(str(_value(found)))
    if spec is None:
        yield kind, f"target type {_value(found)!r} is not one the check knows"
        return
    mode = target.get("selectionMode")
    if isinstance(mode, Leaf):
        found = SELECTION_MODE.fullmatch(str(mode.value))
        if not found:
            yield mode, "selection mode is ALL, COUNT(n) or PERCENT(n)"
        elif found.group(2) is not None and not 1 <= int(found.group(2)) <= 100:
            yield mode, "PERCENT(n) takes 1 to 100"
    parameters = {str(_value(k)): (k, v) for k, v in (target.get("parameters") or {}).items()}
    for key, (leaf, value) in parameters.items():
        if key not in spec.parameters:
            yield leaf, f"{spec.resource_type} targets take no parameter {key!r}"
        elif key in spec.values and _value(value) not in spec.values[key]:
            yield value, f"{key} is one of {', '.join(sorted(spec.values[key]))}"
    for key in sorted(spec.required - set(parameters)):
        yield kind, f"{spec.resource_type} targets need the parameter {key}"
    by_reference = target.get("resourceArns") or target.get("resourceTags")
    if not spec.by_arn_or_tags and by_reference:
        yield kind, f"{spec.resource_type} targets are chosen by parameters, not by ARN or tags"
    if spec.by_arn_or_tags and not by_reference and not target.get("filters") and not parameters:
        yield kind, f"a {spec.resource_type} target needs resourceArns, resourceTags or parameters"


def _action_problems(
    name: Leaf, action: dict[str, Any], targets: dict[str, tuple[Leaf, dict[str, Any]]]
) -> Iterator[Problem]:
    action_id = action.get("actionId")
    spec = ACTIONS.get(str(_value(action_id)))
    if spec is None:
        yield (
            (action_id if isinstance(action_id, Leaf) else name),
            f"action {_value(action_id)!r} is not one the check knows",
        )
        return
    slots = {str(_value(k)): v for k, v in (action.get("targets") or {}).items()}
    if set(slots) != {spec.slot}:
        yield name, f"{_value(action_id)} takes one target, under the key {spec.slot}"
    for slot_value in slots.values():
        target = targets.get(str(_value(slot_value)))
        if target is None:
            yield slot_value, "names no target of the template"
        elif _value(target[1].get("resourceType")) != spec.target:
            yield slot_value, f"{_value(action_id)} acts on {spec.target} targets"
    parameters = {str(_value(k)): (k, v) for k, v in (action.get("parameters") or {}).items()}
    for key, (leaf, value) in parameters.items():
        text = str(_value(value))
        if key not in spec.required | spec.optional:
            yield leaf, f"{_value(action_id)} takes no parameter {key!r}"
        elif key in spec.values and text not in spec.values[key]:
            yield value, f"{key} is one of {', '.join(sorted(spec.values[key]))}"
        elif key in spec.ranges:
            low, high = spec.ranges[key]
            if not text.isdigit() or not low <= int(text) <= high:
                yield value, f"{key} is a whole number from {low} to {high}"
        elif key in spec.durations:
            low, high = spec.durations[key]
            seconds = duration_seconds(text)
            if seconds is None or not low <= seconds <= high:
                yield value, f"{key} is an ISO 8601 duration from {low} s to {high} s (e.g. PT10M)"
    for key in sorted(spec.required - set(parameters)):
        yield name, f"{_value(action_id)} needs the parameter {key}"
