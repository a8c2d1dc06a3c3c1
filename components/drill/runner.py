"""Run the drills in order, each under load: start the load, inject the fault through AWS FIS, wait
for the recovery window, stop the load, read the window's metrics and judge the hypotheses.

Everything outside the process comes in through ``Environment``: the FIS and CloudWatch clients
(boto3 in use, botocore's Stubber in the tests), the load generator and the clock, so the tests
run the real sequence without network and without sleeping.

FIS facts used here: StartExperiment/GetExperiment, and the experiment statuses pending,
initiating, running, completed, stopping, stopped, failed, cancelled; a stop condition (a CloudWatch
alarm) moves an experiment to stopped, and a stopped experiment cannot be resumed.
https://docs.aws.amazon.com/fis/latest/APIReference/API_ExperimentState.html ;
https://docs.aws.amazon.com/fis/latest/userguide/stop-conditions.html
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TextIO

from . import verdict
from .contract import StackOutputs
from .metrics import ELB_5XX, HEALTHY, P99, PERIOD_SECONDS, READY, REQUESTS, TARGET_5XX, Series, get_metric_data

TERMINAL = frozenset({"completed", "stopped", "failed", "cancelled"})


@dataclass(frozen=True)
class Drill:
    name: str
    """What `--only` takes."""
    key: str
    """Its section of the `drills` stack output."""
    title: str
    fault: str


DRILLS = (
    Drill("scale-out", "scaleOut", "Load, then scale-out", "load alone: the load generator's bounded rate"),
    Drill("pod-loss", "podLoss", "Pod loss", "FIS aws:eks:pod-delete on a share of the gateway's pods"),
    Drill("node-loss", "nodeLoss", "Node loss", "FIS aws:eks:terminate-nodegroup-instances on the node groups"),
    Drill("zone-loss", "zoneLoss", "Zone loss", "FIS aws:network:disrupt-connectivity on one zone's subnets"),
)
"""In the order they run: a fault drill starts from the steady state the previous one leaves."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class LoadError(Exception):
    """The load generator could not be started or stopped."""


class Load(Protocol):
    def start(self, drill: str) -> str:
        """Start the load for one drill; returns what ``stop`` stops."""
        ...

    def stop(self, handle: str) -> None: ...


def _run(argv: list[str]) -> None:
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True)  # noqa: S603 - fixed argv, no shell
    except FileNotFoundError as err:
        raise LoadError(f"{argv[0]} is not installed: the load generator is started with kubectl") from err
    except subprocess.CalledProcessError as err:
        raise LoadError(f"`{' '.join(argv)}` failed: {err.stderr.strip() or err.returncode}") from err


@dataclass
class KubectlLoad:
    """One Job per drill from the stack's suspended load-generator CronJob (`kubectl create job
    --from=cronjob/...`), deleted when the drill ends; the Job's own activeDeadlineSeconds bounds
    it should the runner die. kubectl uses the current kubeconfig context (`aws eks
    update-kubeconfig --name <clusterName>`)."""

    namespace: str
    cron_job: str
    clock: Clock
    run: Callable[[list[str]], None] = _run

    def start(self, drill: str) -> str:
        suffix = f"-{drill}-{self.clock.now():%H%M%S}"
        job = self.cron_job[: 63 - len(suffix)] + suffix  # a Job's name labels its pods: 63 at most
        self.run(["kubectl", "--namespace", self.namespace, "create", "job", job, f"--from=cronjob/{self.cron_job}"])
        return job

    def stop(self, handle: str) -> None:
        self.run(["kubectl", "--namespace", self.namespace, "delete", "job", handle, "--ignore-not-found"])


@dataclass
class Environment:
    fis: Any
    cloudwatch: Any
    load: Load
    clock: Clock
    progress: TextIO
    stack: str
    poll_seconds: float = 15
    metrics_delay_seconds: float = 180
    """CloudWatch publishes a minute's ALB datapoints a little after the minute ends."""
    experiment_timeout_seconds: float = 3600


@dataclass
class ExperimentRun:
    id: str
    template_id: str
    status: str
    reason: str = ""
    error_code: str = ""
    alarms_in_alarm: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "templateId": self.template_id,
            "status": self.status,
            "reason": self.reason,
            "errorCode": self.error_code,
            "alarmsInAlarm": self.alarms_in_alarm,
        }


@dataclass
class DrillResult:
    drill: Drill
    started: datetime | None = None
    ended: datetime | None = None
    fault_start: datetime | None = None
    fault_end: datetime | None = None
    experiment: ExperimentRun | None = None
    checks: list[verdict.Check] = field(default_factory=list)
    series: dict[str, Series] = field(default_factory=dict)
    skipped: str = ""
    """Why the drill did not run, if it did not."""

    @property
    def stopped(self) -> bool:
        """A stop condition fired: the experiment was stopped by its alarm."""
        return self.experiment is not None and self.experiment.status == "stopped"

    @property
    def passed(self) -> bool:
        return not self.skipped and bool(self.checks) and all(c.passed for c in self.checks)


def select(only: Sequence[str]) -> list[Drill]:
    names = {d.name for d in DRILLS}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ValueError(f"unknown drill(s) {', '.join(unknown)}; the drills are {', '.join(sorted(names))}")
    return [d for d in DRILLS if not only or d.name in only]


def run_drills(outputs: StackOutputs, drills: Sequence[Drill], env: Environment) -> list[DrillResult]:
    """Every selected drill in order. After a stop condition fires the rest are skipped: the system
    left its steady state, and a further fault would only stack on the first."""
    results: list[DrillResult] = []
    for drill in drills:
        if results and results[-1].stopped:
            results.append(DrillResult(drill, skipped=f"a stop condition fired in {results[-1].drill.name}"))
            continue
        results.append(_run_drill(drill, outputs, env))
    return results


def _say(env: Environment, text: str) -> None:
    env.progress.write(f"[{env.clock.now():%H:%M:%S}] {text}\n")
    env.progress.flush()


def alarms_in_alarm(cloudwatch: Any, names: Sequence[str]) -> list[str]:
    response = cloudwatch.describe_alarms(AlarmNames=list(names))
    return sorted(a["AlarmName"] for a in response["MetricAlarms"] if a["StateValue"] == "ALARM")


def _wait(env: Environment, seconds: float, why: str) -> None:
    if seconds > 0:
        _say(env, f"  waiting {seconds:.0f} s: {why}")
        env.clock.sleep(seconds)


def _run_drill(drill: Drill, outputs: StackOutputs, env: Environment) -> DrillResult:
    result = DrillResult(drill)
    _say(env, f"{drill.name}: {drill.title} ({drill.fault})")
    firing = alarms_in_alarm(env.cloudwatch, outputs.stop_alarm_names)
    if firing:
        result.skipped = f"not started: not in steady state, {', '.join(firing)} in ALARM"
        _say(env, f"  {result.skipped}")
        return result
    load = outputs.load_generator
    result.started = env.clock.now()
    handle = env.load.start(drill.name)
    _say(env, f"  load started ({handle} in {load.namespace})")
    try:
        if drill.key == "scaleOut":
            _wait(env, outputs.scale_out.within_seconds + load.cooldown_seconds, "load, for the scale-out")
        else:
            _wait(env, load.warmup_seconds, "load before the fault (steady state)")
            experiment = outputs.experiments[drill.key]
            result.fault_start = env.clock.now()
            result.experiment = _experiment(experiment.template_id, drill, outputs, env)
            result.fault_end = env.clock.now()
            recovered_by = result.fault_start + timedelta(seconds=experiment.recover_within_seconds)
            remaining = (recovered_by - env.clock.now()).total_seconds() + load.cooldown_seconds
            _wait(env, remaining, "the recovery window, under load")
    finally:
        env.load.stop(handle)
        _say(env, f"  load stopped ({handle})")
    result.ended = env.clock.now()
    _wait(env, env.metrics_delay_seconds, "CloudWatch to publish the last minutes")
    result.series = get_metric_data(env.cloudwatch, outputs, _floor(result.started), _ceil(result.ended))
    result.checks = _judge(drill, outputs, result)
    for check in result.checks:
        _say(env, f"  {'PASS' if check.passed else 'FAIL'} {check.name}: {check.measured} (expected {check.expected})")
    return result


def _experiment(template_id: str, drill: Drill, outputs: StackOutputs, env: Environment) -> ExperimentRun:
    started = env.fis.start_experiment(
        clientToken=str(uuid.uuid4()),
        experimentTemplateId=template_id,
        tags={"runmcp-drill": drill.name, "runmcp-stack": env.stack},
    )
    run = ExperimentRun(started["experiment"]["id"], template_id, started["experiment"]["state"]["status"])
    _say(env, f"  experiment {run.id} from template {template_id}: {run.status}")
    try:
        _poll(run, env)
    except KeyboardInterrupt:
        # Interrupted by hand: the fault must not outlive the runner.
        env.fis.stop_experiment(id=run.id)
        _say(env, f"  interrupted: experiment {run.id} stopped")
        raise
    if run.status == "stopped":
        run.alarms_in_alarm = alarms_in_alarm(env.cloudwatch, outputs.stop_alarm_names)
    return run


def _poll(run: ExperimentRun, env: Environment) -> None:
    """Until the experiment ends, or the timeout (then it is stopped)."""
    deadline = env.clock.now() + timedelta(seconds=env.experiment_timeout_seconds)
    while True:
        state = env.fis.get_experiment(id=run.id)["experiment"]["state"]
        if state["status"] != run.status:
            _say(
                env,
                f"  experiment {run.id}: {state['status']}" + (f" ({state['reason']})" if state.get("reason") else ""),
            )
        run.status, run.reason = state["status"], state.get("reason", "")
        run.error_code = state.get("error", {}).get("code", "")
        if run.status in TERMINAL:
            break
        if env.clock.now() >= deadline:
            env.fis.stop_experiment(id=run.id)
            run.status, run.reason = (
                "timed out",
                f"still {run.status} after {env.experiment_timeout_seconds:.0f} s; stopped",
            )
            _say(env, f"  experiment {run.id}: {run.reason}")
            break
        env.clock.sleep(env.poll_seconds)


def _judge(drill: Drill, outputs: StackOutputs, result: DrillResult) -> list[verdict.Check]:
    s = result.series
    checks = []
    if result.experiment is not None:
        e = result.experiment
        checks.append(verdict.experiment_completed(e.status, e.reason, e.alarms_in_alarm))
    checks += [
        verdict.availability(s[REQUESTS], [s[ELB_5XX], s[TARGET_5XX]], outputs.objectives.availability_percent),
        verdict.latency(s[P99], outputs.objectives.latency_p99_seconds),
        verdict.healthy_targets(s[HEALTHY]),
    ]
    if drill.key == "scaleOut":
        assert result.started is not None
        scale = outputs.scale_out
        checks.append(verdict.replicas_reached(s[READY], scale.replicas, _floor(result.started), scale.within_seconds))
    elif result.fault_start is not None:
        within = outputs.experiments[drill.key].recover_within_seconds
        checks.append(verdict.capacity_replaced(s[READY], _floor(result.fault_start), within))
    return checks


def _floor(at: datetime) -> datetime:
    return at - timedelta(seconds=at.timestamp() % PERIOD_SECONDS)


def _ceil(at: datetime) -> datetime:
    rest = at.timestamp() % PERIOD_SECONDS
    return at + timedelta(seconds=PERIOD_SECONDS - rest) if rest else at
