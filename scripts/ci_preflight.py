"""Checks a Pulumi job makes before it installs anything or runs Pulumi (.github/workflows/pulumi.yml).

    python3 scripts/ci_preflight.py inputs        # stack file, variables, secrets provider, passphrase
    python3 scripts/ci_preflight.py stack-exists  # after the CLI and credentials: the stack is in the backend
    python3 scripts/ci_preflight.py ephemeral     # e2e.yml: Pulumi.<E2E_STACK>.yaml from E2E_FROM's, then `inputs`

Everything comes from environment variables the workflow sets (never from `${{ }}` in a shell line).
Each problem is one line naming what is missing and where to set it; all of them are reported at
once, as GitHub error annotations, and the job stops before `make setup` or Pulumi runs. Standard
library only: this runs before the project's virtualenv exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BOOTSTRAP = "python3 scripts/bootstrap.py stack {stack} --region {region}"
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
ORG_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
CLOUD_BACKEND = re.compile(r"^https://")
"""Pulumi Cloud (https://api.pulumi.com) or a self-hosted Pulumi service; anything else (s3://,
gs://, azblob://, file://) is a self-managed backend, where Pulumi falls back to a passphrase."""
COMMANDS = ("preview", "up")


class PreflightError(Exception):
    """One or more problems, each a line that names the file, variable or secret."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Job:
    command: str
    stack: str
    environment: str
    backend_url: str
    role_arn: str
    region: str
    org: str
    preview_role_arn: str
    has_access_token: bool
    has_passphrase: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Job:
        def flag(name: str) -> bool:
            return env.get(name, "").strip().lower() == "true"

        return cls(
            command=env.get("COMMAND", "").strip(),
            stack=env.get("STACK", "").strip(),
            environment=env.get("ENVIRONMENT", "").strip(),
            backend_url=env.get("PULUMI_BACKEND_URL", "").strip(),
            role_arn=env.get("AWS_ROLE_ARN", "").strip(),
            region=env.get("AWS_REGION", "").strip(),
            org=env.get("PULUMI_ORG", "").strip(),
            preview_role_arn=env.get("AWS_PREVIEW_ROLE_ARN", "").strip(),
            has_access_token=flag("HAS_PULUMI_ACCESS_TOKEN"),
            has_passphrase=flag("HAS_PULUMI_CONFIG_PASSPHRASE"),
        )

    @property
    def uses_cloud_backend(self) -> bool:
        return bool(CLOUD_BACKEND.match(self.backend_url))

    @property
    def bootstrap_command(self) -> str:
        """What creates this stack with its secrets provider (scripts/bootstrap.py, docs/ci.md)."""
        return BOOTSTRAP.format(stack=self.stack, region=self.region or "<region>")

    @property
    def stack_name(self) -> str:
        """What `pulumi stack select` takes: <org>/<stack> when an organization is set."""
        return f"{self.org}/{self.stack}" if self.org else self.stack


def pinned_pulumi_version(lock: Path) -> str:
    """The Pulumi SDK version of the lock file: the CLI is pinned to it (one fact, one definition)."""
    for line in lock.read_text().splitlines():
        if line.startswith("pulumi=="):
            return line.split("==", 1)[1].strip()
    raise PreflightError([f"{lock.name}: no 'pulumi==<version>' line to pin the Pulumi CLI to"])


def stack_file_keys(path: Path) -> dict[str, str]:
    """The top-level scalar keys of a stack file (secretsprovider, encryptedkey, encryptionsalt).
    A line-based read: PyYAML is not installed yet when this runs."""
    keys: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z]+):\s*(.*?)\s*$", line)
        if match:
            keys[match.group(1)] = match.group(2).strip("'\"")
    return keys


def secrets_problems(job: Job, stack_file: Path) -> list[str]:
    keys = stack_file_keys(stack_file)
    provider = keys.get("secretsprovider", "")
    how = f"run `{job.bootstrap_command}` and commit {stack_file.name}"
    if provider.startswith("awskms://"):
        if not keys.get("encryptedkey"):
            return [f"{stack_file.name}: secretsprovider is {provider} but there is no encryptedkey: {how}"]
        return []
    if provider and not provider.startswith("passphrase"):
        return []  # another KMS (gcpkms://, azurekeyvault://, hashivault://): its own credentials
    if not provider and not keys.get("encryptionsalt"):
        if job.uses_cloud_backend:
            return []  # the Pulumi service encrypts the stack's secrets
        return [
            f"{stack_file.name} names no secrets provider, so Pulumi would fall back to a passphrase "
            f"with the self-managed backend {job.backend_url}: {how}"
        ]
    if not job.has_passphrase:
        return [
            f"{stack_file.name} uses the passphrase secrets provider but the secret PULUMI_CONFIG_PASSPHRASE "
            f"of environment '{job.environment}' is empty or unset (an empty passphrase is refused here)"
        ]
    return []


def input_problems(job: Job, project: Path = PROJECT, ephemeral: bool = False) -> list[str]:
    """Everything a job needs before it installs anything. An ``ephemeral`` stack (e2e.yml) gets
    its secrets provider from `pulumi stack init` and grants no preview access."""
    problems: list[str] = []
    env = f"environment '{job.environment}'" if job.environment else "the job (no environment given)"
    if job.command not in COMMANDS:
        problems.append(f"input command: {job.command!r} is not one of {', '.join(COMMANDS)}")
    if not job.environment:
        problems.append("input environment: every Pulumi job runs in a GitHub environment (its role and secrets)")
    if not STACK_NAME.match(job.stack):
        problems.append(
            f"input stack: {job.stack!r} is not a plain stack name (Pulumi.<stack>.yaml); "
            "set the repository variable PULUMI_ORG for a Pulumi Cloud organization instead of <org>/<stack>"
        )
    else:
        stack_file = project / f"Pulumi.{job.stack}.yaml"
        if not stack_file.is_file():
            problems.append(f"{stack_file.name}: no such stack file in the repository")
        elif job.backend_url and not ephemeral:
            problems.extend(secrets_problems(job, stack_file))
        pack_config = project / "policy" / "config" / f"{job.stack}.json"
        if not pack_config.is_file():
            problems.append(f"policy/config/{job.stack}.json: no policy pack configuration for stack '{job.stack}'")
    if job.org and not ORG_NAME.match(job.org):
        problems.append(f"repository variable PULUMI_ORG: {job.org!r} is not an organization name")
    if not job.backend_url:
        problems.append("repository variable PULUMI_BACKEND_URL is empty or unset (https://api.pulumi.com or s3://...)")
    elif job.uses_cloud_backend and not job.has_access_token:
        problems.append(f"secret PULUMI_ACCESS_TOKEN of {env} is empty or unset (the backend is {job.backend_url})")
    if not job.role_arn:
        problems.append(f"variable AWS_ROLE_ARN of {env} is empty or unset")
    elif not ROLE_ARN.match(job.role_arn):
        problems.append(f"variable AWS_ROLE_ARN of {env}: {job.role_arn!r} is not an IAM role ARN")
    if job.command == "up" and not ephemeral and not ROLE_ARN.match(job.preview_role_arn):
        problems.append(
            f"repository variable AWS_PREVIEW_ROLE_ARN: {job.preview_role_arn!r} is not an IAM role ARN "
            "(after `up`, the preview role gets read-only access to the stack's cluster)"
        )
    if not job.region:
        problems.append("repository variable AWS_REGION is empty or unset")
    elif not REGION.match(job.region):
        problems.append(f"repository variable AWS_REGION: {job.region!r} is not an AWS region")
    return problems


Run = Callable[[list[str]], subprocess.CompletedProcess[str]]


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 (fixed pulumi argv, no shell)


def stack_problems(job: Job, run: Run = _run) -> list[str]:
    """The stack exists in the backend (the workflows never create stacks: bootstrap does)."""
    login = run(["pulumi", "login", job.backend_url])
    if login.returncode != 0:
        return [f"pulumi login {job.backend_url} failed: {login.stderr.strip() or login.stdout.strip()}"]
    select = run(["pulumi", "stack", "select", job.stack_name, "--non-interactive"])
    if select.returncode != 0:
        return [
            f"no stack '{job.stack_name}' in {job.backend_url} ({select.stderr.strip()}): "
            f"run `{job.bootstrap_command}` once, with that backend, and commit Pulumi.{job.stack}.yaml"
        ]
    return []


STACK_FILE_SECRETS_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt")


def write_ephemeral_stack(stack: str, template: str, project: Path = PROJECT) -> list[str]:
    """Pulumi.<stack>.yaml and policy/config/<stack>.json as copies of ``template``'s, without its
    secrets provider: `pulumi stack init --secrets-provider` writes the ephemeral stack's own."""
    if not STACK_NAME.match(stack) or not STACK_NAME.match(template):
        return [f"E2E_STACK {stack!r} / E2E_FROM {template!r}: plain stack names are expected"]
    source = project / f"Pulumi.{template}.yaml"
    pack = project / "policy" / "config" / f"{template}.json"
    missing = [
        f"{path.relative_to(project)}: no such file (E2E_FROM={template})"
        for path in (source, pack)
        if not path.is_file()
    ]
    if missing:
        return missing
    lines = [
        line for line in source.read_text().splitlines(keepends=True) if not line.startswith(STACK_FILE_SECRETS_KEYS)
    ]
    (project / f"Pulumi.{stack}.yaml").write_text("".join(lines))
    (project / "policy" / "config" / f"{stack}.json").write_text(pack.read_text())
    return []


def write_outputs(job: Job, project: Path, github_output: str) -> None:
    lines = [f"pulumi-version={pinned_pulumi_version(project / 'requirements.lock')}", f"stack-name={job.stack_name}"]
    if github_output:
        with open(github_output, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv: list[str], env: Mapping[str, str] = os.environ, project: Path = PROJECT) -> int:
    check = argv[0] if argv else ""
    if check not in ("inputs", "stack-exists", "ephemeral"):
        print("usage: ci_preflight.py inputs|stack-exists|ephemeral", file=sys.stderr)
        return 2
    job = Job.from_env(env)
    try:
        if check in ("inputs", "ephemeral"):
            problems = []
            if check == "ephemeral":
                problems = write_ephemeral_stack(job.stack, env.get("E2E_FROM", "").strip(), project)
            problems = problems or input_problems(job, project, ephemeral=check == "ephemeral")
            if not problems:
                write_outputs(job, project, env.get("GITHUB_OUTPUT", ""))
        else:
            problems = stack_problems(job)
    except PreflightError as error:
        problems = error.problems
    for problem in problems:
        print(f"::error title=pulumi {job.command} {job.stack}: not ready::{problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
