"""The drills' report: readable text for the terminal and a JSON document for the record (the
experiment IDs beside the metric snapshot, as Resilience Hub keeps them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from .runner import DrillResult


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def outcome(result: DrillResult) -> str:
    if result.skipped:
        return "skipped"
    if result.stopped:
        return "stopped"
    return "passed" if result.passed else "failed"


def overall(results: Sequence[DrillResult]) -> str:
    outcomes = [outcome(r) for r in results]
    if "stopped" in outcomes:
        return "stopped"
    return "passed" if outcomes and all(o == "passed" for o in outcomes) else "failed"


def document(stack: str, results: Sequence[DrillResult]) -> dict[str, Any]:
    return {
        "stack": stack,
        "verdict": overall(results),
        "drills": [
            {
                "name": r.drill.name,
                "title": r.drill.title,
                "fault": r.drill.fault,
                "outcome": outcome(r),
                "skipped": r.skipped or None,
                "window": {
                    "start": _iso(r.started),
                    "faultStart": _iso(r.fault_start),
                    "faultEnd": _iso(r.fault_end),
                    "end": _iso(r.ended),
                },
                "experiment": r.experiment.as_json() if r.experiment else None,
                "checks": [c.as_json() for c in r.checks],
                "series": {key: [[at.isoformat(), value] for at, value in points] for key, points in r.series.items()},
            }
            for r in results
        ],
    }


def write_text(stack: str, results: Sequence[DrillResult], out: TextIO) -> None:
    out.write(f"\nDrills of {stack}: {overall(results).upper()}\n")
    for r in results:
        out.write(f"\n  {r.drill.name} ({r.drill.title}): {outcome(r).upper()}\n")
        if r.skipped:
            out.write(f"      {r.skipped}\n")
        if r.experiment is not None:
            out.write(f"      experiment {r.experiment.id} (template {r.experiment.template_id})\n")
        for check in r.checks:
            mark = "ok  " if check.passed else "FAIL"
            out.write(f"      {mark} {check.name}: {check.hypothesis}\n")
            out.write(f"           expected {check.expected}; measured {check.measured}\n")
