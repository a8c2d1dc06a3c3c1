"""The GitHub workflows: valid against GitHub's schema, clean under zizmor, and shaped as promised
(pinned actions, least privilege, no untrusted input in shell lines, the right gates)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_DIR

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return dict(doc)


def steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


ALL = sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_the_workflows_exist() -> None:
    assert set(ALL) == {"ci.yml", "preview.yml", "deploy-dev.yml", "release.yml", "pulumi.yml"}


@pytest.mark.parametrize("name", ALL)
def test_actions_are_pinned_to_commits_and_permissions_are_least(name: str) -> None:
    doc = load(name)
    if "workflow_call" in doc["on"]:
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


def test_pull_requests_get_a_secretless_gate_and_a_preview_per_stack() -> None:
    ci = load("ci.yml")
    assert "pull_request" in ci["on"]
    assert [s["run"] for s in steps(ci) if "run" in s] == ["make test"]
    assert "secrets." not in (WORKFLOWS / "ci.yml").read_text()
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


def test_main_deploys_dev_and_a_tag_deploys_prod_behind_reviewers() -> None:
    dev = load("deploy-dev.yml")
    assert dev["on"] == {"push": {"branches": ["main"]}}
    assert dev["jobs"]["up"]["with"]["stack"] == "dev"
    assert dev["concurrency"]["cancel-in-progress"] is False
    release = load("release.yml")
    assert list(release["on"]["push"]) == ["tags"]
    job = release["jobs"]["up"]["with"]
    assert (job["command"], job["stack"], job["environment"]) == ("up", "prod", "production")


def test_the_reusable_job_assumes_an_aws_role_and_takes_backend_and_secrets_provider_as_inputs() -> None:
    reusable = load("pulumi.yml")
    inputs = reusable["on"]["workflow_call"]["inputs"]
    assert {"backend-url", "secrets-provider", "aws-role-arn", "aws-region", "stack", "command"} <= set(inputs)
    (job,) = reusable["jobs"].values()
    uses = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert uses["aws-actions/configure-aws-credentials"]["with"]["role-to-assume"] == "${{ inputs.aws-role-arn }}"
    pulumi = uses["pulumi/actions"]["with"]
    assert pulumi["cloud-url"] == "${{ inputs.backend-url }}"
    assert pulumi["secrets-provider"] == "${{ inputs.secrets-provider }}"
    # The pack, and the virtualenv of its own that a step before makes for it.
    assert pulumi["policyPacks"] == "components/policy"
    assert any("policy-venv" in s.get("run", "") for s in job["steps"])


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


def test_only_the_preview_may_write_to_pull_requests() -> None:
    for name in ("deploy-dev.yml", "release.yml"):
        (job,) = load(name)["jobs"].values()
        assert job["permissions"] == {"contents": "read", "id-token": "write"}, name
    (job,) = load("preview.yml")["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
