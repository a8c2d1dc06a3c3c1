"""The policy pack: every rule passes on prod and fails on a broken copy of it, run through the
pack's own StackValidationPolicy objects; the offline plan reports the same rules."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
)

from components.offline.policies import evaluate, pack_config, resources_of
from components.offline.runner import run_plan
from policy.rules import POLICIES, RULES, Resource
from tests.conftest import IMAGE, PROJECT_DIR, REPO_STACKS, WriteStack, cli, first_line_of_server, planned


def policy_resources(resources: list[Resource]) -> list[PolicyResource]:
    """The stack as the policy SDK hands it to a StackValidationPolicy."""
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    made: dict[str, PolicyResource] = {}
    for r in resources:
        made[r.urn] = PolicyResource(r.type, r.props, r.urn, r.name, opts, None, None, [], {})
    for r in resources:
        made[r.urn].dependencies = [made[u] for u in r.dependencies if u in made]
    return list(made.values())


def run_policy(name: str, resources: list[Resource]) -> list[tuple[str, str | None]]:
    (policy,) = [p for p in POLICIES if p.name == name]
    reported: list[tuple[str, str | None]] = []
    policy.validate(
        StackValidationArgs(policy_resources(resources)), lambda message, urn=None: reported.append((message, urn))
    )
    return reported


def prod() -> list[Resource]:
    return [
        Resource(r.type, r.urn, r.name, copy.deepcopy(r.props), r.dependencies) for r in resources_of(planned("prod"))
    ]


def edit(resources: list[Resource], type_token: str, change: Callable[[dict[str, Any]], None]) -> list[Resource]:
    for r in resources:
        if r.type == type_token:
            change(r.props)  # type: ignore[arg-type]
    return resources


def container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


DEPLOYMENT = "kubernetes:apps/v1:Deployment"
# rule -> (how to break prod, a fragment of the message)
BREAK: dict[str, tuple[Callable[[list[Resource]], list[Resource]], str]] = {
    "gateway-autoscaled-ha": (
        lambda rs: edit(
            rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", lambda p: p["spec"].update(minReplicas=1)
        ),
        "minReplicas is 1",
    ),
    "gateway-disruption-budget": (
        lambda rs: [r for r in rs if r.type != "kubernetes:policy/v1:PodDisruptionBudget"],
        "no PodDisruptionBudget",
    ),
    "gateway-zone-spread": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: p["spec"]["template"]["spec"].pop("topologySpreadConstraints")),
        "not spread across zones",
    ),
    "gateway-probes": (lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p).pop("startupProbe")), "no startupProbe"),
    "health-check-matches-readiness": (
        lambda rs: edit(rs, "aws:lb/targetGroup:TargetGroup", lambda p: p["healthCheck"].update(path="/")),
        "matches no readiness probe",
    ),
    "pod-requests": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["resources"]["requests"].pop("cpu")),
        "no cpu request",
    ),
    "pod-non-root": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].update(runAsNonRoot=False)),
        "may run as root",
    ),
    "pod-read-only-root-filesystem": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].update(readOnlyRootFilesystem=False)),
        "writable",
    ),
    "pod-no-privilege-escalation": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p)["securityContext"].pop("allowPrivilegeEscalation")),
        "allowPrivilegeEscalation",
    ),
    "pod-pinned-image": (
        lambda rs: edit(rs, DEPLOYMENT, lambda p: container(p).update(image="hapimcp/hapi-cli:latest")),
        "not pinned",
    ),
    "https-tls13": (
        lambda rs: edit(
            rs,
            "aws:lb/listener:Listener",
            lambda p: p.update(sslPolicy="ELBSecurityPolicy-2016-08") if p["protocol"] == "HTTPS" else None,
        ),
        "not a TLS 1.3 policy",
    ),
    "alb-access-logs": (
        lambda rs: edit(rs, "aws:lb/loadBalancer:LoadBalancer", lambda p: p["accessLogs"].update(enabled=False)),
        "access logs are off",
    ),
    "alb-deletion-protection": (
        lambda rs: edit(rs, "aws:lb/loadBalancer:LoadBalancer", lambda p: p.update(enableDeletionProtection=False)),
        "deletion protection is off",
    ),
    "s3-no-public-buckets": (
        lambda rs: edit(
            rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", lambda p: p.update(blockPublicPolicy=False)
        ),
        "public access block",
    ),
    "encryption-at-rest": (
        lambda rs: edit(rs, "aws:sns/topic:Topic", lambda p: p.pop("kmsMasterKeyId")),
        "SNS topic is not encrypted",
    ),
    "eks-secrets-encryption": (
        lambda rs: edit(rs, "aws:eks/cluster:Cluster", lambda p: p.pop("encryptionConfig")),
        "not envelope-encrypted",
    ),
    "nodes-require-imdsv2": (
        lambda rs: edit(
            rs, "aws:ec2/launchTemplate:LaunchTemplate", lambda p: p["metadataOptions"].update(httpTokens="optional")
        ),
        "IMDSv1",
    ),
    "core-alb-alarms": (
        lambda rs: [
            r
            for r in rs
            if not (
                r.type == "aws:cloudwatch/metricAlarm:MetricAlarm" and r.props.get("metricName") == "HealthyHostCount"
            )
        ],
        "HealthyHostCount",
    ),
}


def test_every_rule_has_a_failing_case() -> None:
    assert set(BREAK) == {r.name for r in RULES}


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_rule_passes_on_prod(rule: str) -> None:
    assert run_policy(rule, prod()) == []


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_rule_fails_on_a_broken_stack(rule: str) -> None:
    breaker, fragment = BREAK[rule]
    reported = run_policy(rule, breaker(prod()))
    assert reported, f"{rule} reported nothing"
    assert any(fragment in message for message, _ in reported), reported


def test_more_failing_cases_for_the_edge() -> None:
    # HTTP serving beside HTTPS instead of redirecting.
    broken = edit(
        prod(),
        "aws:lb/listener:Listener",
        lambda p: (
            p.update(defaultActions=[{"type": "forward", "targetGroupArn": "arn"}]) if p["protocol"] == "HTTP" else None
        ),
    )
    assert any("instead of redirecting" in m for m, _ in run_policy("https-tls13", broken))
    # A bucket without its encryption configuration.
    broken = [r for r in prod() if "bucketServerSideEncryption" not in r.type]
    assert any("no server-side encryption" in m for m, _ in run_policy("encryption-at-rest", broken))
    # An alarm that notifies no one.
    broken = edit(prod(), "aws:cloudwatch/metricAlarm:MetricAlarm", lambda p: p.update(alarmActions=[]))
    assert any("notifies no one" in m for m, _ in run_policy("core-alb-alarms", broken))


def test_the_pack_builds_and_serves_its_policies() -> None:
    """`__main__.py` builds the pack, which starts the analyzer and prints the port Pulumi connects to."""
    first = first_line_of_server(
        sys.executable, str(PROJECT_DIR / "policy" / "__main__.py"), cwd=PROJECT_DIR / "policy"
    )
    assert first.isdigit(), f"no port printed: {first!r}"


# --- In the offline plan -----------------------------------------------------------------------


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_offline_plan_reports_no_mandatory_violation(stack: str) -> None:
    results = evaluate(planned(stack), pack_config(PROJECT_DIR, stack))
    assert [r for r in results if r.mandatory] == []


def test_dev_reports_its_single_replica_as_advisory() -> None:
    results = evaluate(planned("dev"), pack_config(PROJECT_DIR, "dev"))
    assert [(r.rule, r.level.value) for r in results] == [("gateway-autoscaled-ha", "advisory")]
    # Without dev's pack config the same stack breaks three mandatory rules.
    strict = {r.rule for r in evaluate(planned("dev"), {}) if r.mandatory}
    assert strict == {"gateway-autoscaled-ha", "alb-access-logs", "alb-deletion-protection", "eks-secrets-encryption"}


def test_plan_exits_non_zero_on_a_mandatory_violation(write_stack: WriteStack) -> None:
    path = write_stack({"gateway": {"image": IMAGE}, "loadBalancer": {"deletionProtection": False}})
    result = cli("plan", "bad", "--stack-file", str(path))
    assert result.returncode == 4, result.stderr
    assert "[mandatory]  alb-deletion-protection" in result.stdout
    assert "mandatory policy violation" in result.stderr
    assert run_plan(PROJECT_DIR, "bad", path).resources  # the plan itself is fine; the policy says no


def test_the_pack_runs_in_the_virtualenv_make_setup_creates() -> None:
    """`pulumi preview --policy-pack policy` starts the pack with PulumiPolicy.yaml's virtualenv."""
    spec = yaml.safe_load((PROJECT_DIR / "policy" / "PulumiPolicy.yaml").read_text())
    assert spec["runtime"]["name"] == "python"
    venv = (PROJECT_DIR / "policy" / spec["runtime"]["options"]["virtualenv"]).resolve()
    assert venv == (PROJECT_DIR / ".venv").resolve()
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pulumi_policy, sys; sys.path.insert(0, 'policy'); import rules"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
