"""Per-module result of the last `make mutants` run (mutmut 3 keeps it in mutants/<path>.meta).

    python scripts/mutants_summary.py [components/alarms.py | components/settings ...]

One line per module: killed / tested, then survivors, timeouts and the mutants no test reaches,
and the names of the survivors of the modules named (all modules when none is named), which
`mutmut show NAME` prints as a diff.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

MUTANTS = Path("mutants")


def results(module: Path) -> dict[str, str]:
    """Mutant name -> mutmut's status (killed, survived, no tests, timeout, not checked, ...)."""
    meta = MUTANTS / f"{module}.meta"
    if not meta.is_file():
        return {}
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in codes.items()}


def modules_in(path: Path) -> list[Path]:
    """A module named, or every module mutmut ran below a folder (components/settings/ is a package
    of modules)."""
    if path.suffix == ".py":
        return [path]
    return sorted(meta.with_suffix("").relative_to(MUTANTS) for meta in (MUTANTS / path).glob("**/*.py.meta"))


def main(argv: list[str]) -> int:
    if not MUTANTS.is_dir():
        print("no mutants/ here: run `make mutants` first", file=sys.stderr)
        return 2
    named = [module for arg in argv for module in modules_in(Path(arg))]
    modules = named or modules_in(Path("components"))
    print(f"{'module':34} {'killed/tested':>14} {'survived':>9} {'timeout':>8} {'no tests':>9} {'not run':>8}")
    survivors: list[str] = []
    for module in modules:
        by_name = results(module)
        count = Counter(by_name.values())
        tested = sum(n for status, n in count.items() if status not in ("not checked", "no tests"))
        if not tested and not named:
            continue
        print(
            f"{module!s:34} {count['killed']:>6} / {tested:<6} {count['survived']:>9} {count['timeout']:>8}"
            f" {count['no tests']:>9} {count['not checked']:>8}"
        )
        survivors += sorted(name for name, status in by_name.items() if status == "survived")
    if survivors:
        print("\nsurvivors (`.venv/bin/mutmut show NAME` for the diff):")
        print("\n".join(f"  {name}" for name in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
