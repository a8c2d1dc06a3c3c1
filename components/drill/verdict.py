"""The hypotheses a drill states and how each is judged on the measured series.

The loop AWS frames (Well-Architected REL12): a steady state, a hypothesis, the experiment, the
verdict. Each check here is one sentence of a hypothesis with what was expected and what was
measured, so a report reads as "predicted vs measured". A series with no data never passes: an
undefined ratio (no requests) or an absent replica count is a failed measurement, not a success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .metrics import Series


@dataclass(frozen=True)
class Check:
    name: str
    hypothesis: str
    expected: str
    measured: str
    passed: bool

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "hypothesis": self.hypothesis,
            "expected": self.expected,
            "measured": self.measured,
            "passed": self.passed,
        }


def _total(series: Series) -> float:
    return sum(value for _, value in series)


def availability(requests: Series, errors: list[Series], objective_percent: float) -> Check:
    """Share of requests without a 5xx over the window (load balancer's and target's 5xx)."""
    total, failed = _total(requests), sum(_total(s) for s in errors)
    expected = f">= {objective_percent:g} %"
    hypothesis = "availability (requests without a 5xx) stays at or above the objective"
    if total <= 0:
        return Check("availability", hypothesis, expected, "no requests measured (did the load reach the ALB?)", False)
    percent = 100.0 * (1.0 - failed / total)
    measured = f"{percent:.3f} % ({failed:g} of {total:g} requests failed)"
    return Check("availability", hypothesis, expected, measured, percent >= objective_percent)


def latency(p99: Series, bound_seconds: float) -> Check:
    """Every minute's p99 target response time within the bound."""
    hypothesis = "p99 latency stays within its bound in every minute"
    expected = f"<= {bound_seconds:g} s"
    if not p99:
        return Check("latency-p99", hypothesis, expected, "no latency data", False)
    worst_at, worst = max(p99, key=lambda point: point[1])
    measured = f"worst minute {worst:.3f} s at {worst_at:%H:%M}"
    return Check("latency-p99", hypothesis, expected, measured, worst <= bound_seconds)


def healthy_targets(healthy: Series) -> Check:
    hypothesis = "the target group never runs out of healthy targets"
    if not healthy:
        return Check("healthy-targets", hypothesis, ">= 1 in every minute", "no healthy-host data", False)
    fewest_at, fewest = min(healthy, key=lambda point: point[1])
    measured = f"fewest {fewest:g} at {fewest_at:%H:%M}"
    return Check("healthy-targets", hypothesis, ">= 1 in every minute", measured, fewest >= 1)


def replicas_reached(ready: Series, replicas: int, start: datetime, within_seconds: int) -> Check:
    """Scale-out: ready replicas reach N within T of the load's start."""
    hypothesis = f"under load, ready replicas reach {replicas} within the predicted time"
    expected = f"{replicas} ready within {within_seconds} s (predicted)"
    reached = next((at for at, value in ready if at >= start and value >= replicas), None)
    if reached is None:
        most = max((value for _, value in ready), default=None)
        measured = "no replica data" if most is None else f"not reached (at most {most:g} ready)"
        return Check("scale-out", hypothesis, expected, measured, False)
    seconds = (reached - start).total_seconds()
    return Check("scale-out", hypothesis, expected, f"reached after {seconds:.0f} s", seconds <= within_seconds)


def capacity_replaced(ready: Series, fault_start: datetime, within_seconds: int) -> Check:
    """Fault drills: ready replicas return to the count they had when the fault began, within T.

    The baseline is the last value before the fault. Recovery is the first minute after the last
    minute below the baseline; a series that never drops recovers at once (a 60-second series can
    miss a short dip, which the other checks then still see)."""
    hypothesis = "lost capacity is replaced within the predicted time"
    expected = f"back to the pre-fault count within {within_seconds} s (predicted)"
    before = [value for at, value in ready if at < fault_start]
    after = [(at, value) for at, value in ready if at >= fault_start]
    if not before or not after:
        return Check("capacity-replaced", hypothesis, expected, "no replica data around the fault", False)
    baseline = before[-1]
    below = [n for n, (_, value) in enumerate(after) if value < baseline]
    if not below:
        return Check("capacity-replaced", hypothesis, expected, f"never below {baseline:g} ready", True)
    if below[-1] == len(after) - 1:
        measured = f"still below {baseline:g} ready at the end ({after[-1][1]:g})"
        return Check("capacity-replaced", hypothesis, expected, measured, False)
    recovered = after[below[-1] + 1][0]
    seconds = max(0.0, (recovered - fault_start).total_seconds())
    measured = f"{baseline:g} ready again after {seconds:.0f} s (lowest {min(v for _, v in after):g})"
    return Check("capacity-replaced", hypothesis, expected, measured, seconds <= within_seconds)


def experiment_completed(status: str, reason: str, stop_alarms: list[str]) -> Check:
    """The FIS experiment ran to its end: not stopped by a stop condition, not failed."""
    hypothesis = "the fault is injected as designed and no stop condition fires"
    measured = status + (f": {reason}" if reason else "")
    if stop_alarms:
        measured += f" (in ALARM: {', '.join(stop_alarms)})"
    return Check("experiment", hypothesis, "completed", measured, status == "completed")
