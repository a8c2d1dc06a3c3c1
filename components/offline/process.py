"""How a `runmcp-infra` process treats the garbage collector, in one place for the command and for
the benchmark's floor process (benchmarks/plan_bench.py), so both run under the same rules.

A plan imports the SDK modules its program uses: several hundred thousand objects that live until
the process ends. CPython's full collections walk every tracked object each time (and the heap
grows by a quarter between them), so most of their work is walking those modules again; at exit,
the interpreter collects them all once more.
"""

from __future__ import annotations

import gc
from typing import Any


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    # What survived a full collection stays for the run: move it out of later collections.
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def collect_less() -> None:
    """Keep what survived each full collection out of the next ones. For a process that plans once
    and exits: objects frozen this way are never collected, even should they become garbage."""
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def skip_final_collection() -> None:
    """Spare a process about to exit the interpreter's last collection of every object."""
    gc.freeze()
