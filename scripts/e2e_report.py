"""The e2e run's summary (e2e.yml): each step's outcome, the smoke test's result, and whether the
ephemeral stack may have left resources behind. Writes $REPORT_DIR/summary.json and the job
summary; fails when resources may be left (a stack created and not cleanly destroyed).

    OUTCOMES="init=success up=failure smoke=skipped destroy=success rm=success" python3 scripts/e2e_report.py
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STEPS = ("init", "up", "smoke", "destroy", "rm")


def summary(outcomes: Mapping[str, str], stack: str, smoke: dict[str, Any] | None) -> dict[str, Any]:
    created = outcomes.get("init") == "success"
    destroyed = outcomes.get("destroy") == "success"
    report: dict[str, Any] = {
        "stack": stack,
        "outcomes": {step: outcomes.get(step, "unknown") for step in STEPS},
        "passed": all(outcomes.get(step) == "success" for step in STEPS),
        "smoke": smoke,
        "leftovers": created and not destroyed,
    }
    if report["leftovers"]:
        report["cleanup"] = f"pulumi destroy --yes --stack {stack} && pulumi stack rm --yes {stack}"
    elif created and outcomes.get("rm") != "success":
        report["cleanup"] = f"pulumi stack rm --yes {stack}"
    return report


def main(env: Mapping[str, str] = os.environ) -> int:
    outcomes = dict(item.split("=", 1) for item in env.get("OUTCOMES", "").split() if "=" in item)
    report_dir = Path(env.get("REPORT_DIR", "e2e-report"))
    smoke_file = report_dir / "smoke.json"
    smoke = json.loads(smoke_file.read_text()) if smoke_file.is_file() else None
    report = summary(outcomes, env.get("E2E_STACK", ""), smoke)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"## e2e {report['stack']}: {'passed' if report['passed'] else 'FAILED'}", ""]
    lines += [f"- {step}: {outcome}" for step, outcome in report["outcomes"].items()]
    if "cleanup" in report:
        lines += ["", f"Left behind, clean up with: `{report['cleanup']}`"]
    text = "\n".join(lines) + "\n"
    print(text)
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as out:
            out.write(text)
    return 1 if report["leftovers"] else 0


if __name__ == "__main__":
    sys.exit(main())
