"""checkov (kubernetes framework) over the rendered objects of every stack: zero failed checks, and
every skipped check is annotated on its object with the reason."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.offline.kubernetes import write_manifests
from components.offline.runner import Plan
from tests.conftest import PROJECT_DIR

CHECKOV = Path(os.environ.get("RUNMCP_CHECKOV", PROJECT_DIR / ".tools" / "checkov" / "bin" / "checkov"))


def scan(directory: Path) -> dict[str, Any]:
    if not CHECKOV.is_file():
        pytest.fail(f"checkov is not installed at {CHECKOV}; run `make setup` (or set RUNMCP_CHECKOV)")
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "kubernetes",
            "--output",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    merged: dict[str, list[dict[str, Any]]] = {"failed_checks": [], "passed_checks": [], "skipped_checks": []}
    for r in reports:
        for key in merged:
            merged[key].extend(r.get("results", {}).get(key, []))
    return merged


def test_checkov_reports_no_failed_check(plan: Plan, tmp_path: Path) -> None:
    write_manifests(plan, tmp_path)
    results = scan(tmp_path)
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]]
    assert failed == []
    assert len(results["passed_checks"]) > 50, "checkov scanned too little to mean anything"
    for skipped in results["skipped_checks"]:
        reason = (skipped.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) > 40, f"{skipped['check_id']} is skipped without a reason"


def test_checkov_catches_a_weakened_pod(plan: Plan, tmp_path: Path) -> None:
    """The scan is real: the same objects with a root-capable container fail."""
    written = write_manifests(plan, tmp_path)
    deployment = next(p for p in written if p.name.startswith("deployment-"))
    text = deployment.read_text().replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    deployment.write_text(text)
    failed = {c["check_id"] for c in scan(tmp_path)["failed_checks"]}
    assert "CKV_K8S_22" in failed
