"""`runmcp-infra plan STACK`: the credential-free plan of one stack.

`runmcp-infra plan STACK --program DIR`: the same for the Pulumi program in DIR (a consumer's own).

Exit codes: 0 planned and valid; 1 an object failed validation (or two resources have one URN);
2 bad settings, stack file or program (the program's own code raised); 3 an internal error (a bug
of runmcp-gateway: please report it); 4 a mandatory policy
of the pack (components/policy/) is violated; 5 an AWS argument fails AWS's API model or a limit AWS documents
(components/offline/aws_models.py). When several apply, the first of 1, 4, 5 is returned.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pulumi

from ..drill.cli import add_parser as add_drill_parser
from ..policy.rules import RULES
from ..settings import SettingsError
from ..timeline import text_lines, timeline
from .aws_models import check_plan
from .checks import CheckReport
from .kubernetes import crd_schema_check, kubernetes_schema_check, write_manifests
from .policies import PACK_NAME, PolicyResult, evaluate, pack_config, pack_config_file
from .process import collect_less, skip_final_collection
from .program import failing_line
from .runner import DuplicateUrnError, Plan, PlannedResource, close_event_loops, run_plan

EXIT_OK, EXIT_INVALID, EXIT_SETTINGS, EXIT_INTERNAL, EXIT_POLICY, EXIT_AWS = 0, 1, 2, 3, 4, 5
PLACEHOLDER_NOTE = (
    "Offline plan under Pulumi's mock runtime: IDs, ARNs, names the provider assigns and endpoints "
    "are placeholders; secret values are shown as [secret]."
)
PREVIEW_NOTE = (
    "Run as `pulumi preview` runs: what the cloud computes on create (IDs, ARNs, endpoints, ...) "
    "is unknown, shown as [unknown]; secret values are shown as [secret]."
)


@dataclass(frozen=True)
class Checked:
    """What the checks look at: the plan and the policy pack's verdicts on it."""

    plan: Plan
    policies: list[PolicyResult]
    policy_config: str | None = None
    """The pack config the levels came from (policy/config/<stack>.json); None: the rules' defaults."""

    @property
    def levels(self) -> str:
        """Where the policy levels came from, in words."""
        if self.policy_config is not None:
            return f"levels from {self.policy_config}"
        return f"levels: the pack's defaults, no policy/config/{self.plan.stack}.json"


def _duplicate_urns(run: Checked) -> CheckReport:
    """The engine refuses two resources with one URN; the monitor stops the run at the second
    (DuplicateUrnError), and this confirms it for the plan as recorded."""
    urns = Counter(r.engine_urn for r in run.plan.resources)
    return CheckReport(
        name="duplicate-urns",
        checked=f"{len(urns)} resource URNs (as the engine forms them) are distinct",
        problems=[f"Duplicate resource URN '{urn}'; try giving it a unique name" for urn, n in urns.items() if n > 1],
        coverage={"resources": len(run.plan.resources)},
    )


def _kubernetes_schema(run: Checked) -> CheckReport:
    return kubernetes_schema_check(run.plan)


def _crd_schema(run: Checked) -> CheckReport:
    return crd_schema_check(run.plan)


def _policy_pack(run: Checked) -> CheckReport:
    mandatory = [r for r in run.policies if r.mandatory]
    return CheckReport(
        name="policy-pack",
        checked=f"{len(RULES)} rules of {PACK_NAME} (components/policy/) on "
        f"{len(run.plan.custom_resources())} resources: "
        f"{len(run.policies)} violation(s), {len(mandatory)} mandatory; {run.levels}",
        problems=[f"{r.rule}: {r.message} ({r.urn or 'stack'})" for r in mandatory],
        coverage={"rules": len(RULES), "violations": len(run.policies), "mandatory": len(mandatory)},
    )


def _aws_models(run: Checked) -> CheckReport:
    return check_plan(run.plan)


@dataclass(frozen=True)
class Check:
    run: Callable[[Checked], CheckReport]
    exit_code: int
    """The exit code when the check finds a problem."""
    failure: str
    """The last error line when it does; {n} is the number of problems, {coverage[...]} a figure."""


CHECKS: list[Check] = [
    Check(_duplicate_urns, EXIT_INVALID, "{n} duplicate resource URN(s)"),
    Check(
        _kubernetes_schema,
        EXIT_INVALID,
        "{n} Kubernetes object(s) fail the Kubernetes {coverage[kubernetesVersion]} schema",
    ),
    Check(_crd_schema, EXIT_INVALID, "{n} custom resource(s) fail the schema of their CRD"),
    Check(_policy_pack, EXIT_POLICY, f"{{n}} mandatory policy violation(s) of {PACK_NAME}"),
    Check(_aws_models, EXIT_AWS, "{n} AWS argument(s) fail AWS's API models or documented limits"),
]
"""Every validator of the plan; the first failing one in this order decides the exit code. A
further check is one more line."""


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
        "--program",
        "--project-dir",
        dest="program",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="the Pulumi program to plan: the directory holding its Pulumi.yaml (runtime: python) and "
        "Pulumi.<stack>.yaml (default: the current directory)",
    )
    plan.add_argument(
        "--stack-file",
        type=Path,
        metavar="FILE",
        help="read the stack's config from FILE instead of <program>/Pulumi.<stack>.yaml",
    )
    plan.add_argument(
        "--preview",
        action="store_true",
        help="run as `pulumi preview` does: what the cloud computes on create is unknown",
    )
    add_drill_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command's entry point: the process plans once and exits (see process.py)."""
    collect_less()
    try:
        args = _parser().parse_args(argv)
        return int(getattr(args, "run", _plan)(args))
    finally:
        close_event_loops()
        skip_final_collection()


def _plan(args: argparse.Namespace) -> int:
    try:
        plan = run_plan(args.program, args.stack, args.stack_file, preview=args.preview)
        config_file = pack_config_file(args.program, args.stack)
        levels = pack_config(args.program, args.stack)
    except DuplicateUrnError as err:
        print(f"error: {err}", file=sys.stderr)  # the engine's own message, which stops an update
        return EXIT_INVALID
    except SettingsError as err:
        for line in err.lines():
            print(f"error: {line}", file=sys.stderr)
        print(f"error: {len(err.problems)} problem(s) in the settings; nothing was planned", file=sys.stderr)
        return EXIT_SETTINGS
    except pulumi.ConfigMissingError as err:
        missing = f"{_stack_file_name(args)}: {err.key}: is missing (pulumi config set {err.key} ...)"
        print(f"error: {missing}", file=sys.stderr)
        return EXIT_SETTINGS
    except pulumi.RunError as err:
        # A stack file or program that cannot be planned, or the program refused what the (mock)
        # cloud answered, e.g. too few zones in the region.
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return EXIT_SETTINGS
    except Exception as err:  # noqa: BLE001 - the user sees one line, never a traceback
        where = failing_line(err, args.program.resolve())
        if where is not None:
            message = " ".join(str(err).split())
            print(f"error: {where}: the program raised {type(err).__name__}: {message}", file=sys.stderr)
            return EXIT_SETTINGS
        print(f"error: internal error while planning {args.stack}: {type(err).__name__}: {err}", file=sys.stderr)
        print("error: this is a bug in runmcp-gateway; please report it with the command you ran", file=sys.stderr)
        return EXIT_INTERNAL

    shown = str(config_file.relative_to(args.program.resolve())) if config_file is not None else None
    checked = Checked(plan, evaluate(plan, levels), shown)
    reports = [(check.run(checked), check) for check in CHECKS]
    if args.out is not None:
        write_manifests(plan, args.out)
    results = checked.policies
    if args.format == "json":
        document = plan_document(plan, results, [report for report, _ in reports])
        json.dump(document, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
        for warning in plan.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for result in results:
            print(f"{result.level.value}: {result.rule}: {result.message} ({result.urn or 'stack'})", file=sys.stderr)
    else:
        print_text(plan, sys.stdout, results, [report for report, _ in reports], checked.levels)
    failed = [(report, check) for report, check in reports if not report.passed]
    for report, check in failed:
        for problem in report.problems:
            print(f"error: {report.name}: {problem}", file=sys.stderr)
        print(f"error: {check.failure.format(n=len(report.problems), coverage=report.coverage)}", file=sys.stderr)
    return failed[0][1].exit_code if failed else EXIT_OK


def plan_document(
    plan: Plan, policies: Sequence[PolicyResult] = (), checks: Sequence[CheckReport] = ()
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "project": plan.project,
        "stack": plan.stack,
        "preview": plan.preview,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "id": r.resource_id,
                "parent": r.parent,
                "inputs": r.inputs,
                "dependencies": r.dependencies,
                "dependsOn": list(r.depends_on),
                "provider": r.provider,
                "protect": r.protect,
                "replaceOnChanges": list(r.replace_on_changes),
                "deleteBeforeReplace": r.delete_before_replace,
                "retainOnDelete": r.retain_on_delete,
                "ignoreChanges": list(r.ignore_changes),
                "import": r.import_id,
                "aliases": list(r.aliases),
            }
            for r in sorted(plan.resources, key=lambda r: r.urn)
        ],
        "invokes": [{"token": i.token, "args": i.args, "provider": i.provider} for i in plan.invokes],
        "outputs": dict(sorted(plan.outputs.items())),
        "policies": [{"policy": r.rule, "level": r.level.value, "message": r.message, "urn": r.urn} for r in policies],
        "checks": [report.as_json() for report in checks],
    }
    if plan.settings is not None:
        # This project's stacks only: a consumer's program has no stack settings to read it from.
        document["timeline"] = timeline(plan.settings).as_json()
    return document


def _stack_file_name(args: argparse.Namespace) -> str:
    return args.stack_file.name if args.stack_file is not None else f"Pulumi.{args.stack}.yaml"


def print_text(
    plan: Plan,
    out: TextIO,
    policies: Sequence[PolicyResult] = (),
    checks: Sequence[CheckReport] = (),
    levels: str = "",
) -> None:
    note = PREVIEW_NOTE if plan.preview else PLACEHOLDER_NOTE
    out.write(f"Previewing update ({plan.stack}), offline\n{note}\n\n")
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
    out.write(
        f"\nPolicies:\n    {PACK_NAME} (components/policy/, {len(RULES)} rules{'; ' + levels if levels else ''}): "
    )
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
    _print_timeline(plan, out)
    if checks:
        out.write("\nChecks:\n")
        for report in checks:
            out.write(f"    {'ok' if report.passed else 'FAILED'}  {report.name}: {report.checked}\n")
            for problem in report.problems:
                out.write(f"        - {problem}\n")


def _print_timeline(plan: Plan, out: TextIO) -> None:
    """What the settings predict for scaling and failover (components/timeline.py)."""
    if plan.settings is None:
        out.write("\nTimeline: not computed for a program of another project (no runmcp-gateway stack settings)\n")
        return
    out.write("\nTimeline (seconds from the settings: best-worst, about = typical; sources: --format json):\n")
    for line in text_lines(timeline(plan.settings)):
        out.write(f"    {line}\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
