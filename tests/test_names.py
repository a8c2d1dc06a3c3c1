"""Names AWS limits in length: auto-names where they fit, deterministic names where they do not,
and a mock cloud that refuses a name AWS would refuse instead of cutting it to size."""

from __future__ import annotations

import re
from pathlib import Path

import pulumi
import pytest

from components.names import (
    ELB_NAME,
    IAM_ROLE_NAME,
    NODE_GROUP_NAME,
    S3_BUCKET_NAME,
    NameRule,
    fitted_name,
    name_stem,
    problem,
)
from components.offline.aws_mocks import NAMED_TYPES, AwsAnswers, AwsRefusal
from components.offline.runner import read_stack_file, run_program
from tests.conftest import IMAGE, of_type, planned

PROGRAM = """
import pulumi
from components import GatewayPlatform

GatewayPlatform({name!r}, {{"gateway": {{"image": {image!r}}}, "instance": {instance!r},
    "cluster": {{"eks": {{"protect": False}}}}}})
"""


def _consumer(tmp_path: Path, name: str, instance: str = "dev") -> list[pulumi.Resource]:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM.format(name=name, image=IMAGE, instance=instance))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    return monitor.recorded  # type: ignore[return-value]


def _physical(resource: object) -> str:
    kind = resource.type.split(":", 1)[1]  # type: ignore[attr-defined]
    key, _ = NAMED_TYPES[kind]
    name = resource.inputs.get(key)  # type: ignore[attr-defined]
    return str(name) if name else f"{resource.name}-abcdefg"  # type: ignore[attr-defined]


def test_a_forty_character_component_name_gives_names_aws_accepts(tmp_path: Path) -> None:
    name = "payments-platform-gateway-eu-west-primary"[:40]
    recorded = _consumer(tmp_path, name)
    named = [r for r in recorded if r.custom and r.type.startswith("aws:") and r.type.split(":", 1)[1] in NAMED_TYPES]
    assert named, "the plan made no named AWS resource"
    for resource in named:
        _, rule = NAMED_TYPES[resource.type.split(":", 1)[1]]
        assert problem(rule, _physical(resource)) is None, resource.name
    # The long names are explicit and deterministic: a second run gives the same ones.
    again = {r.urn: _physical(r) for r in _consumer(tmp_path, name) if r.urn in {n.urn for n in named}}
    assert {r.urn: _physical(r) for r in named} == again
    explicit = {r.type for r in named if r.inputs.get(NAMED_TYPES[r.type.split(":", 1)[1]][0])}
    assert {"aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:iam/role:Role"} <= explicit


def test_repository_stacks_keep_pulumi_auto_names_where_they_fit() -> None:
    """Short names stay auto-named, so a replacement gets a fresh random name (create before delete)."""
    plan = planned("prod")
    for type_token in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:iam/role:Role"):
        for resource in of_type(plan, type_token):
            assert "name" not in resource.inputs, resource.name


@pytest.mark.parametrize(
    ("component", "instance", "what"),
    [
        ("Payments", "dev", "name"),
        ("payments mcp", "dev", "name"),
        ("p" * 41, "dev", "name"),
        ("mcp", "Dev.1", "instance"),
    ],
)
def test_a_name_aws_names_cannot_carry_is_refused_before_anything_is_registered(
    tmp_path: Path, component: str, instance: str, what: str
) -> None:
    with pytest.raises(pulumi.RunError, match=rf"the {what} '.*' must be 1 to 40 lower-case letters"):
        _consumer(tmp_path, component, instance)


def test_fitted_names_are_within_the_limit_and_change_with_what_replaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pulumi, "get_project", lambda: "runmcp-gateway")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    assert fitted_name("runmcp-load-balancer-alb", ELB_NAME) is None  # 24 + 8 = 32: the auto-name fits
    long = "runmcp-load-balancer-alb2"
    name = fitted_name(long, ELB_NAME, "internet-facing")
    assert name is not None
    assert len(name) <= 32
    assert problem(ELB_NAME, name) is None
    assert name == fitted_name(long, ELB_NAME, "internet-facing")
    assert name != fitted_name(long, ELB_NAME, "internal")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "dev")
    assert name != fitted_name(long, ELB_NAME, "internet-facing"), "unique per stack"
    role = fitted_name("x" * 60, IAM_ROLE_NAME)
    assert role is not None
    assert len(role) <= 64


def test_fitted_names_are_unique_per_project_and_logical_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two projects' `prod` stacks share an account, and two long logical names can share the part
    kept: each must still get a name of its own (AWS refuses a second load balancer of a name)."""
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    monkeypatch.setattr(pulumi, "get_project", lambda: "runmcp-gateway")
    first = fitted_name("runmcp-load-balancer-alb-public", ELB_NAME)
    assert first != fitted_name("runmcp-load-balancer-alb-private", ELB_NAME), "same stem, other logical name"
    monkeypatch.setattr(pulumi, "get_project", lambda: "another-gateway")
    assert first != fitted_name("runmcp-load-balancer-alb-public", ELB_NAME), "same stack, other project"


def test_fitted_names_stay_what_earlier_releases_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fitted name is the physical name of a deployed resource: a release that computed it
    differently would replace that resource (a new load balancer, a new DNS name) in every stack."""
    monkeypatch.setattr(pulumi, "get_project", lambda: "runmcp-gateway")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    assert fitted_name("runmcp-load-balancer-alb2", ELB_NAME, "internet-facing") == "runmcp-load-balancer-al-84251c9b"


@pytest.mark.parametrize(
    ("rule", "logical"),
    [
        (ELB_NAME, "runmcp-load-balancer-a-tg-long"),  # cut after 23 characters, on "-"
        (IAM_ROLE_NAME, "x" * 54 + ".role"),  # after 55, on "."
        (NODE_GROUP_NAME, "n" * 53 + "_group-long"),  # after 54, on "_"
        (ELB_NAME, "r" * 40),
    ],
)
def test_a_fitted_name_is_its_stem_a_hyphen_and_the_hash(
    monkeypatch: pytest.MonkeyPatch, rule: NameRule, logical: str
) -> None:
    """name_stem is what the load balancer controller's IAM policy allows by ARN pattern
    (targetgroup/<stem>-*/*): the name made must be exactly that stem, "-" and the hash, even when
    the cut falls on a separator (which the stem then drops)."""
    monkeypatch.setattr(pulumi, "get_project", lambda: "runmcp-gateway")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    name = fitted_name(logical, rule)
    assert name is not None
    assert re.fullmatch(re.escape(name_stem(logical, rule)) + "-[0-9a-f]{8}", name), name
    assert problem(rule, name) is None
    assert not name_stem(logical, rule).endswith(("-", "_", "."))


@pytest.mark.parametrize(
    ("rule", "name", "why"),
    [
        (ELB_NAME, "a" * 33, "33 characters; AWS allows at most 32"),
        (ELB_NAME, "internal-gateway", "not of the form"),
        (ELB_NAME, "gateway-", "not of the form"),
        (S3_BUCKET_NAME, "Gateway-logs", "not of the form"),
        (IAM_ROLE_NAME, "r" * 65, "65 characters; AWS allows at most 64"),
    ],
)
def test_names_aws_refuses(rule: object, name: str, why: str) -> None:
    found = problem(rule, name)  # type: ignore[arg-type]
    assert found is not None
    assert why in found


def test_the_mock_cloud_refuses_a_long_name_instead_of_cutting_it() -> None:
    """The mock used to cut ELB names to 32 characters, hiding a name AWS refuses."""
    from pulumi.runtime import MockResourceArgs

    answers = AwsAnswers("us-east-1")
    args = MockResourceArgs(
        typ="aws:lb/loadBalancer:LoadBalancer",
        name="payments-mcp-load-balancer-alb",
        inputs={"loadBalancerType": "application"},
        provider="",
        resource_id="",
        custom=True,
    )
    with pytest.raises(AwsRefusal, match="has 38 characters; AWS allows at most 32"):
        answers.new_resource(args)
