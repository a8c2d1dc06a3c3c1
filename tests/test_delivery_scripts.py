"""The scripts the workflows and the bootstrap run: the preflight checks (a clear message naming
what is missing, before anything is installed), the smoke test's MCP exchange, the e2e summary,
and the bootstrap's GitHub and AWS calls (idempotent, no placeholder left)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.offline.runner import run_plan
from components.settings import GatewaySettings
from scripts import bootstrap, ci_preflight, e2e_report, smoke_test
from scripts.smoke_test import Response
from tests.conftest import PROJECT_DIR

ROLE_ARN = "arn:aws:iam::123456789012:role/runmcp-gateway-deploy-dev"
READY = {
    "COMMAND": "up",
    "STACK": "dev",
    "ENVIRONMENT": "dev",
    "PULUMI_BACKEND_URL": "s3://runmcp-state",
    "AWS_ROLE_ARN": ROLE_ARN,
    "AWS_PREVIEW_ROLE_ARN": "arn:aws:iam::123456789012:role/runmcp-gateway-preview",
    "AWS_REGION": "eu-west-1",
}
KMS_STACK = (
    "secretsprovider: awskms://alias/runmcp-gateway-dev?region=eu-west-1\nencryptedkey: AQICAHh...\nconfig: {}\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "policy" / "config").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "policy" / "config" / "dev.json", tmp_path / "policy" / "config" / "dev.json")
    shutil.copy(PROJECT_DIR / "requirements.lock", tmp_path / "requirements.lock")
    (tmp_path / "Pulumi.dev.yaml").write_text(KMS_STACK)
    return tmp_path


def preflight(project: Path, capsys: pytest.CaptureFixture[str], check: str = "inputs", **env: str) -> list[str]:
    code = ci_preflight.main([check], {**READY, **env, "GITHUB_OUTPUT": str(project / "out")}, project)
    errors = [line.split("::", 2)[2] for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert (code == 0) == (not errors)
    return errors


def test_a_bootstrapped_stack_passes_and_the_outputs_pin_the_cli(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert preflight(project, capsys) == []
    outputs = (project / "out").read_text().splitlines()
    assert outputs == [
        "pulumi-version=" + ci_preflight.pinned_pulumi_version(PROJECT_DIR / "requirements.lock"),
        "stack-name=dev",
    ]


def test_every_missing_variable_is_named_with_where_to_set_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    errors = preflight(project, capsys, PULUMI_BACKEND_URL="", AWS_ROLE_ARN="", AWS_REGION="")
    assert errors == [
        "repository variable PULUMI_BACKEND_URL is empty or unset (https://api.pulumi.com or s3://...)",
        "variable AWS_ROLE_ARN of environment 'dev' is empty or unset",
        "repository variable AWS_REGION is empty or unset",
    ]


def test_the_committed_stacks_are_refused_until_bootstrapped(capsys: pytest.CaptureFixture[str]) -> None:
    """The committed stack files name no secrets provider yet: with a self-managed backend the job
    stops and says how to bootstrap, instead of Pulumi falling back to an (empty) passphrase."""
    for stack in ("dev", "prod"):
        errors = preflight(PROJECT_DIR, capsys, STACK=stack)
        assert errors == [
            f"Pulumi.{stack}.yaml names no secrets provider, so Pulumi would fall back to a passphrase with the "
            "self-managed backend s3://runmcp-state: "
            f"run `python3 scripts/bootstrap.py stack {stack} --region eu-west-1` and commit Pulumi.{stack}.yaml"
        ]


@pytest.mark.parametrize(
    ("stack_file", "env", "error"),
    [
        (
            "encryptionsalt: v1:abc\nconfig: {}\n",
            {},
            "uses the passphrase secrets provider but the secret PULUMI_CONFIG_PASSPHRASE",
        ),
        ("secretsprovider: passphrase\nconfig: {}\n", {"HAS_PULUMI_CONFIG_PASSPHRASE": "false"}, "is empty or unset"),
        (
            "secretsprovider: awskms://alias/x\nconfig: {}\n",
            {},
            "secretsprovider is awskms://alias/x but there is no encryptedkey",
        ),
        (KMS_STACK, {"STACK": "org/dev"}, "is not a plain stack name"),
        (
            KMS_STACK,
            {"PULUMI_BACKEND_URL": "https://api.pulumi.com"},
            "secret PULUMI_ACCESS_TOKEN of environment 'dev' is empty",
        ),
        (KMS_STACK, {"AWS_ROLE_ARN": "runmcp-gateway-deploy-dev"}, "is not an IAM role ARN"),
        (
            KMS_STACK,
            {"AWS_PREVIEW_ROLE_ARN": ""},
            "repository variable AWS_PREVIEW_ROLE_ARN: '' is not an IAM role ARN",
        ),
        (KMS_STACK, {"COMMAND": "destroy"}, "input command: 'destroy' is not one of preview, up"),
        (KMS_STACK, {"ENVIRONMENT": ""}, "every Pulumi job runs in a GitHub environment"),
        (KMS_STACK, {"STACK": "staging"}, "Pulumi.staging.yaml: no such stack file"),
    ],
)
def test_what_would_fail_late_fails_first_with_its_name(
    project: Path, capsys: pytest.CaptureFixture[str], stack_file: str, env: dict[str, str], error: str
) -> None:
    (project / "Pulumi.dev.yaml").write_text(stack_file)
    assert any(error in line for line in preflight(project, capsys, **env)), error


def test_a_set_passphrase_and_a_service_managed_stack_pass(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.dev.yaml").write_text("encryptionsalt: v1:abc\nconfig: {}\n")
    assert preflight(project, capsys, HAS_PULUMI_CONFIG_PASSPHRASE="true") == []  # noqa: S106 (whether it is set)
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    cloud = {"PULUMI_BACKEND_URL": "https://api.pulumi.com", "HAS_PULUMI_ACCESS_TOKEN": "true", "PULUMI_ORG": "octo"}
    assert preflight(project, capsys, **cloud) == []
    assert (project / "out").read_text().splitlines()[-1] == "stack-name=octo/dev"


def test_a_stack_missing_from_the_backend_is_named_with_the_bootstrap_command() -> None:
    calls: list[list[str]] = []

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        failed = argv[:3] == ["pulumi", "stack", "select"]
        return subprocess.CompletedProcess(argv, 255 if failed else 0, "", "error: no stack named 'prod' found")

    job = ci_preflight.Job.from_env({**READY, "STACK": "prod"})
    (problem,) = ci_preflight.stack_problems(job, run)
    assert calls == [
        ["pulumi", "login", "s3://runmcp-state"],
        ["pulumi", "stack", "select", "prod", "--non-interactive"],
    ]
    assert problem.startswith("no stack 'prod' in s3://runmcp-state (error: no stack named 'prod' found)")
    assert "python3 scripts/bootstrap.py stack prod --region eu-west-1" in problem


def test_the_ephemeral_stack_is_dev_s_settings_without_its_secrets_provider_and_plans(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "Pulumi.dev.yaml").write_text(
        KMS_STACK.replace("config: {}\n", "") + (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    )
    stack = "e2e-12345678901-1"
    env = {"STACK": stack, "E2E_FROM": "dev", "ENVIRONMENT": "e2e", "AWS_PREVIEW_ROLE_ARN": ""}
    assert preflight(project, capsys, "ephemeral", **env) == []
    written = (project / f"Pulumi.{stack}.yaml").read_text()
    assert "secretsprovider" not in written
    assert "encryptedkey" not in written
    assert written == (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
    plan = run_plan(PROJECT_DIR, stack, project / f"Pulumi.{stack}.yaml")
    assert plan.resources, "a stack named as e2e.yml names it plans"


def mcp_server(
    session: str | None = "s-1", sse: bool = False, health: list[int] | None = None
) -> tuple[smoke_test.Send, list[Any]]:
    """A fake gateway: records each request, answers as a Streamable HTTP MCP server does."""
    seen: list[Any] = []
    healths = list(health or [200])

    def send(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
        seen.append((method, url, headers, json.loads(body) if body else None))
        if method == "GET":
            return Response(healths.pop(0) if len(healths) > 1 else healths[0], {}, "ok")
        message = json.loads(body or b"{}")
        if "id" not in message:
            return Response(202, {}, "")
        result: dict[str, Any] = (
            {"protocolVersion": "2025-03-26"}
            if message["method"] == "initialize"
            else {"tools": [{"name": "getPetById"}]}
        )
        payload = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result})
        headers_out = {"content-type": "text/event-stream" if sse else "application/json"}
        if session and message["method"] == "initialize":
            headers_out["mcp-session-id"] = session
        return Response(200, headers_out, f"event: message\ndata: {payload}\n\n" if sse else payload)

    return send, seen


@pytest.mark.parametrize("sse", [False, True], ids=["json", "sse"])
def test_the_smoke_test_speaks_mcp_over_streamable_http(tmp_path: Path, sse: bool) -> None:
    send, seen = mcp_server(sse=sse)
    report = tmp_path / "smoke.json"
    assert (
        smoke_test.main(["--url", "http://alb.example/mcp", "--report", str(report)], send, lambda: 0.0, lambda _: None)
        == 0
    )
    methods = [(m, u, b and b["method"]) for m, u, _, b in seen]
    assert methods == [
        ("GET", "http://alb.example/health", None),
        ("POST", "http://alb.example/mcp", "initialize"),
        ("POST", "http://alb.example/mcp", "notifications/initialized"),
        ("POST", "http://alb.example/mcp", "tools/list"),
    ]
    assert "Mcp-Session-Id" not in seen[1][2]
    for _, _, headers, _ in seen[2:]:
        assert headers["Mcp-Session-Id"] == "s-1"
        assert headers["MCP-Protocol-Version"] == "2025-03-26"
        assert "text/event-stream" in headers["Accept"]
    written = json.loads(report.read_text())
    assert written["ok"] is True
    assert written["tools"] == ["getPetById"]


def test_the_smoke_test_waits_for_health_until_its_deadline_then_fails_with_a_report(tmp_path: Path) -> None:
    now = [0.0]
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    send, _ = mcp_server(health=[503, 503, 200])
    assert smoke_test.main(["--url", "http://alb.example/mcp", "--deadline", "60"], send, lambda: now[0], pause) == 0
    assert pauses == [10, 10]
    send, _ = mcp_server(health=[503])
    report = tmp_path / "smoke.json"
    code = smoke_test.main(
        ["--url", "http://alb.example/mcp", "--deadline", "30", "--report", str(report)], send, lambda: now[0], pause
    )
    assert code == 1
    assert json.loads(report.read_text())["error"] == "GET /health: HTTP 503"


def test_the_smoke_test_refuses_a_result_without_tools_and_a_non_http_url() -> None:
    send, _ = mcp_server()

    def no_tools(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
        answer = send(method, url, headers, body)
        return Response(answer.status, answer.headers, answer.body.replace('"tools"', '"resources"'))

    with pytest.raises(smoke_test.SmokeError, match="no list of tools"):
        smoke_test.Smoke("http://alb.example/mcp", send=no_tools).mcp()
    with pytest.raises(smoke_test.SmokeError, match="http"):
        smoke_test.Smoke("file:///etc/passwd")


def test_the_smoke_test_s_health_path_is_the_gateway_s_default() -> None:
    assert GatewaySettings.model_fields["health_path"].default == smoke_test.DEFAULT_HEALTH_PATH


def test_the_e2e_summary_names_what_is_left_behind(tmp_path: Path) -> None:
    env = {"REPORT_DIR": str(tmp_path), "E2E_STACK": "e2e-1-1"}
    all_passed = "init=success up=success smoke=success destroy=success rm=success"
    assert e2e_report.main({**env, "OUTCOMES": all_passed}) == 0
    assert json.loads((tmp_path / "summary.json").read_text())["passed"] is True
    failed = "init=success up=failure smoke=skipped destroy=failure rm=skipped"
    assert e2e_report.main({**env, "OUTCOMES": failed}) == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["leftovers"] is True
    assert summary["cleanup"] == "pulumi destroy --yes --stack e2e-1-1 && pulumi stack rm --yes e2e-1-1"
    assert e2e_report.main({**env, "OUTCOMES": "init=failure up=skipped smoke=skipped destroy=skipped rm=skipped"}) == 0


Answers = Callable[[list[str]], tuple[int, str]]


def shell(answers: dict[str, tuple[int, str]]) -> bootstrap.Shell:
    """A Shell whose read-only queries get canned answers (by the command's first words)."""

    def answer(argv: list[str]) -> tuple[int, str]:
        for prefix, reply in answers.items():
            if " ".join(argv).startswith(prefix):
                return reply
        return 1, ""

    return bootstrap.Shell(dry_run=True, answers=answer)


def commands(sh: bootstrap.Shell) -> list[str]:
    return [" ".join(argv) for argv in sh.log]


def test_github_bootstrap_sets_subject_template_environments_and_variables(capsys: pytest.CaptureFixture[str]) -> None:
    sh = shell({"gh api users/alice": (0, "101\n")})
    bootstrap.main(
        [
            "github",
            "--repository",
            "o/r",
            "--account-id",
            "123456789012",
            "--region",
            "eu-west-1",
            "--backend-url",
            "s3://b",
            "--reviewers",
            "alice",
        ],
        sh,
    )
    done = commands(sh)
    assert done[0] == "gh api --method PUT repos/o/r/actions/oidc/customization/sub --input -"
    printed = capsys.readouterr().out
    assert '{"use_default": false, "include_claim_keys": ["repo", "context", "ref"]}' in printed
    assert '{"deployment_branch_policy": null}' in printed, "preview: pull requests from any branch"
    assert '"reviewers": [{"type": "User", "id": 101}], "prevent_self_review": true' in printed
    for env, pattern in (("dev", "main"), ("production", "v*.*.*"), ("e2e", "main")):
        assert f"gh api --method POST repos/o/r/environments/{env}/deployment-branch-policies --input -" in done
        assert f'"name": "{pattern}"' in printed
    assert (
        "gh variable set AWS_ROLE_ARN --repo o/r --body "
        "arn:aws:iam::123456789012:role/runmcp-gateway-deploy-prod --env production" in done
    )
    assert "gh variable set PULUMI_BACKEND_URL --repo o/r --body s3://b" in done
    assert (
        "gh variable set AWS_PREVIEW_ROLE_ARN --repo o/r --body arn:aws:iam::123456789012:role/runmcp-gateway-preview"
        in done
    )


def test_github_bootstrap_is_idempotent_and_removes_foreign_deployment_rules() -> None:
    existing = json.dumps([{"id": 7, "name": "main", "type": "branch"}, {"id": 8, "name": "*", "type": "branch"}])
    sh = shell(
        {
            "gh api users/alice": (0, "101"),
            "gh api repos/o/r/environments/dev/deployment-branch-policies": (0, existing),
        }
    )
    bootstrap.main(
        [
            "github",
            "--repository",
            "o/r",
            "--account-id",
            "123456789012",
            "--region",
            "eu-west-1",
            "--backend-url",
            "s3://b",
            "--reviewers",
            "alice",
        ],
        sh,
    )
    done = commands(sh)
    assert "gh api --method POST repos/o/r/environments/dev/deployment-branch-policies --input -" not in done
    assert "gh api --method DELETE repos/o/r/environments/dev/deployment-branch-policies/8" in done
    assert not any(c.endswith("deployment-branch-policies/7") for c in done)


def test_github_bootstrap_refuses_production_without_reviewers() -> None:
    with pytest.raises(SystemExit, match="production environment needs at least one required reviewer"):
        bootstrap.main(
            ["github", "--repository", "o/r", "--account-id", "1", "--region", "eu-west-1", "--backend-url", "s3://b"],
            shell({}),
        )


def test_aws_bootstrap_creates_what_is_missing_and_updates_what_exists() -> None:
    sh = shell(
        {
            "aws sts get-caller-identity": (0, "123456789012\n"),
            "aws iam get-role --role-name runmcp-gateway-preview": (0, "{}"),
        }
    )
    bootstrap.main(["aws", "--repository", "o/r", "--region", "eu-west-1", "--state-bucket", "runmcp-state"], sh)
    done = commands(sh)
    assert done[0] == (
        "aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com "
        "--client-id-list sts.amazonaws.com"
    )
    assert (
        "aws s3api create-bucket --bucket runmcp-state --region eu-west-1 "
        "--create-bucket-configuration LocationConstraint=eu-west-1" in done
    )
    assert sum("aws kms create-alias" in c for c in done) == len(bootstrap.STACKS), "one key per committed stack"
    assert set(bootstrap.STACKS) == {p.name.split(".")[1] for p in PROJECT_DIR.glob("Pulumi.*.yaml")}
    assert any(c.startswith("aws iam update-assume-role-policy --role-name runmcp-gateway-preview") for c in done)
    created = [argv for argv in sh.log if argv[:3] == ["aws", "iam", "create-role"]]
    assert [argv[4] for argv in created] == ["runmcp-gateway-deploy-dev", "runmcp-gateway-deploy-prod"]
    for argv in sh.log:
        assert not any("${" in part for part in argv), "every placeholder filled"
    trust = json.loads(created[1][6])
    assert trust["Statement"][0]["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": "repo:o/r:environment:production:ref:refs/tags/v*"
    }
    assert created[1][8] == str(bootstrap.SESSION_SECONDS)


def test_stack_bootstrap_creates_the_stack_with_its_kms_key_once(project: Path) -> None:
    sh = shell({"pulumi stack ls --json": (0, "[]")})
    bootstrap.main(["stack", "prod", "--region", "eu-west-1"], sh)
    assert commands(sh) == [
        "pulumi stack init prod --secrets-provider awskms://alias/runmcp-gateway-prod?region=eu-west-1 --no-select"
    ]
    sh = shell({"pulumi stack ls --json": (0, json.dumps([{"name": "organization/runmcp-gateway/prod"}]))})
    bootstrap.main(["stack", "prod", "--region", "eu-west-1"], sh)
    assert commands(sh) == [
        "pulumi stack change-secrets-provider --stack prod awskms://alias/runmcp-gateway-prod?region=eu-west-1"
    ]


def test_the_provider_installs_the_package_with_the_lock_file_s_versions() -> None:
    """`pulumi package add .../provider` installs provider/requirements.txt: the package, constrained
    by the lock file (pip reads a nested -c path relative to the file that names it)."""
    lines = [
        line
        for line in (PROJECT_DIR / "provider" / "requirements.txt").read_text().splitlines()
        if line[:1] not in ("#", "")
    ]
    assert lines == ["-c ../requirements.lock", ".."]
    lock = (PROJECT_DIR / "provider" / "../requirements.lock").resolve()
    assert ci_preflight.pinned_pulumi_version(lock) == ci_preflight.pinned_pulumi_version(
        PROJECT_DIR / "requirements.lock"
    )


CLUSTER = "runmcp-cluster-eks-1a2b3c4"


def test_preview_access_finds_the_stack_s_cluster_and_region_and_grants_the_view_policy() -> None:
    preview = "arn:aws:iam::123456789012:role/runmcp-gateway-preview"
    sh = shell(
        {
            "pulumi stack output clusterName --stack dev": (0, "runmcp-cluster-eks-1a2b3c4\n"),
            "pulumi config get aws:region --stack dev": (0, "us-east-1\n"),
        }
    )
    bootstrap.main(["preview-access", "dev", "--role-arn", preview], sh)
    assert commands(sh) == [
        f"aws eks --region us-east-1 create-access-entry --cluster-name {CLUSTER} --principal-arn {preview}",
        f"aws eks --region us-east-1 associate-access-policy --cluster-name {CLUSTER} --principal-arn {preview} "
        "--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy --access-scope type=cluster",
    ]
    existing = shell({"aws eks --region eu-west-1 describe-access-entry": (0, "{}")})
    bootstrap.main(
        ["preview-access", "dev", "--role-arn", preview, "--cluster", "c", "--region", "eu-west-1"], existing
    )
    assert [argv[4] for argv in existing.log] == ["associate-access-policy"], "the entry exists: only the policy"
    no_cluster = shell({})
    bootstrap.main(["preview-access", "existing", "--role-arn", preview], no_cluster)
    assert no_cluster.log == [], "a stack that made no cluster is left alone"
