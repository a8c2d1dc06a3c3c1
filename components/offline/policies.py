"""The policy pack's rules, run on the resources the offline plan captured, as `pulumi preview
--policy-pack components/policy --policy-pack-config policy/config/<stack>.json` would run them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel

from ..config import StackFileError
from ..policy.rules import PACK_NAME, RULES, Resource, level_from_config
from .runner import Plan

CONFIG_DIR = Path("policy") / "config"


@dataclass(frozen=True)
class PolicyResult:
    rule: str
    level: EnforcementLevel
    message: str
    urn: str | None

    @property
    def mandatory(self) -> bool:
        return self.level == EnforcementLevel.MANDATORY


def pack_config_file(project_dir: Path, stack: str) -> Path | None:
    """The stack's pack config, policy/config/<stack>.json of the project, if it has one."""
    path = project_dir / CONFIG_DIR / f"{stack}.json"
    return path if path.is_file() else None


def pack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The stack's pack config; without one, {}: every rule at its default level (rules.py)."""
    path = pack_config_file(project_dir, stack)
    if path is None:
        return {}
    try:
        config = json.loads(path.read_text())
    except ValueError as err:
        raise StackFileError(f"{path}: malformed JSON: {err}") from None
    if not isinstance(config, dict):
        raise StackFileError(f"{path}: a policy pack config is a JSON object")
    return config


def resources_of(plan: Plan) -> list[Resource]:
    return [Resource(r.type, r.urn, r.name, r.inputs, frozenset(r.dependencies)) for r in plan.resources if r.custom]


def evaluate(plan: Plan, config: dict[str, Any]) -> list[PolicyResult]:
    resources = resources_of(plan)
    results = []
    for rule in RULES:
        level = level_from_config(rule, config)
        if level == EnforcementLevel.DISABLED:
            continue
        results += [PolicyResult(rule.name, level, message, urn) for message, urn in rule.check(resources)]
    return results


__all__ = ["PACK_NAME", "PolicyResult", "evaluate", "pack_config", "pack_config_file", "resources_of"]
