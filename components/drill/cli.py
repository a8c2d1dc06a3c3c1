"""`runmcp-infra drill STACK`: the command line of the drills (registered in offline/cli.py).

Exit codes: 0 every hypothesis held; 1 a hypothesis failed (or a drill could not start from a steady
state); 2 bad input (the stack outputs, --only); 3 AWS or kubectl refused a call; 4 a stop condition
fired (an experiment was stopped by its alarm), whatever else happened; 130 interrupted (Ctrl-C: the
load generator's Job and a running experiment are stopped first).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from . import chart, report
from .contract import OutputsError, StackOutputs, parse_outputs, read_outputs_file
from .runner import DRILLS, Environment, KubectlLoad, LoadError, SystemClock, run_drills, select

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_AWS, EXIT_STOPPED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
REPORT_JSON, REPORT_HTML = "drills.json", "drills.html"

DESCRIPTION = (
    """Run the stack's drills against its AWS account, in order, each under load from the stack's
load generator: inject the fault with the stack's AWS FIS experiment template, read CloudWatch for
the drill's window and judge the hypothesis. Credentials and region: as the AWS CLI finds them;
kubectl: the current context (aws eks update-kubeconfig --name <clusterName>).

drills (in this order; --only NAME to run some):
"""
    + "\n".join(f"  {d.name:<10} {d.title}: {d.fault}" for d in DRILLS)
    + """

hypothesis of every drill: availability (requests without a 5xx) >= the stack's objective; every
minute's p99 latency within its bound; healthy targets never zero. scale-out: ready replicas reach N
within the predicted T of the load's start. pod-, node- and zone-loss: the experiment completes
(no stop condition fires) and ready replicas return to their pre-fault count within the predicted T.

output: a report in the terminal (progress while it waits), DIR/drills.json and DIR/drills.html
(the series with the fault marked). exit codes: 0 passed, 1 a hypothesis failed, 2 bad input,
3 AWS or kubectl refused a call, 4 a stop condition fired, 130 interrupted (the load and a running
experiment are stopped)."""
)


def add_parser(commands: Any) -> None:
    drill = commands.add_parser(
        "drill",
        help="run the stack's failover and scaling drills (AWS FIS) and judge them on CloudWatch",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drill.add_argument("stack", help="stack name (its outputs: `pulumi stack output --json --show-secrets`)")
    drill.add_argument(
        "--only", action="append", default=[], choices=[d.name for d in DRILLS], metavar="NAME", help="run only NAME"
    )
    drill.add_argument("--outputs", type=Path, metavar="FILE", help="read the stack outputs (JSON) from FILE")
    drill.add_argument(
        "--report", type=Path, default=Path("drill-report"), metavar="DIR", help="where to write the JSON and chart"
    )
    drill.add_argument("--poll-seconds", type=float, default=15, help="how often to poll an experiment (15)")
    drill.add_argument(
        "--metrics-delay", type=float, default=180, help="seconds to wait for CloudWatch after a drill (180)"
    )
    drill.set_defaults(run=main)


Connect = Callable[[argparse.Namespace, StackOutputs, TextIO], Environment]


def stack_outputs(args: argparse.Namespace) -> StackOutputs:
    if args.outputs is not None:
        return read_outputs_file(args.outputs)
    source = f"pulumi stack output --stack {args.stack}"
    argv = ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", args.stack]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    except FileNotFoundError as err:
        raise OutputsError(source, "", "the Pulumi CLI is not installed; pass --outputs FILE") from err
    if done.returncode != 0:
        raise OutputsError(source, "", f"failed: {done.stderr.strip()}")
    try:
        return parse_outputs(json.loads(done.stdout), source)
    except ValueError as err:
        raise OutputsError(source, "", f"did not print JSON: {err}") from err


def aws_environment(args: argparse.Namespace, outputs: StackOutputs, progress: TextIO) -> Environment:
    import boto3  # the drill extra; entry.py checks for it

    clock = SystemClock()
    return Environment(
        fis=boto3.client("fis"),
        cloudwatch=boto3.client("cloudwatch"),
        load=KubectlLoad(outputs.load_generator.namespace, outputs.load_generator.cron_job, clock),
        clock=clock,
        progress=progress,
        stack=args.stack,
        poll_seconds=args.poll_seconds,
        metrics_delay_seconds=args.metrics_delay,
    )


def main(args: argparse.Namespace, connect: Connect = aws_environment, out: TextIO = sys.stdout) -> int:
    err = sys.stderr
    try:
        outputs = stack_outputs(args)
        drills = select(args.only)
    except (OutputsError, ValueError) as problem:
        print(f"error: {problem}", file=err)
        return EXIT_INPUT
    try:
        results = run_drills(outputs, drills, connect(args, outputs, err))
    except LoadError as problem:
        print(f"error: load generator: {problem}", file=err)
        return EXIT_AWS
    except KeyboardInterrupt:
        print("error: interrupted; the load generator's Job and a running experiment were stopped", file=err)
        return EXIT_INTERRUPTED
    except Exception as problem:  # noqa: BLE001 - one line, never a traceback
        if type(problem).__module__.split(".")[0] in ("botocore", "boto3"):
            print(f"error: AWS: {problem}", file=err)
        else:
            print(f"error: internal error in the drills: {type(problem).__name__}: {problem}", file=err)
            print("error: this is a bug in runmcp-gateway; please report it with the command you ran", file=err)
        return EXIT_AWS
    report.write_text(args.stack, results, out)
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / REPORT_JSON).write_text(json.dumps(report.document(args.stack, results), indent=2) + "\n")
    (args.report / REPORT_HTML).write_text(chart.render(args.stack, results))
    print(f"\nreport: {args.report / REPORT_JSON}, chart: {args.report / REPORT_HTML}", file=out)
    verdict = report.overall(results)
    return {"passed": EXIT_OK, "stopped": EXIT_STOPPED}.get(verdict, EXIT_FAILED)
