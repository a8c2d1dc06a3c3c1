"""The GitHub workflows: valid against GitHub's schema, clean under zizmor, and shaped as promised:
pinned actions on the Node 24 runtime, least privilege, one environment (and so one role) per kind
of job, secrets only on the steps that use them, deploys after the same commit's checks, the Pulumi
CLI pinned to the SDK, credentials that outlive their job, and the scheduled end-to-end run."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import bootstrap, ci_preflight
from tests.conftest import PROJECT_DIR

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
SECRET_VALUE = re.compile(r"\$\{\{\s*secrets\.\w+\s*\}\}")
"""A secret's value; `${{ secrets.X != '' }}` (whether it is set) is not one."""

PINNED = {
    # action: (commit, the tag it is, read from the action's own repository: its action.yml at
    # that commit says `using: node24`)
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}
ENVIRONMENT_OF = {
    "preview.yml": {"preview"},
    "deploy-dev.yml": {"dev"},
    "release.yml": {"staging", "production"},
    "e2e.yml": {"e2e"},
}
"""The GitHub environments, and so the AWS roles and Pulumi tokens, of each workflow that reaches AWS."""


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return dict(doc)


def steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def action(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


ALL = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
REUSABLE = load("pulumi.yml")
(PULUMI_JOB,) = REUSABLE["jobs"].values()
E2E = load("e2e.yml")
(E2E_JOB,) = E2E["jobs"].values()
RELEASE = load("release.yml")
DRILL_JOB = RELEASE["jobs"]["drill"]


def test_the_workflows_exist() -> None:
    assert set(ALL) == {"ci.yml", "preview.yml", "deploy-dev.yml", "release.yml", "pulumi.yml", "e2e.yml"}


@pytest.mark.parametrize("name", ALL)
def test_actions_are_pinned_to_commits_and_permissions_are_least(name: str) -> None:
    doc = load(name)
    if set(doc["on"]) == {"workflow_call"}:
        # A reusable workflow's job runs with what its caller grants; it must not ask for more.
        assert "permissions" not in doc
        assert all("permissions" not in job for job in doc["jobs"].values())
    else:
        assert doc["permissions"] == {}, "no default token permissions at the top"
        assert all("permissions" in job for job in doc["jobs"].values())
    for step in steps(doc):
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]
        if "run" in step:
            assert "${{" not in step["run"], f"expression in a shell line: {step['run']}"
    for job in doc["jobs"].values():
        assert job.get("secrets") != "inherit"
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", ALL)
def test_actions_are_the_current_majors_on_node_24(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    for used, commit, comment in re.findall(r"uses: ([\w./-]+)@([0-9a-f]{40}) # (\S+)", text):
        assert used in PINNED, f"{used}: not among the actions whose Node 24 release was checked"
        assert (commit, comment) == PINNED[used], f"{used}@{commit} # {comment}: expected {PINNED[used]}"
    assert len(re.findall(r"uses: [\w./-]+@", text)) == len(re.findall(r"uses: [\w./-]+@[0-9a-f]{40} # v", text))


def test_pull_requests_get_a_secretless_gate_and_a_preview_per_stack() -> None:
    ci = load("ci.yml")
    assert "pull_request" in ci["on"]
    assert [s["run"] for s in steps(ci) if "run" in s] == ["make test"]
    assert "secrets." not in (WORKFLOWS / "ci.yml").read_text()
    assert all("id-token" not in job["permissions"] for job in ci["jobs"].values()), "ci gets no role"
    preview = load("preview.yml")
    assert list(preview["on"]) == ["pull_request"]
    assert preview["concurrency"] == {
        "group": "preview-${{ github.event.pull_request.number }}",
        "cancel-in-progress": True,
    }
    job = preview["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert job["with"]["command"] == "preview"
    assert job["with"]["comment-on-pr"] is True
    assert "head.repo.full_name == github.repository" in job["if"], "forks get no secrets"


def test_main_deploys_dev_and_a_tag_deploys_prod() -> None:
    dev = load("deploy-dev.yml")
    assert dev["on"] == {"push": {"branches": ["main"]}}
    assert dev["jobs"]["up"]["with"] == {"command": "up", "stack": "dev", "environment": "dev"}
    assert dev["concurrency"]["cancel-in-progress"] is False
    release = load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert release["jobs"]["up"]["with"] == {"command": "up", "stack": "prod", "environment": "production"}
    assert release["jobs"]["staging"]["with"] == {"command": "up", "stack": "staging", "environment": "staging"}
    assert release["concurrency"]["cancel-in-progress"] is False


def test_prod_waits_for_the_staging_drills() -> None:
    """ci -> staging up -> the drills -> prod up: prod changes only after every hypothesis held."""
    jobs = RELEASE["jobs"]
    assert jobs["staging"]["needs"] == "ci"
    assert jobs["drill"]["needs"] == "staging"
    assert jobs["up"]["needs"] == "drill"
    assert not any("if" in jobs[name] for name in ("staging", "drill", "up")), "always() would skip the gate"
    assert DRILL_JOB["environment"] == "staging"
    (drill,) = [s for s in DRILL_JOB["steps"] if "runmcp-infra drill staging" in s.get("run", "")]
    assert '--report "$REPORT_DIR"' in drill["run"]
    assert "--outputs" in drill["run"]
    assert "env" not in drill, "the drill step gets no secret"
    (upload,) = [s for s in DRILL_JOB["steps"] if action(s) == "actions/upload-artifact"]
    assert upload["if"] == "always()", "the report of a failed drill is the one most needed"
    assert upload["with"]["path"].rstrip("/") == DRILL_JOB["env"]["REPORT_DIR"]
    order = [s.get("name") or action(s) for s in DRILL_JOB["steps"]]
    assert (
        order.index("aws-actions/configure-aws-credentials")
        < order.index(drill["name"])
        < order.index("actions/upload-artifact")
    )


@pytest.mark.parametrize("name", ["deploy-dev.yml", "release.yml"])
def test_deploys_run_only_after_the_same_commits_checks(name: str) -> None:
    """The checks run in the deploy's own run, on its commit: `up` needs them to pass."""
    jobs = load(name)["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    first = jobs["staging"] if "staging" in jobs else jobs["up"]
    assert first["needs"] == "ci"
    assert "if" not in first, "an `if` such as always() would run the deploy after failed checks"
    assert "workflow_call" in load("ci.yml")["on"]


@pytest.mark.parametrize("name", sorted(ENVIRONMENT_OF))
def test_every_job_that_reaches_aws_runs_in_its_own_environment(name: str) -> None:
    """The environment decides the role (its AWS_ROLE_ARN variable) and the OIDC subject the role's
    trust policy admits, so one environment per kind of job is one role per kind of job."""
    doc = load(name)
    jobs = [j for j in doc["jobs"].values() if j.get("permissions", {}).get("id-token") == "write"]
    environments = {job["with"]["environment"] if "uses" in job else job["environment"] for job in jobs}
    assert environments == ENVIRONMENT_OF[name]
    for environment in environments:
        roles = [r for r in bootstrap.ROLES if r.environment == environment]
        assert len(roles) == 1, f"one role trusts environment {environment}"


def test_jobs_triggered_by_pull_requests_reach_aws_only_through_the_preview_environment() -> None:
    for name in ALL:
        doc = load(name)
        if not {"pull_request", "pull_request_target"} & set(doc["on"]):
            continue
        assert "pull_request_target" not in doc["on"], "it would run with the base repository's secrets"
        for job in doc["jobs"].values():
            if job["permissions"].get("id-token") == "write":
                assert job["with"]["environment"] == "preview", name


def test_only_jobs_with_an_environment_get_an_oidc_token() -> None:
    for name in ALL:
        for job in load(name)["jobs"].values():
            if job.get("permissions", {}).get("id-token") == "write":
                assert ("uses" in job and job["uses"] == "./.github/workflows/pulumi.yml") or job.get("environment")


@pytest.mark.parametrize("job", [PULUMI_JOB, E2E_JOB, DRILL_JOB], ids=["pulumi.yml", "e2e.yml", "drill"])
def test_the_role_comes_from_the_environment_and_credentials_outlive_the_job(job: dict[str, Any]) -> None:
    (aws,) = [s for s in job["steps"] if action(s) == "aws-actions/configure-aws-credentials"]
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}", "the environment's role, not a shared one"
    session = int(aws["with"]["role-duration-seconds"])
    assert job["timeout-minutes"] * 60 < session <= bootstrap.SESSION_SECONDS
    limited = [s for s in job["steps"] if "timeout-minutes" in s]
    assert sum(s["timeout-minutes"] for s in limited) < job["timeout-minutes"]


@pytest.mark.parametrize("job", [PULUMI_JOB, E2E_JOB, DRILL_JOB], ids=["pulumi.yml", "e2e.yml", "drill"])
def test_no_job_level_secrets_and_secrets_only_where_pulumi_runs(job: dict[str, Any]) -> None:
    assert not SECRET_VALUE.search(yaml.safe_dump(job.get("env", {}))), "secrets in job-level env"
    order = [s.get("name") or action(s) for s in job["steps"]]
    for index, step in enumerate(job["steps"]):
        values = SECRET_VALUE.findall(yaml.safe_dump({k: v for k, v in step.items() if k != "with"}))
        values += SECRET_VALUE.findall(yaml.safe_dump(step.get("with", {})))
        if not values:
            continue
        runs_pulumi = (action(step) == "pulumi/actions" and "command" in step["with"]) or re.search(
            r"(^|\n|\$\()\s*pulumi |scripts/ci_preflight.py stack-exists|scripts/bootstrap.py preview-access",
            step.get("run", ""),
        )
        assert runs_pulumi, f"step {order[index]!r} gets a secret but does not run Pulumi"
    (setup,) = [s for s in job["steps"] if "make setup" in s.get("run", "")]
    assert "env" not in setup, "the ~150 package installs see no secret and no variable"
    aws = order.index("aws-actions/configure-aws-credentials")
    assert order.index(setup.get("name")) < aws, "AWS credentials come after the installs"


def test_the_reusable_job_checks_first_and_pins_the_cli_to_the_sdk() -> None:
    names = [s.get("name", action(s)) for s in PULUMI_JOB["steps"]]
    preflight = next(i for i, s in enumerate(PULUMI_JOB["steps"]) if s.get("id") == "preflight")
    setup = next(i for i, s in enumerate(PULUMI_JOB["steps"]) if "make setup" in s.get("run", ""))
    assert preflight < setup, "bad inputs fail before anything is installed"
    assert PULUMI_JOB["steps"][preflight]["run"] == "python3 scripts/ci_preflight.py inputs"
    exists = next(i for i, s in enumerate(PULUMI_JOB["steps"]) if "stack-exists" in s.get("run", ""))
    pulumi_steps = [i for i, s in enumerate(PULUMI_JOB["steps"]) if action(s) == "pulumi/actions"]
    assert exists < pulumi_steps[-1], names
    for index in pulumi_steps:
        assert PULUMI_JOB["steps"][index]["with"]["pulumi-version"] == "${{ steps.preflight.outputs.pulumi-version }}"
    assert ci_preflight.pinned_pulumi_version(PROJECT_DIR / "requirements.lock") == version("pulumi")


def test_after_an_up_the_preview_role_gets_read_only_access_to_the_stack_s_cluster() -> None:
    """So the next pull request's preview can read the cluster the deploy made, with no manual step."""
    order = [action(s) or s.get("run", "") for s in PULUMI_JOB["steps"]]
    (grant,) = [s for s in PULUMI_JOB["steps"] if "preview-access" in s.get("run", "")]
    assert grant["if"] == "inputs.command == 'up'"
    assert order.index(grant["run"]) == len(order) - 1, "after pulumi up"
    assert grant["env"]["AWS_PREVIEW_ROLE_ARN"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert grant["env"]["STACK_NAME"] == "${{ steps.preflight.outputs.stack-name }}"


def test_the_pulumi_step_takes_the_stack_file_s_secrets_provider_and_keeps_its_summary() -> None:
    inputs = REUSABLE["on"]["workflow_call"]["inputs"]
    assert set(inputs) == {"command", "stack", "environment", "comment-on-pr"}
    assert inputs["environment"]["required"] is True
    assert PULUMI_JOB["environment"] == "${{ inputs.environment }}"
    (pulumi,) = [s["with"] for s in PULUMI_JOB["steps"] if action(s) == "pulumi/actions" and "command" in s["with"]]
    assert "secrets-provider" not in pulumi, "the stack file names it (bootstrap), never the workflow"
    assert "upsert" not in pulumi, "stacks are created by bootstrap, never by a workflow (pulumi/actions#788)"
    assert pulumi["stack-name"] == "${{ steps.preflight.outputs.stack-name }}"
    # The plain stack name, never <org>/<stack>.
    assert pulumi["policyPackConfigs"] == "policy/config/${{ inputs.stack }}.json"
    assert pulumi["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert pulumi["always-include-summary"] is True
    assert pulumi["policyPacks"] == "components/policy"
    assert any("policy-venv" in s.get("run", "") for s in PULUMI_JOB["steps"])


def test_the_scheduled_e2e_run_creates_smoke_tests_and_always_removes_a_fresh_stack() -> None:
    assert set(E2E["on"]) == {"schedule", "workflow_dispatch"}
    assert E2E_JOB["environment"] == "e2e"
    assert "github.run_id" in E2E_JOB["env"]["E2E_STACK"]
    assert "github.run_attempt" in E2E_JOB["env"]["E2E_STACK"]
    by_id = {s["id"]: s for s in E2E_JOB["steps"] if "id" in s}
    assert "pulumi stack init" in by_id["init"]["run"]
    assert "pulumi up --yes" in by_id["up"]["run"]
    assert "scripts/smoke_test.py" in by_id["smoke"]["run"]
    assert by_id["destroy"]["if"] == "always() && steps.init.outcome == 'success'"
    assert "pulumi destroy --yes" in by_id["destroy"]["run"]
    assert by_id["rm"]["if"] == "always() && steps.destroy.outcome == 'success'"
    assert "pulumi stack rm --yes" in by_id["rm"]["run"]
    (upload,) = [s for s in E2E_JOB["steps"] if action(s) == "actions/upload-artifact"]
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == E2E_JOB["env"]["REPORT_DIR"]
    order = list(by_id)
    assert order.index("init") < order.index("up") < order.index("smoke") < order.index("destroy") < order.index("rm")
    assert E2E["defaults"]["run"]["shell"] == "bash", "pipefail: `pulumi up | tee` fails when pulumi does"


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A workflow with a floating tag and untrusted input in a shell line fails both tools."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request_target\n"
        "jobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with: {ref: '${{ github.event.pull_request.head.sha }}'}\n"
        "      - run: echo '${{ github.event.pull_request.title }}'\n"
    )
    zizmor = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert zizmor.returncode != 0
    invalid = tmp_path / "invalid.yml"
    invalid.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(invalid)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode != 0


def test_the_workflows_pass_both_checks() -> None:
    files = [str(WORKFLOWS / name) for name in ALL]
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    zizmor = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


def test_only_the_preview_may_write_to_pull_requests() -> None:
    for name in ("deploy-dev.yml", "release.yml"):
        for job in ("up", "staging", "drill"):
            if job in load(name)["jobs"]:
                assert load(name)["jobs"][job]["permissions"] == {"contents": "read", "id-token": "write"}, name
        assert load(name)["jobs"]["ci"]["permissions"] == {"contents": "read"}, name
    (job,) = load("preview.yml")["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
