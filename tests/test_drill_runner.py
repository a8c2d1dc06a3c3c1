"""`runmcp-infra drill`, end to end without network: real boto3 clients whose calls botocore's
Stubber answers (it also checks every request and response against the service models), a fake
load generator and a clock that moves only when the runner waits, so nothing sleeps."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from components.drill import cli as drill_cli
from components.drill.contract import StackOutputs, parse_outputs
from components.drill.metrics import queries
from components.drill.runner import Environment, KubectlLoad, LoadError
from tests.conftest import cli

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
ALARMS = ["runmcp-no-healthy-targets", "runmcp-5xx-rate"]


def outputs_document() -> dict[str, Any]:
    """What a stack with drills exports (components/drill/contract.py)."""
    return {
        "clusterName": "runmcp-staging",
        "namespace": "runmcp",
        "deploymentName": "runmcp-gateway",
        "albArnSuffix": "app/runmcp-staging/50dc6c495c0c9188",
        "targetGroupArnSuffix": "targetgroup/runmcp-staging/73e2d6bc24d8a067",
        "url": "https://mcp.example.com",
        "drills": {
            "zones": ZONES,
            "stopAlarmNames": ALARMS,
            "objectives": {"availabilityPercent": 99.5, "latencyP99Seconds": 2},
            "loadGenerator": {
                "namespace": "runmcp-drills",
                "cronJob": "runmcp-load",
                "warmupSeconds": 120,
                "cooldownSeconds": 60,
            },
            "scaleOut": {"replicas": 4, "withinSeconds": 180},
            "podLoss": {"experimentTemplateId": "EXTpodloss0001", "recoverWithinSeconds": 90},
            "nodeLoss": {"experimentTemplateId": "EXTnodeloss001", "recoverWithinSeconds": 300},
            "zoneLoss": {"experimentTemplateId": "EXTzoneloss001", "recoverWithinSeconds": 600},
        },
    }


OUTPUTS = parse_outputs(outputs_document(), "test")


@dataclass
class FakeClock:
    at: datetime = T0
    slept: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


@dataclass
class FakeLoad:
    clock: FakeClock
    running: dict[str, tuple[datetime, datetime | None]] = field(default_factory=dict)

    def start(self, drill: str) -> str:
        self.running[drill] = (self.clock.now(), None)
        return f"load-{drill}"

    def stop(self, handle: str) -> None:
        drill = handle.removeprefix("load-")
        self.running[drill] = (self.running[drill][0], self.clock.now())


def client(service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the Stubber answers; nothing is signed for AWS
    )


@dataclass
class Stubbed:
    fis: Stubber
    cloudwatch: Stubber
    clock: FakeClock
    load: FakeLoad
    progress: io.StringIO
    env: Environment


@pytest.fixture
def aws() -> Iterator[Stubbed]:
    fis, cloudwatch, clock = client("fis"), client("cloudwatch"), FakeClock()
    load = FakeLoad(clock)
    progress = io.StringIO()
    env = Environment(fis, cloudwatch, load, clock, progress, "staging", poll_seconds=15, metrics_delay_seconds=180)
    with Stubber(fis) as fis_stub, Stubber(cloudwatch) as cw_stub:
        yield Stubbed(fis_stub, cw_stub, clock, load, progress, env)
        fis_stub.assert_no_pending_responses()
        cw_stub.assert_no_pending_responses()


def alarms(stub: Stubber, in_alarm: tuple[str, ...] = ()) -> None:
    stub.add_response(
        "describe_alarms",
        {"MetricAlarms": [{"AlarmName": name, "StateValue": "ALARM" if name in in_alarm else "OK"} for name in ALARMS]},
        {"AlarmNames": ALARMS},
    )


def experiment(stub: Stubber, template: str, statuses: list[dict[str, Any]]) -> None:
    """StartExperiment, then one GetExperiment per state (the runner polls until a terminal one)."""
    stub.add_response(
        "start_experiment",
        {"experiment": {"id": "EXP1a2b3c4d5e6f7", "experimentTemplateId": template, "state": {"status": "initiating"}}},
        {"clientToken": ANY, "experimentTemplateId": template, "tags": ANY},
    )
    for state in statuses:
        stub.add_response(
            "get_experiment",
            {"experiment": {"id": "EXP1a2b3c4d5e6f7", "experimentTemplateId": template, "state": state}},
            {"id": "EXP1a2b3c4d5e6f7"},
        )


def metric_data(stub: Stubber, start: datetime, end: datetime, overrides: dict[str, list[float]] | None = None) -> None:
    """Per-minute series from start to end: 1000 requests, no 5xx, p99 0.2 s, 3 healthy targets (one
    per zone), 3 ready replicas, unless ``overrides`` gives a series' values."""
    minutes = int((end - start).total_seconds() // 60)
    stamps = [start + timedelta(minutes=n) for n in range(minutes)]
    steady = {"requests": 1000.0, "elb5xx": 0.0, "target5xx": 0.0, "p99": 0.2, "healthy": 3.0, "ready": 3.0}
    results = []
    for query in queries(OUTPUTS):
        values = (overrides or {}).get(query.id) or [steady.get(query.id, 1.0)] * minutes
        results.append(
            {
                "Id": query.id,
                "Label": query.label,
                "Timestamps": stamps[: len(values)],
                "Values": values,
                "StatusCode": "Complete",
            }
        )
    stub.add_response(
        "get_metric_data",
        {"MetricDataResults": results},
        {"MetricDataQueries": ANY, "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"},
    )


def run(aws: Stubbed, tmp_path: Path, *only: str) -> tuple[int, str, dict[str, Any]]:
    (tmp_path / "outputs.json").write_text(json.dumps(outputs_document()))
    args = argparse.Namespace(
        stack="staging",
        only=list(only),
        outputs=tmp_path / "outputs.json",
        report=tmp_path / "report",
        poll_seconds=15,
        metrics_delay=180,
    )
    out = io.StringIO()
    code = drill_cli.main(args, lambda *_: aws.env, out)
    document = json.loads((tmp_path / "report" / "drills.json").read_text()) if code in (0, 1, 4) else {}
    return code, out.getvalue(), document


# The pod-loss timeline under the fake clock: load at 10:00:00, 120 s of warm-up, the fault at
# 10:02:00, the experiment polled every 15 s, the recovery window (90 s from the fault) and 60 s
# of cool-down under load, then 180 s for CloudWatch; the window read is 10:00-10:05.
WINDOW = (T0, T0 + timedelta(minutes=5))
RUNNING, COMPLETED = {"status": "running"}, {"status": "completed", "reason": "Experiment completed."}


def test_a_passing_pod_loss_drill(aws: Stubbed, tmp_path: Path) -> None:
    alarms(aws.cloudwatch)
    experiment(aws.fis, "EXTpodloss0001", [RUNNING, COMPLETED])
    metric_data(aws.cloudwatch, *WINDOW, {"ready": [3, 3, 2, 3, 3]})
    code, text, doc = run(aws, tmp_path, "pod-loss")
    assert code == drill_cli.EXIT_OK, text + aws.progress.getvalue()
    assert doc["verdict"] == "passed"
    [drill] = doc["drills"]
    assert drill["experiment"]["id"] == "EXP1a2b3c4d5e6f7"
    assert drill["window"]["faultStart"] == (T0 + timedelta(seconds=120)).isoformat()
    checks = {c["name"]: c for c in drill["checks"]}
    assert set(checks) == {"experiment", "availability", "latency-p99", "healthy-targets", "capacity-replaced"}
    assert all(c["passed"] for c in checks.values())
    assert checks["capacity-replaced"]["measured"].startswith("3 ready again after 60 s")
    assert "predicted" in checks["capacity-replaced"]["expected"]
    # the load ran from the start to the end of the recovery window and its cool-down
    assert aws.load.running["pod-loss"] == (T0, T0 + timedelta(seconds=120 + 90 + 60))
    assert "PASSED" in text
    html = (tmp_path / "report" / "drills.html").read_text()
    assert html.count('class="fault"') == 4, "the fault is marked on every panel"
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    progress = aws.progress.getvalue()
    assert "experiment EXP1a2b3c4d5e6f7: running" in progress
    assert "completed" in progress


def test_a_breach_in_the_metrics_fails_the_hypothesis(aws: Stubbed, tmp_path: Path) -> None:
    alarms(aws.cloudwatch)
    experiment(aws.fis, "EXTpodloss0001", [RUNNING, COMPLETED])
    metric_data(aws.cloudwatch, *WINDOW, {"target5xx": [0, 0, 40, 0, 0], "p99": [0.2, 0.2, 2.5, 0.3, 0.2]})
    code, text, doc = run(aws, tmp_path, "pod-loss")
    assert code == drill_cli.EXIT_FAILED
    checks = {c["name"]: c for c in doc["drills"][0]["checks"]}
    assert not checks["availability"]["passed"]
    assert "99.200 %" in checks["availability"]["measured"]
    assert not checks["latency-p99"]["passed"]
    assert checks["experiment"]["passed"]
    assert checks["healthy-targets"]["passed"]
    assert doc["verdict"] == "failed"
    assert "FAIL" in text


def test_an_experiment_stopped_by_its_alarm_exits_4_and_skips_the_rest(aws: Stubbed, tmp_path: Path) -> None:
    alarms(aws.cloudwatch)
    experiment(
        aws.fis,
        "EXTpodloss0001",
        [RUNNING, {"status": "stopping"}, {"status": "stopped", "reason": "Experiment stopped by a stop condition."}],
    )
    alarms(aws.cloudwatch, in_alarm=("runmcp-5xx-rate",))
    metric_data(aws.cloudwatch, T0, T0 + timedelta(minutes=5), {"target5xx": [0, 0, 300, 20, 0]})
    code, _text, doc = run(aws, tmp_path, "pod-loss", "node-loss")
    assert code == drill_cli.EXIT_STOPPED
    assert doc["verdict"] == "stopped"
    pod, node = doc["drills"]
    assert pod["outcome"] == "stopped"
    assert pod["experiment"]["alarmsInAlarm"] == ["runmcp-5xx-rate"]
    assert "runmcp-5xx-rate" in next(c for c in pod["checks"] if c["name"] == "experiment")["measured"]
    assert node["outcome"] == "skipped"
    assert "stop condition fired in pod-loss" in node["skipped"]
    assert "node-loss" not in aws.load.running, "no fault after a stop condition fired"


def test_failed_target_resolution_fails_the_drill(aws: Stubbed, tmp_path: Path) -> None:
    alarms(aws.cloudwatch)
    # ExperimentState.error as the API model shapes it (code without whitespace, location); the
    # values are illustrative.
    failed = {
        "status": "failed",
        "reason": "Target resolution failed for target Pods.",
        "error": {"code": "TargetResolutionFailed", "location": "targets.Pods"},
    }
    experiment(aws.fis, "EXTnodeloss001", [failed])
    # failed at once (10:02), then the recovery window (300 s) and the cool-down (60 s) under load
    metric_data(aws.cloudwatch, T0, T0 + timedelta(seconds=120 + 300 + 60))
    code, _, doc = run(aws, tmp_path, "node-loss")
    assert code == drill_cli.EXIT_FAILED
    [drill] = doc["drills"]
    assert drill["experiment"]["status"] == "failed"
    assert drill["experiment"]["errorCode"] == "TargetResolutionFailed"
    check = next(c for c in drill["checks"] if c["name"] == "experiment")
    assert not check["passed"]
    assert "Target resolution failed" in check["measured"]


def test_scale_out_is_judged_on_ready_replicas_within_the_predicted_time(aws: Stubbed, tmp_path: Path) -> None:
    alarms(aws.cloudwatch)
    # load at 10:00, held for T (180 s) and the cool-down (60 s): window 10:00-10:04
    metric_data(aws.cloudwatch, T0, T0 + timedelta(minutes=4), {"ready": [2, 3, 4, 4]})
    code, _, doc = run(aws, tmp_path, "scale-out")
    assert code == drill_cli.EXIT_OK
    check = next(c for c in doc["drills"][0]["checks"] if c["name"] == "scale-out")
    assert check["passed"]
    assert check["measured"] == "reached after 120 s"
    assert doc["drills"][0]["experiment"] is None


def test_a_drill_does_not_start_outside_the_steady_state(aws: Stubbed, tmp_path: Path) -> None:
    alarms(aws.cloudwatch, in_alarm=("runmcp-no-healthy-targets",))
    code, _, doc = run(aws, tmp_path, "zone-loss")
    assert code == drill_cli.EXIT_FAILED
    assert "runmcp-no-healthy-targets in ALARM" in doc["drills"][0]["skipped"]
    assert aws.load.running == {}


def test_an_experiment_that_never_ends_is_stopped_at_the_timeout(aws: Stubbed, tmp_path: Path) -> None:
    aws.env.experiment_timeout_seconds = 30
    alarms(aws.cloudwatch)
    experiment(aws.fis, "EXTpodloss0001", [RUNNING, RUNNING, RUNNING])
    aws.fis.add_response("stop_experiment", {"experiment": {"id": "EXP1a2b3c4d5e6f7"}}, {"id": "EXP1a2b3c4d5e6f7"})
    metric_data(aws.cloudwatch, *WINDOW)
    code, _, doc = run(aws, tmp_path, "pod-loss")
    assert code == drill_cli.EXIT_FAILED
    assert doc["drills"][0]["experiment"]["status"] == "timed out"


def test_an_aws_error_is_one_line_and_stops_the_load(aws: Stubbed, tmp_path: Path, capsys: Any) -> None:
    alarms(aws.cloudwatch)
    aws.fis.add_client_error(
        "start_experiment", "AccessDeniedException", "not authorized to perform fis:StartExperiment"
    )
    code, _, _ = run(aws, tmp_path, "pod-loss")
    assert code == drill_cli.EXIT_AWS
    err = capsys.readouterr().err
    assert err.startswith("error: AWS: ")
    assert "AccessDeniedException" in err
    assert "Traceback" not in err
    assert aws.load.running["pod-loss"][1] is not None, "the load generator was stopped"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("drills",), "output 'drills' is missing"),
        (("drills", "podLoss", "experimentTemplateId"), "output 'drills.podLoss.experimentTemplateId' is missing"),
        (("albArnSuffix",), "output 'albArnSuffix' is missing"),
    ],
)
def test_a_missing_output_is_named(tmp_path: Path, path: tuple[str, ...], message: str, capsys: Any) -> None:
    document = outputs_document()
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    (tmp_path / "outputs.json").write_text(json.dumps(document))
    args = argparse.Namespace(stack="staging", only=[], outputs=tmp_path / "outputs.json", report=tmp_path)

    def never(*_: Any) -> Environment:
        raise AssertionError("no AWS client is made for bad outputs")

    assert drill_cli.main(args, never) == drill_cli.EXIT_INPUT
    assert capsys.readouterr().err == f"error: {tmp_path / 'outputs.json'}: {message}\n"


def test_a_wrong_type_is_named() -> None:
    document = outputs_document()
    document["drills"]["objectives"]["availabilityPercent"] = "99.5"
    with pytest.raises(Exception, match=r"'drills.objectives.availabilityPercent' must be a number from 0 to 100"):
        parse_outputs(document, "stack outputs")


def test_the_load_generator_starts_a_job_from_the_suspended_cron_job() -> None:
    calls: list[list[str]] = []
    load = KubectlLoad("runmcp-drills", "runmcp-load", FakeClock(), calls.append)
    job = load.start("zone-loss")
    load.stop(job)
    assert job == "runmcp-load-zone-loss-100000"
    assert calls == [
        ["kubectl", "--namespace", "runmcp-drills", "create", "job", job, "--from=cronjob/runmcp-load"],
        ["kubectl", "--namespace", "runmcp-drills", "delete", "job", job, "--ignore-not-found"],
    ]
    assert len(KubectlLoad("n", "x" * 80, FakeClock(), calls.append).start("scale-out")) == 63


def test_a_missing_kubectl_is_a_clear_error() -> None:
    load = KubectlLoad("runmcp-drills", "runmcp-load", FakeClock(), lambda argv: drill_runner_run(argv))
    with pytest.raises(LoadError, match="not installed"):
        load.start("pod-loss")


def drill_runner_run(argv: list[str]) -> None:
    from components.drill import runner

    runner._run(["runmcp-no-such-kubectl", *argv[1:]])


def test_the_help_documents_every_drill_and_its_hypothesis() -> None:
    result = cli("drill", "staging", "--help")
    assert result.returncode == 0, result.stderr
    for name in ("scale-out", "pod-loss", "node-loss", "zone-loss", "aws:eks:pod-delete", "availability", "p99"):
        assert name in result.stdout


def test_queries_cover_every_zone_and_the_contract_types() -> None:
    ids = [q.id for q in queries(OUTPUTS)]
    assert len(ids) == len(set(ids)) == 6 + len(ZONES)
    assert isinstance(OUTPUTS, StackOutputs)


def test_an_interrupt_stops_the_experiment_and_the_load(aws: Stubbed, tmp_path: Path, capsys: Any) -> None:
    alarms(aws.cloudwatch)
    experiment(aws.fis, "EXTpodloss0001", [RUNNING])
    aws.fis.add_response("stop_experiment", {"experiment": {"id": "EXP1a2b3c4d5e6f7"}}, {"id": "EXP1a2b3c4d5e6f7"})

    def interrupted(seconds: float) -> None:
        if aws.clock.at >= T0 + timedelta(seconds=120):
            raise KeyboardInterrupt
        FakeClock.sleep(aws.clock, seconds)

    aws.clock.sleep = interrupted  # type: ignore[method-assign]
    code, _, _ = run(aws, tmp_path, "pod-loss")
    assert code == drill_cli.EXIT_INTERRUPTED
    assert aws.load.running["pod-loss"][1] is not None
    assert "experiment EXP1a2b3c4d5e6f7 stopped" in aws.progress.getvalue()
    assert "Traceback" not in capsys.readouterr().err


def test_the_command_names_a_missing_outputs_file(tmp_path: Path) -> None:
    result = cli("drill", "staging", "--outputs", str(tmp_path / "none.json"))
    assert result.returncode == drill_cli.EXIT_INPUT
    assert result.stderr.startswith(f"error: {tmp_path / 'none.json'}: the outputs file cannot be read")
    assert "Traceback" not in result.stderr
