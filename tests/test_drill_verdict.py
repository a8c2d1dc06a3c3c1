"""The drills' verdicts on synthetic per-minute series, the failing cases first."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from components.drill import verdict
from components.drill.metrics import Series
from tests.conftest import PROJECT_DIR

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def minutes(*values: float, start: datetime = T0) -> Series:
    return [(start + timedelta(minutes=n), float(v)) for n, v in enumerate(values)]


def test_availability_counts_both_kinds_of_5xx_against_the_objective() -> None:
    requests = minutes(1000, 1000, 1000, 1000)
    assert verdict.availability(requests, [minutes(0, 0, 0, 0), minutes(0, 0, 0, 0)], 99.5).passed
    at_objective = verdict.availability(requests, [minutes(0, 10), minutes(0, 0, 10)], 99.5)
    assert at_objective.passed, "20 of 4000 is exactly 99.5 %"
    below = verdict.availability(requests, [minutes(0, 11), minutes(0, 0, 10)], 99.5)
    assert not below.passed
    assert "21 of 4000" in below.measured


def test_availability_without_requests_fails() -> None:
    check = verdict.availability([], [[], []], 99.0)
    assert not check.passed
    assert "no requests" in check.measured
    assert not verdict.availability(minutes(0, 0), [minutes(0, 0)], 99.0).passed


def test_latency_judges_the_worst_minute() -> None:
    assert verdict.latency(minutes(0.2, 1.9, 2.0), 2.0).passed
    check = verdict.latency(minutes(0.2, 2.01, 0.3), 2.0)
    assert not check.passed
    assert "10:01" in check.measured
    assert not verdict.latency([], 2.0).passed


def test_healthy_targets_never_zero() -> None:
    assert verdict.healthy_targets(minutes(3, 2, 1, 3)).passed
    check = verdict.healthy_targets(minutes(3, 0, 3))
    assert not check.passed
    assert "fewest 0 at 10:01" in check.measured
    assert not verdict.healthy_targets([]).passed


def test_replicas_reach_n_within_t() -> None:
    assert verdict.replicas_reached(minutes(2, 4, 6), 6, T0, 120).passed
    late = verdict.replicas_reached(minutes(2, 4, 4, 6), 6, T0, 120)
    assert not late.passed
    assert late.measured == "reached after 180 s"
    never = verdict.replicas_reached(minutes(2, 4, 5), 6, T0, 600)
    assert not never.passed
    assert "at most 5" in never.measured
    before_the_load = verdict.replicas_reached(minutes(6, 2, 2, start=T0 - timedelta(minutes=1)), 6, T0, 600)
    assert not before_the_load.passed, "replicas counted before the load started do not count"


FAULT = T0 + timedelta(minutes=2)


def test_capacity_replaced_within_t() -> None:
    ok = verdict.capacity_replaced(minutes(3, 3, 2, 2, 3, 3), FAULT, 120)
    assert ok.passed
    assert "after 120 s" in ok.measured
    late = verdict.capacity_replaced(minutes(3, 3, 2, 2, 2, 3), FAULT, 120)
    assert not late.passed
    assert "after 180 s" in late.measured
    dipped_again = verdict.capacity_replaced(minutes(3, 3, 2, 3, 2, 3), FAULT, 120)
    assert not dipped_again.passed, "recovery counts from the last minute below the pre-fault count"
    never = verdict.capacity_replaced(minutes(3, 3, 2, 2, 2), FAULT, 600)
    assert not never.passed
    assert "still below 3" in never.measured
    assert verdict.capacity_replaced(minutes(3, 3, 3, 3), FAULT, 60).passed
    assert not verdict.capacity_replaced(minutes(3, 3), FAULT, 60).passed, "no data after the fault"


def test_the_experiment_must_complete() -> None:
    assert verdict.experiment_completed("completed", "", []).passed
    stopped = verdict.experiment_completed("stopped", "stop condition", ["runmcp-5xx-rate"])
    assert not stopped.passed
    assert "runmcp-5xx-rate" in stopped.measured
    assert not verdict.experiment_completed("failed", "Target resolution failed", []).passed


@pytest.mark.parametrize("argv", [["drill", "staging"], ["drill", "staging", "--help"]])
def test_the_drill_says_to_install_its_extra(argv: list[str]) -> None:
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'boto3':\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import tests.package_alias\n"
        "from runmcp_gateway.offline import entry\n"
        f"sys.exit(entry.main({argv!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr == (
        "runmcp-infra: the drills need the package's drill extra (missing: boto3): "
        "pip install 'runmcp-gateway[plan,drill]'\n"
    )
