"""`runmcp-infra`: the console script. It says what to install when the plan's extra is missing.

The runtime package needs only the Pulumi SDKs and pydantic; the offline plan's validators
(kubernetes-validate, jsonschema, pulumi-policy; AWS's API models ship as an extract) come with
`pip install 'runmcp-gateway[plan]'`. Without them the command explains that in one line
instead of showing a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

PLAN_EXTRA_MODULES = ("kubernetes_validate", "jsonschema", "pulumi_policy")
"""What `runmcp-infra plan` imports beyond the runtime package (pyproject.toml: the `plan` extra)."""
DRILL_EXTRA_MODULES = ("boto3",)
"""What `runmcp-infra drill` imports beyond those (pyproject.toml: the `drill` extra)."""
EXIT_NOT_INSTALLED = 2


def missing_modules(names: Sequence[str] = PLAN_EXTRA_MODULES) -> list[str]:
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    missing = missing_modules()
    if missing:
        print(
            f"runmcp-infra: the offline plan needs the package's plan extra (missing: {', '.join(missing)}): "
            "pip install 'runmcp-gateway[plan]'",
            file=sys.stderr,
        )
        return EXIT_NOT_INSTALLED
    arguments = sys.argv[1:] if argv is None else list(argv)
    missing = missing_modules(DRILL_EXTRA_MODULES) if arguments[:1] == ["drill"] else []
    if missing:
        print(
            f"runmcp-infra: the drills need the package's drill extra (missing: {', '.join(missing)}): "
            "pip install 'runmcp-gateway[plan,drill]'",
            file=sys.stderr,
        )
        return EXIT_NOT_INSTALLED
    from .cli import main as plan_main

    return plan_main(argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
