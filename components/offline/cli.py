"""`runmcp-infra plan STACK`: the credential-free plan of one stack.

Exit codes: 0 planned and valid; 1 an object failed validation; 2 bad settings or stack file;
3 an internal error (a bug: please report it); 4 a mandatory policy of the pack (policy/) is violated;
5 an AWS argument fails AWS's API model or a limit AWS documents (components/offline/aws_models.py).
When several apply, the first of 1, 4, 5 is returned.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pulumi

from policy.rules import RULES

from ..config import StackFileError
from ..settings import SettingsError
from .aws_models import check_plan
from .checks import CheckReport
from .crds import SCHEMAS
from .kubernetes import manifests, validate_plan, write_manifests
from .policies import PACK_NAME, PolicyResult, evaluate, pack_config
from .runner import Plan, PlannedResource, close_event_loops, run_plan

EXIT_OK, EXIT_INVALID, EXIT_SETTINGS, EXIT_INTERNAL, EXIT_POLICY, EXIT_AWS = 0, 1, 2, 3, 4, 5
PLACEHOLDER_NOTE = (
    "Offline plan under Pulumi's mock runtime: IDs, ARNs, names the provider assigns and endpoints "
    "are placeholders; secret values are shown as [secret]."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="runmcp-infra", description="Offline tools for the runmcp-gateway stacks.")
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        help="run the program for a stack under the mock runtime, validate and print what it would create",
        description="Run the real program for STACK under Pulumi's mock runtime (no credentials, no CLI), "
        "validate every Kubernetes object against the official schema (strict), and print the plan.",
    )
    plan.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml")
    plan.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    plan.add_argument("--out", type=Path, metavar="DIR", help="also write every Kubernetes object as YAML into DIR")
    plan.add_argument(
        "--project-dir",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="directory holding Pulumi.yaml and __main__.py (default: the current directory)",
    )
    plan.add_argument(
        "--stack-file",
        type=Path,
        metavar="FILE",
        help="read the settings from FILE instead of <project-dir>/Pulumi.<stack>.yaml",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _plan(_parser().parse_args(argv))
    finally:
        close_event_loops()


def _plan(args: argparse.Namespace) -> int:
    try:
        plan = run_plan(args.project_dir, args.stack, args.stack_file)
    except SettingsError as err:
        for line in err.lines():
            print(f"error: {line}", file=sys.stderr)
        print(f"error: {len(err.problems)} problem(s) in the settings; nothing was planned", file=sys.stderr)
        return EXIT_SETTINGS
    except StackFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_SETTINGS
    except pulumi.RunError as err:
        # The program refused what the (mock) cloud answered, e.g. too few zones in the region.
        print(f"error: {err}", file=sys.stderr)
        return EXIT_SETTINGS
    except Exception as err:  # noqa: BLE001 - the user sees one line, never a traceback
        print(f"error: internal error while planning {args.stack}: {type(err).__name__}: {err}", file=sys.stderr)
        print("error: this is a bug in runmcp-gateway; please report it with the command you ran", file=sys.stderr)
        return EXIT_INTERNAL

    violations = validate_plan(plan)
    results = evaluate(plan, pack_config(args.project_dir, args.stack))
    aws = check_plan(plan)
    if args.out is not None:
        write_manifests(plan, args.out)
    if args.format == "json":
        json.dump(plan_document(plan, results, [aws]), sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
        for warning in plan.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for result in results:
            print(f"{result.level.value}: {result.rule}: {result.message} ({result.urn or 'stack'})", file=sys.stderr)
    else:
        print_text(plan, sys.stdout, results, [aws])
    version = plan.settings.cluster.kubernetes_version
    for violation in violations:
        print(f"error: {violation}", file=sys.stderr)
    for problem in aws.problems:
        print(f"error: {problem}", file=sys.stderr)
    if aws.problems:
        print(f"error: {len(aws.problems)} AWS argument(s) fail AWS's API models or documented limits", file=sys.stderr)
    if violations:
        print(f"error: {len(violations)} Kubernetes object(s) fail the Kubernetes {version} schema", file=sys.stderr)
        return EXIT_INVALID
    mandatory = [r for r in results if r.mandatory]
    if mandatory:
        print(f"error: {len(mandatory)} mandatory policy violation(s) of {PACK_NAME}", file=sys.stderr)
        return EXIT_POLICY
    if aws.problems:
        return EXIT_AWS
    return EXIT_OK


def plan_document(
    plan: Plan, policies: Sequence[PolicyResult] = (), checks: Sequence[CheckReport] = ()
) -> dict[str, Any]:
    return {
        "project": plan.project,
        "stack": plan.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "inputs": r.inputs,
                "dependencies": r.dependencies,
                "provider": r.provider,
                "protect": r.protect,
            }
            for r in sorted(plan.resources, key=lambda r: r.urn)
        ],
        "outputs": dict(sorted(plan.outputs.items())),
        "policies": [{"policy": r.rule, "level": r.level.value, "message": r.message, "urn": r.urn} for r in policies],
        "checks": [c.as_json() for c in checks],
    }


def print_text(
    plan: Plan, out: TextIO, policies: Sequence[PolicyResult] = (), checks: Sequence[CheckReport] = ()
) -> None:
    version = plan.settings.cluster.kubernetes_version
    out.write(f"Previewing update ({plan.stack}), offline\n{PLACEHOLDER_NOTE}\n\n")
    children: dict[str, list[PlannedResource]] = defaultdict(list)
    for r in plan.resources:
        children[r.parent].append(r)
    stack_type, stack_name = "pulumi:pulumi:Stack", f"{plan.project}-{plan.stack}"
    rows: list[tuple[str, str]] = [(stack_type, stack_name)]
    roots = [r for r in plan.resources if r.parent == "" or r.parent.endswith(f"::{stack_type}::{stack_name}")]

    def walk(nodes: list[PlannedResource], indent: str) -> None:
        nodes = sorted(nodes, key=lambda r: (r.custom, r.type, r.name))
        for i, node in enumerate(nodes):
            last = i == len(nodes) - 1
            rows.append((f"{indent}{'└─' if last else '├─'} {node.type}", node.name))
            walk(children.get(node.urn, []), indent + ("   " if last else "│  "))

    walk(roots, "")
    width = max(len(t) for t, _ in rows) + 3
    out.write(f"     {'Type':<{width}}Name\n")
    for type_column, name in rows:
        out.write(f" +   {type_column:<{width}}{name}\n")

    if plan.warnings:
        out.write("\nDiagnostics:\n")
        for warning in plan.warnings:
            out.write(f"  warning: {warning}\n")
    out.write(f"\nPolicies:\n    {PACK_NAME} (policy/, {len(RULES)} rules): ")
    out.write("no violations\n" if not policies else f"{len(policies)} violation(s)\n")
    names = {r.urn: f"{r.type}: {r.name}" for r in plan.resources}
    for result in policies:
        where = names.get(result.urn or "", "the stack")
        out.write(f"        - [{result.level.value}]  {result.rule}  ({where})\n          {result.message}\n")
    out.write("\nOutputs:\n")
    for key, value in sorted(plan.outputs.items()):
        out.write(f"    {key}: {json.dumps(value)}\n")
    counts = Counter(r.type.split(":")[0] for r in plan.resources)
    out.write(f"\nResources:\n    + {len(plan.resources) + 1} to create\n")
    out.write("    (" + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) + ", 1 stack)\n")
    objects = manifests(plan)
    custom = sorted({o["kind"] for o in objects if (o["apiVersion"], o["kind"]) in SCHEMAS})
    builtin = len(objects) - sum(1 for o in objects if o["kind"] in custom)
    out.write(
        f"\nChecks:\n    {builtin} Kubernetes objects checked against the Kubernetes {version} "
        "OpenAPI schema (strict)\n"
    )
    if custom:
        out.write(f"    {', '.join(custom)} checked against the schema of its CRD (components/offline/crds.py)\n")
    for check in checks:
        verdict = "passed" if check.passed else f"{len(check.problems)} problem(s)"
        out.write(f"    {check.checked} ({verdict})\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
