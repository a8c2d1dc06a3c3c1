"""What each validator of the offline plan checked and what it found: one shape for all of them,
printed under "Checks" and listed in the plan's JSON (``checks``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckReport:
    name: str
    """Short, stable id of the validator, e.g. "kubernetes-schema", "aws-api-models"."""
    checked: str
    """What it checked, in one line (counts included), e.g. "38 Kubernetes objects against the
    Kubernetes 1.33 OpenAPI schema (strict)"."""
    problems: list[str] = field(default_factory=list)
    """What it found, one line each; empty when everything passed."""
    coverage: dict[str, Any] = field(default_factory=dict)
    """Optional figures, e.g. {"constrained": 410, "inputs": 512, "ratio": 0.80}."""

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"name": self.name, "checked": self.checked, "problems": list(self.problems)}
        if self.coverage:
            document["coverage"] = dict(self.coverage)
        return document
