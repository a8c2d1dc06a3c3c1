"""Median offline plan time per stack, beside the bare cost of importing the SDKs and starting the
mock runtime. Each sample is a fresh process, as `runmcp-infra plan` is run. Run: `make bench`."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from components.offline.runner import stacks_in

PROJECT_DIR = Path(__file__).resolve().parents[1]
RUNS = 5
BARE = (
    "import pulumi, pulumi_aws, pulumi_kubernetes, pydantic, kubernetes_validate\n"
    "from pulumi.runtime.mocks import MockMonitor, set_mocks\n"
    "from components.offline.mocks import CloudMocks\n"
    "m = CloudMocks(); set_mocks(m, project='runmcp-gateway', stack='bench', preview=False, monitor=MockMonitor(m))\n"
)


def median_seconds(command: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, cwd=PROJECT_DIR, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    stacks = stacks_in(PROJECT_DIR)
    bare = median_seconds([sys.executable, "-c", BARE])
    print(f"median of {RUNS} fresh processes each")
    print(f"  {'SDK imports + mock runtime start':<40} {bare:6.2f} s")
    for stack in stacks:
        planned = median_seconds([sys.executable, "-m", "components.offline.cli", "plan", stack, "--format", "json"])
        print(
            f"  {'plan ' + stack + ' (run, validate, print)':<40} {planned:6.2f} s"
            f"   (+{planned - bare:.2f} s over bare)"
        )


if __name__ == "__main__":
    main()
