"""Stable resource names: each stack's URNs, committed under tests/snapshots/.

A URN is a resource's identity in the state. A change that renames or re-parents a resource gives
it a new URN, and Pulumi then deletes the old one and creates a new one: a new cluster, a new load
balancer with a new DNS name. So the tests compare every plan with its snapshot:

- a URN in the snapshot that the plan no longer has must be one of the plan's aliases (the resource
  moved, Pulumi keeps it), or the snapshot must drop it on purpose (`make snapshot ALLOW_REMOVALS=1`);
- a URN the plan has that the snapshot lacks means the snapshot must be updated (`make snapshot`),
  so the change shows in review.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .runner import Plan, locate_stack_file, run_plan, stacks_in

SNAPSHOT_DIR = Path("tests") / "snapshots"
TEST_STACK_DIR = Path("tests") / "stacks"


@dataclass(frozen=True)
class Drift:
    added: list[str]
    """In the plan, not in the snapshot: new resources (or renamed ones)."""
    moved: list[str]
    """Gone from the plan but named in an alias: Pulumi moves them."""
    lost: list[str]
    """Gone from the plan and in no alias: Pulumi would delete them (and create their successors)."""

    @property
    def clean(self) -> bool:
        return not (self.added or self.lost)


def urns(plan: Plan) -> list[str]:
    """The URNs the engine gives the plan's resources (every ancestor's type in them)."""
    return sorted(r.engine_urn for r in plan.resources)


def snapshot_path(project_dir: Path, stack: str) -> Path:
    return project_dir / SNAPSHOT_DIR / f"{stack}.urns"


def read_snapshot(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


def drift(snapshot: Sequence[str], plan: Plan) -> Drift:
    current = set(urns(plan))
    aliased = {alias for r in plan.resources for alias in r.aliases}
    gone = [u for u in snapshot if u not in current]
    return Drift(
        added=sorted(current - set(snapshot)),
        moved=[u for u in gone if u in aliased],
        lost=[u for u in gone if u not in aliased],
    )


def explain(stack: str, found: Drift) -> str:
    lines = [f"the URNs of stack {stack} differ from {SNAPSHOT_DIR / (stack + '.urns')}:"]
    lines += [f"  would be DELETED (no alias names it): {u}" for u in found.lost]
    lines += [f"  new: {u}" for u in found.added]
    lines += [
        "A renamed or re-parented resource is replaced unless it declares its old name: "
        "opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=..., parent=...)]).",
        "If the change is intended: `make snapshot` (and ALLOW_REMOVALS=1 to drop resources on purpose).",
    ]
    return "\n".join(lines)


def all_stacks(project_dir: Path) -> list[tuple[str, Path]]:
    found = [(s, locate_stack_file(project_dir, s)) for s in stacks_in(project_dir)]
    tests = project_dir / TEST_STACK_DIR
    found += [(s, tests / f"Pulumi.{s}.yaml") for s in stacks_in(tests)]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.offline.snapshot", description=__doc__)
    parser.add_argument("--allow-removals", action="store_true", help="drop URNs no alias covers")
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    status = 0
    for stack, stack_file in all_stacks(args.project_dir):
        plan = run_plan(args.project_dir, stack, stack_file)
        path = snapshot_path(args.project_dir, stack)
        old = read_snapshot(path) if path.is_file() else []
        found = drift(old, plan)
        if found.lost and not args.allow_removals:
            print(explain(stack, found), file=sys.stderr)
            print(f"not written: {path}", file=sys.stderr)
            status = 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        header = f"# URNs of stack {stack}: regenerate with `make snapshot` (see components/offline/snapshot.py)"
        path.write_text("\n".join([header, *urns(plan)]) + "\n")
        print(f"{path}: {len(urns(plan))} URNs ({len(found.added)} new, {len(found.moved)} moved by alias)")
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
