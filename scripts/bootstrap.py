"""Bootstrap of the AWS account, the GitHub repository and the stacks that the workflows expect.
Idempotent: run it again and it changes only what differs. `--dry-run` prints the commands.

    python3 scripts/bootstrap.py aws    --repository OWNER/REPO --region eu-west-1 --state-bucket BUCKET
    python3 scripts/bootstrap.py github --repository OWNER/REPO --account-id 123456789012 \\
        --region eu-west-1 --backend-url s3://BUCKET --reviewers alice,bob [--e2e-account-id ...]
    python3 scripts/bootstrap.py stack  dev --region eu-west-1     # then commit Pulumi.dev.yaml
    python3 scripts/bootstrap.py preview-access dev --role-arn arn:aws:iam::123456789012:role/runmcp-gateway-preview

Needs the AWS CLI (`aws`), the GitHub CLI (`gh`, logged in as a repository admin) and the Pulumi
CLI (`pulumi`, logged in to the backend) for the subcommands that use them; docs/ci.md explains
each step. The role trust policies and permissions are the JSON files in deploy/iam/, with
${ACCOUNT_ID}, ${REPOSITORY}, ${STATE_BUCKET} and ${REGION} filled in.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
IAM_DIR = PROJECT / "deploy" / "iam"
PROJECT_NAME = "runmcp-gateway"
OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"
SESSION_SECONDS = 3 * 3600
"""The roles' maximum session: longer than the longest job (pulumi.yml and e2e.yml time out before)."""
SUBJECT_CLAIMS = ["repo", "context", "ref"]
"""The repository's OIDC subject template: repo:OWNER/REPO:environment:NAME:ref:REF, so a trust
policy can require the environment and the ref at once."""


@dataclass(frozen=True)
class Role:
    """One IAM role for one GitHub environment, used from one kind of ref."""

    key: str
    environment: str
    ref: str
    managed_policies: tuple[str, ...]
    deployment_refs: tuple[tuple[str, str], ...]
    """The environment's deployment policy: (type, pattern); empty allows any ref."""
    reviewers: bool

    @property
    def name(self) -> str:
        return f"{PROJECT_NAME}-{self.key}"

    def arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{self.name}"

    @property
    def trust_file(self) -> Path:
        return IAM_DIR / f"trust-{self.key}.json"

    @property
    def policy_file(self) -> Path | None:
        path = IAM_DIR / f"policy-{self.key}.json"
        return path if path.is_file() else None


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ROLES = (
    Role("preview", "preview", "refs/pull/*/merge", (READ_ONLY,), (), reviewers=False),
    Role("deploy-dev", "dev", "refs/heads/main", (ADMIN,), (("branch", "main"),), reviewers=False),
    # The release deploys staging and runs its drills (runmcp-infra drill) before prod.
    Role("deploy-staging", "staging", "refs/tags/v*", (ADMIN,), (("tag", "v*.*.*"),), reviewers=False),
    Role("deploy-prod", "production", "refs/tags/v*", (ADMIN,), (("tag", "v*.*.*"),), reviewers=True),
    Role("e2e", "e2e", "refs/heads/main", (ADMIN,), (("branch", "main"),), reviewers=False),
)
STACKS = tuple(sorted(path.name.split(".")[1] for path in PROJECT.glob("Pulumi.*.yaml")))
"""The committed stacks (their stack files), each with its own KMS key (alias/runmcp-gateway-<stack>)."""
E2E_KEY = "e2e"
"""The key of the scheduled run's ephemeral stacks (in the sandbox account)."""


def kms_alias(stack: str) -> str:
    return f"alias/{PROJECT_NAME}-{stack}"


def secrets_provider(stack: str, region: str) -> str:
    return f"awskms://{kms_alias(stack)}?region={region}"


def render(path: Path, values: dict[str, str]) -> str:
    """A deploy/iam template with its ${NAME} placeholders filled in; every one must be given."""
    text = path.read_text()
    missing = sorted(set(re.findall(r"\$\{([A-Z_]+)\}", text)) - set(values))
    if missing:
        raise SystemExit(f"{path.relative_to(PROJECT)}: no value for {', '.join(missing)}")
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    json.loads(text)
    return text


class Shell:
    """Runs commands, or prints them (`--dry-run`); a failing command stops the bootstrap."""

    def __init__(self, dry_run: bool, answers: Callable[[list[str]], tuple[int, str]] | None = None) -> None:
        self.dry_run = dry_run
        self.answers = answers
        self.log: list[list[str]] = []

    def query(self, argv: list[str]) -> tuple[int, str]:
        """A read-only command (it runs even in a dry run): exit code and stdout."""
        if self.answers is not None:
            return self.answers(argv)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 (argv lists, no shell)
        except FileNotFoundError:
            raise SystemExit(f"`{argv[0]}` is not installed (docs/ci.md lists the tools bootstrap needs)") from None
        return done.returncode, done.stdout

    def change(self, argv: list[str], stdin: str | None = None) -> None:
        self.log.append(argv)
        print("+ " + shlex.join(argv))
        if self.dry_run or self.answers is not None:
            return
        try:
            done = subprocess.run(argv, input=stdin, text=True, check=False)  # noqa: S603 (argv lists, no shell)
        except FileNotFoundError:
            raise SystemExit(f"`{argv[0]}` is not installed (docs/ci.md lists the tools bootstrap needs)") from None
        if done.returncode != 0:
            raise SystemExit(f"failed ({done.returncode}): {shlex.join(argv)}")


def bootstrap_aws(
    sh: Shell, repository: str, region: str, bucket: str, keys: Sequence[str], roles: Sequence[str]
) -> None:
    code, account = sh.query(["aws", "sts", "get-caller-identity", "--query", "Account", "--output", "text"])
    if code != 0 and not sh.dry_run:
        raise SystemExit("`aws sts get-caller-identity` failed: credentials for the account are needed")
    account = account.strip() if code == 0 else "ACCOUNT_ID"
    provider_arn = f"arn:aws:iam::{account}:oidc-provider/{OIDC_HOST}"
    if sh.query(["aws", "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", provider_arn])[0] != 0:
        sh.change(
            [
                "aws",
                "iam",
                "create-open-id-connect-provider",
                "--url",
                f"https://{OIDC_HOST}",
                "--client-id-list",
                OIDC_AUDIENCE,
            ]
        )
    if bucket and sh.query(["aws", "s3api", "head-bucket", "--bucket", bucket])[0] != 0:
        create = ["aws", "s3api", "create-bucket", "--bucket", bucket, "--region", region]
        if region != "us-east-1":  # us-east-1 refuses a LocationConstraint of itself
            create += ["--create-bucket-configuration", f"LocationConstraint={region}"]
        sh.change(create)
        sh.change(
            [
                "aws",
                "s3api",
                "put-bucket-versioning",
                "--bucket",
                bucket,
                "--versioning-configuration",
                "Status=Enabled",
            ]
        )
        sh.change(
            [
                "aws",
                "s3api",
                "put-public-access-block",
                "--bucket",
                bucket,
                "--public-access-block-configuration",
                "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
            ]
        )
    for key in keys:
        alias = kms_alias(key)
        if sh.query(["aws", "kms", "describe-key", "--key-id", alias, "--region", region])[0] != 0:
            sh.change(
                [
                    "bash",
                    "-c",
                    f"set -euo pipefail; id=$(aws kms create-key --region {shlex.quote(region)} "
                    f"--description {shlex.quote(f'Pulumi secrets of the {key} stack(s)')} "
                    f"--tags TagKey=project,TagValue={PROJECT_NAME} TagKey=stack,TagValue={shlex.quote(key)} "
                    "--query KeyMetadata.KeyId "
                    f"--output text); aws kms create-alias --region {shlex.quote(region)} --alias-name {alias} "
                    '--target-key-id "$id"; aws kms enable-key-rotation --region '
                    f'{shlex.quote(region)} --key-id "$id"',
                ]
            )
    values = {
        "ACCOUNT_ID": account,
        "REPOSITORY": repository,
        "STATE_BUCKET": bucket or "NO-STATE-BUCKET",
        "REGION": region,
    }
    for role in ROLES:
        if role.key not in roles:
            continue
        trust = render(role.trust_file, values)
        if sh.query(["aws", "iam", "get-role", "--role-name", role.name])[0] == 0:
            sh.change(["aws", "iam", "update-assume-role-policy", "--role-name", role.name, "--policy-document", trust])
            sh.change(
                ["aws", "iam", "update-role", "--role-name", role.name, "--max-session-duration", str(SESSION_SECONDS)]
            )
        else:
            sh.change(
                [
                    "aws",
                    "iam",
                    "create-role",
                    "--role-name",
                    role.name,
                    "--assume-role-policy-document",
                    trust,
                    "--max-session-duration",
                    str(SESSION_SECONDS),
                    "--tags",
                    f"Key=project,Value={PROJECT_NAME}",
                ]
            )
        for policy in role.managed_policies:
            sh.change(["aws", "iam", "attach-role-policy", "--role-name", role.name, "--policy-arn", policy])
        if role.policy_file is not None:
            sh.change(
                [
                    "aws",
                    "iam",
                    "put-role-policy",
                    "--role-name",
                    role.name,
                    "--policy-name",
                    f"{role.name}-limits",
                    "--policy-document",
                    render(role.policy_file, values),
                ]
            )
        print(f"{role.name}: {role.arn(account)}")


def gh_api(sh: Shell, method: str, path: str, body: object) -> None:
    sh.change(["gh", "api", "--method", method, path, "--input", "-"], stdin=json.dumps(body))
    print(f"  {json.dumps(body)}")


def bootstrap_github(
    sh: Shell,
    repository: str,
    account_id: str,
    e2e_account_id: str,
    region: str,
    backend_url: str,
    reviewers: Sequence[str],
    org: str,
) -> None:
    repo = f"repos/{repository}"
    gh_api(
        sh,
        "PUT",
        f"{repo}/actions/oidc/customization/sub",
        {"use_default": False, "include_claim_keys": SUBJECT_CLAIMS},
    )
    reviewer_ids = []
    for login in reviewers:
        code, out = sh.query(["gh", "api", f"users/{login}", "--jq", ".id"])
        if code != 0 or not out.strip().isdigit():
            raise SystemExit(f"--reviewers: no GitHub user {login!r}")
        reviewer_ids.append({"type": "User", "id": int(out.strip())})
    for role in ROLES:
        env_path = f"{repo}/environments/{role.environment}"
        body: dict[str, object] = {
            "deployment_branch_policy": (
                {"protected_branches": False, "custom_branch_policies": True} if role.deployment_refs else None
            ),
        }
        if role.reviewers:
            if not reviewer_ids:
                raise SystemExit(
                    f"--reviewers: the {role.environment} environment needs at least one required reviewer"
                )
            body |= {"reviewers": reviewer_ids, "prevent_self_review": True}
        gh_api(sh, "PUT", env_path, body)
        code, out = sh.query(["gh", "api", f"{env_path}/deployment-branch-policies", "--jq", ".branch_policies"])
        existing = {(p.get("type", "branch"), p["name"]): p["id"] for p in json.loads(out or "[]")} if code == 0 else {}
        for kind, pattern in role.deployment_refs:
            if (kind, pattern) not in existing:
                gh_api(sh, "POST", f"{env_path}/deployment-branch-policies", {"name": pattern, "type": kind})
        for (kind, pattern), policy_id in existing.items():
            if (kind, pattern) not in role.deployment_refs:
                sh.change(["gh", "api", "--method", "DELETE", f"{env_path}/deployment-branch-policies/{policy_id}"])
        account = e2e_account_id if role.key == E2E_KEY else account_id
        set_variable(sh, repository, "AWS_ROLE_ARN", role.arn(account), role.environment)
    set_variable(sh, repository, "AWS_PREVIEW_ROLE_ARN", next(r for r in ROLES if r.key == "preview").arn(account_id))
    set_variable(sh, repository, "AWS_REGION", region)
    set_variable(sh, repository, "PULUMI_BACKEND_URL", backend_url)
    if org:
        set_variable(sh, repository, "PULUMI_ORG", org)


def set_variable(sh: Shell, repository: str, name: str, value: str, environment: str = "") -> None:
    argv = ["gh", "variable", "set", name, "--repo", repository, "--body", value]
    sh.change(argv + (["--env", environment] if environment else []))


def bootstrap_stack(sh: Shell, stack: str, region: str, key: str) -> None:
    """Creates the stack in the logged-in backend with its KMS secrets provider, which Pulumi writes
    into Pulumi.<stack>.yaml (secretsprovider, encryptedkey): commit that file."""
    wanted = secrets_provider(key, region)
    code, out = sh.query(["pulumi", "stack", "ls", "--json"])
    if code != 0:
        raise SystemExit("`pulumi stack ls` failed: log in to the backend first (pulumi login s3://<bucket>)")
    names = {str(entry.get("name", "")).split("/")[-1] for entry in json.loads(out or "[]")}
    stack_file = PROJECT / f"Pulumi.{stack}.yaml"
    if stack not in names:
        sh.change(["pulumi", "stack", "init", stack, "--secrets-provider", wanted, "--no-select"])
    elif f"secretsprovider: {wanted}" not in (stack_file.read_text() if stack_file.is_file() else ""):
        sh.change(["pulumi", "stack", "change-secrets-provider", "--stack", stack, wanted])
    else:
        print(f"{stack}: exists, secrets provider {wanted}")


def preview_access(sh: Shell, stack: str, role_arn: str, cluster: str = "", region: str = "") -> None:
    """Read-only Kubernetes access for the preview role on the stack's cluster (AmazonEKSViewPolicy:
    no Secrets). The cluster and its region default to the stack's `clusterName` output and its
    `aws:region`; a stack that made no cluster (cluster.existing) is left alone. pulumi.yml runs
    this after every `up`, with the deploy role, which is the cluster's admin."""
    if not cluster:
        code, out = sh.query(["pulumi", "stack", "output", "clusterName", "--stack", stack])
        if code != 0 or not out.strip():
            print(f"{stack}: no clusterName output (no cluster made by this stack): nothing to grant")
            return
        cluster = out.strip()
    if not region:
        code, out = sh.query(["pulumi", "config", "get", "aws:region", "--stack", stack])
        if code != 0 or not out.strip():
            raise SystemExit(f"{stack}: no aws:region in its stack file: pass --region")
        region = out.strip()
    base = ["aws", "eks", "--region", region]
    if sh.query([*base, "describe-access-entry", "--cluster-name", cluster, "--principal-arn", role_arn])[0] != 0:
        sh.change([*base, "create-access-entry", "--cluster-name", cluster, "--principal-arn", role_arn])
    sh.change(
        [
            *base,
            "associate-access-policy",
            "--cluster-name",
            cluster,
            "--principal-arn",
            role_arn,
            "--policy-arn",
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            "--access-scope",
            "type=cluster",
        ]
    )


def main(argv: list[str], shell: Shell | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print what would change")
    sub = parser.add_subparsers(dest="what", required=True)
    aws = sub.add_parser("aws", help="OIDC provider, state bucket, KMS keys, roles")
    aws.add_argument("--repository", required=True)
    aws.add_argument("--region", required=True)
    aws.add_argument("--state-bucket", default="", help="empty with Pulumi Cloud")
    aws.add_argument("--keys", default=",".join(STACKS), help=f"KMS keys to create (e.g. {E2E_KEY} in the sandbox)")
    aws.add_argument("--roles", default="preview,deploy-dev,deploy-prod", help="roles to create (e2e in the sandbox)")
    github = sub.add_parser("github", help="OIDC subject template, environments, variables")
    github.add_argument("--repository", required=True)
    github.add_argument("--account-id", required=True)
    github.add_argument("--e2e-account-id", default="", help="the sandbox account (default: --account-id)")
    github.add_argument("--region", required=True)
    github.add_argument("--backend-url", required=True)
    github.add_argument("--reviewers", default="", help="GitHub logins, comma-separated: production's reviewers")
    github.add_argument("--org", default="", help="Pulumi Cloud organization (PULUMI_ORG)")
    stack = sub.add_parser("stack", help="create one stack with its KMS secrets provider")
    stack.add_argument("stack")
    stack.add_argument("--region", required=True)
    stack.add_argument("--key", default="", help="KMS key name (default: the stack's)")
    access = sub.add_parser("preview-access", help="read-only cluster access for the preview role")
    access.add_argument("stack", help="the stack (<org>/<stack> with Pulumi Cloud organizations)")
    access.add_argument("--role-arn", required=True, help="the preview role (variable AWS_PREVIEW_ROLE_ARN)")
    access.add_argument("--cluster", default="", help="default: the stack's clusterName output")
    access.add_argument("--region", default="", help="the cluster's region; default: the stack's aws:region")
    args = parser.parse_args(argv)
    sh = shell or Shell(args.dry_run)
    if args.what == "aws":
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", args.repository):
            parser.error("--repository: OWNER/REPO")
        bootstrap_aws(sh, args.repository, args.region, args.state_bucket, args.keys.split(","), args.roles.split(","))
    elif args.what == "github":
        reviewers = [r for r in args.reviewers.split(",") if r]
        bootstrap_github(
            sh,
            args.repository,
            args.account_id,
            args.e2e_account_id or args.account_id,
            args.region,
            args.backend_url,
            reviewers,
            args.org,
        )
    elif args.what == "stack":
        bootstrap_stack(sh, args.stack, args.region, args.key or args.stack)
    else:
        preview_access(sh, args.stack, args.role_arn, args.cluster, args.region)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
