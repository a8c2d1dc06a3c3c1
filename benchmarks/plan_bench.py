"""Offline plan time per stack against its floor, in fresh processes as `runmcp-infra plan` runs.

The floor of a stack is what no plan of it can avoid: starting Python, importing the SDK module of
every resource type the plan registers (pulumi_aws.eks, pulumi_kubernetes.apps.v1, ...: the types
are read from the plan itself) and starting Pulumi's mock runtime. The floor process treats the
garbage collector as `runmcp-infra` does (components/offline/process.py: survivors of a full
collection left out of the next ones, no final collection), so the ratio counts only the work the
plan adds: running the program, recording, checking, printing. For comparison, the floor as a
plain interpreter runs it (every collection, and the final one at exit, about a second) is shown
too, as the floor was measured before.

Each figure is the median of RUNS fresh processes, floor and plan taken in turns so that the load
of a shared machine weighs on both alike. Run: `make bench`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from runmcp_gateway.offline.runner import stacks_in

PROJECT_DIR = Path(__file__).resolve().parents[1]
RUNS = 5
TARGET = 1.3

FLOOR = """
import importlib, importlib.util, sys
import pulumi
from pulumi.runtime.mocks import MockMonitor, Mocks, set_mocks

# runmcp-infra's garbage-collector rules, loaded alone (not through the components package).
spec = importlib.util.spec_from_file_location("process", "components/offline/process.py")
process = importlib.util.module_from_spec(spec)
spec.loader.exec_module(process)
natural_exit = sys.argv[1] == "--natural-exit"
if not natural_exit:
    process.collect_less()

class Nothing(Mocks):
    def new_resource(self, args): return "", {}
    def call(self, args): return {}, []

set_mocks(Nothing(), project="runmcp-gateway", stack="bench", preview=False, monitor=MockMonitor(Nothing()))
for module, name in (line.split(" ") for line in sys.argv[2:]):
    getattr(importlib.import_module(module), name)
if not natural_exit:
    process.skip_final_collection()
"""


CHECK_COST = [
    sys.executable,
    "-c",
    "import sys, time\n"
    "from pathlib import Path\n"
    "from runmcp_gateway.offline.process import collect_less\n"
    "collect_less()\n"
    "from runmcp_gateway.offline.runner import run_plan\n"
    "plan = run_plan(Path('.'), sys.argv[1])\n"
    "start = time.perf_counter()\n"
    "from runmcp_gateway.offline.aws_models import check_plan\n"
    "check_plan(plan)\n"
    "print(time.perf_counter() - start)\n",
]
"""The AWS API-model check's own cost in a plan process (under its garbage-collector rules): importing
it (with its model extract) and running it over the stack's resources."""


def sdk_class(type_token: str) -> tuple[str, str] | None:
    """The SDK module and class of a resource type, e.g. aws:eks/cluster:Cluster -> (pulumi_aws.eks,
    Cluster); None for the program's own components."""
    package, module, name = type_token.split(":", 2)
    if package == "pulumi" and module == "providers":
        return f"pulumi_{name}", "Provider"
    if package == "aws":
        group = module.split("/", 1)[0]
        return ("pulumi_aws" if group == "index" else f"pulumi_aws.{group}"), name
    if package == "kubernetes":
        group, _, version = module.partition("/")
        # core/v1 -> core.v1, apps/v1 -> apps.v1, networking.k8s.io/v1 -> networking.v1, helm.sh/v3 -> helm.v3
        return f"pulumi_kubernetes.{group.split('.', 1)[0]}.{version}", name
    return None


def floor_classes(types: set[str]) -> list[str]:
    """The `module Class` lines the floor process imports; a Kubernetes kind its SDK has no module
    for is a custom resource (pulumi_kubernetes.apiextensions.CustomResource)."""
    lines = set()
    for token in types:
        found = sdk_class(token)
        if found is None:
            continue
        module, name = found
        if module.startswith("pulumi_kubernetes.") and not _module_exists(module):
            module, name = "pulumi_kubernetes.apiextensions", "CustomResource"
        lines.add(f"{module} {name}")
    return sorted(lines)


def _module_exists(module: str) -> bool:
    probe = (
        "import importlib.util, sys\n"
        "try:\n    sys.exit(importlib.util.find_spec(sys.argv[1]) is None)\n"
        "except ModuleNotFoundError:\n    sys.exit(1)"
    )
    return subprocess.run([sys.executable, "-c", probe, module], cwd=PROJECT_DIR, check=False).returncode == 0


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_DIR, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    print(f"median of {RUNS} fresh processes each; floor = SDK modules of the plan's resource types + mock runtime")
    print(
        f"  {'stack':<10} {'floor':>8} {'plan':>8} {'ratio':>7}   (target <= {TARGET}x)"
        "   floor as a plain interpreter runs it"
    )
    for stack in stacks_in(PROJECT_DIR):
        plan_command = [sys.executable, "-m", "runmcp_gateway.offline.cli", "plan", stack, "--format", "json"]
        document = subprocess.run(plan_command, cwd=PROJECT_DIR, check=True, capture_output=True, text=True).stdout
        types = {resource["type"] for resource in json.loads(document)["resources"]}
        classes = floor_classes(types)
        floor_command = [sys.executable, "-c", FLOOR, "--fast-exit", *classes]
        natural_command = [sys.executable, "-c", FLOOR, "--natural-exit", *classes]
        floors, plans, naturals = [], [], []
        for _ in range(RUNS):
            floors.append(seconds(floor_command))
            plans.append(seconds(plan_command))
            naturals.append(seconds(natural_command))
        floor, planned, natural = (statistics.median(f) for f in (floors, plans, naturals))
        print(
            f"  {stack:<10} {floor:7.2f}s {planned:7.2f}s {planned / floor:6.2f}x"
            f"{'':25}{natural:7.2f}s (plan {planned / natural:.2f}x)"
        )
        check = statistics.median(
            float(
                subprocess.run([*CHECK_COST, stack], cwd=PROJECT_DIR, check=True, capture_output=True, text=True).stdout
            )
            for _ in range(RUNS)
        )
        print(
            f"  {'':<10} of which the AWS API-model check {check:.3f}s ({check / planned:.1%} of the plan; at most 10%)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
