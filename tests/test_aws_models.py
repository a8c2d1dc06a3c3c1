"""The AWS-model check of the offline plan (components/offline/aws_models.py): every stack passes,
every registered aws:* type is mapped, and a resource with one broken argument fails with a message
naming the resource, the input, the value and the rule with its source.

Broken cases take a planned resource and change one input (dataclasses.replace), so they do not
depend on what a mock answers."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.config import read_stack_file
from components.offline import aws_requests
from components.offline.aws_models import (
    EXTRACT,
    check_plan,
    check_resource,
    check_resources,
    documented_attributes,
    extract_models,
    retention_days,
)
from components.offline.aws_requests import MAPPINGS
from components.offline.checks import CheckReport
from components.offline.runner import SECRET, UNKNOWN, PlannedResource, run_program
from tests.conftest import ALL_STACKS, PROJECT_DIR, REPO_STACKS, cli, plan_cache, planned, single

EXAMPLE = PROJECT_DIR / "examples" / "python-consumer"
LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@plan_cache
def example_resources() -> tuple[PlannedResource, ...]:
    monitor, _ = run_program(EXAMPLE, "example", read_stack_file(EXAMPLE / "Pulumi.example.yaml"))
    return tuple(monitor.recorded)


def prod(type_token: str, name_fragment: str = "") -> PlannedResource:
    found = [r for r in planned("prod").resources if r.type == type_token and name_fragment in r.name]
    assert found, f"prod has no {type_token} named like {name_fragment!r}"
    return found[0]


def with_inputs(resource: PlannedResource, **inputs: Any) -> PlannedResource:
    return replace(resource, inputs={**resource.inputs, **inputs})


def problems(resource: PlannedResource) -> list[str]:
    return check_resource(resource).problems


def only_problem(resource: PlannedResource) -> str:
    found = problems(resource)
    assert len(found) == 1, found
    return found[0]


# --- the stacks pass ----------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_every_stack_passes_the_aws_models(stack: str) -> None:
    report = check_plan(planned(stack))
    assert report.problems == []
    assert report.coverage["unmapped_types"] == []


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_coverage_of_the_aws_arguments(stack: str) -> None:
    report = check_plan(planned(stack))
    coverage = report.coverage
    assert coverage["inputs"] > 500, "the stack registers its AWS resources"
    assert coverage["ratio"] >= 0.75, coverage["unconstrained_inputs"]
    assert f"{coverage['constrained']} of {coverage['inputs']} input values" in report.checked
    assert report.as_json()["coverage"]["ratio"] == coverage["ratio"]


def test_the_python_example_passes_the_aws_models() -> None:
    """Its component is named payments-mcp: auto-names of its load balancer and target group would be
    38 and 37 characters, over the 32 AWS allows; they get deterministic names within the limit."""
    assert check_resources(example_resources()).problems == []


def test_every_registered_aws_type_is_mapped() -> None:
    registered = {r.type for stack in ALL_STACKS for r in planned(stack).resources if r.custom}
    registered |= {r.type for r in example_resources() if r.custom}
    aws = {t for t in registered if t.startswith("aws:")}
    assert aws, "the stacks register AWS resources"
    assert aws - set(MAPPINGS) == set(), "map the new type in components/offline/aws_requests.py"


def test_an_unmapped_type_is_reported_not_passed() -> None:
    resource = replace(prod(LB), type="aws:lb/trustStore:TrustStore")
    report = check_resources([resource])
    assert report.coverage["unmapped_types"] == ["aws:lb/trustStore:TrustStore"]
    assert report.coverage["constrained"] == 0
    assert "no mapping for aws:lb/trustStore:TrustStore" in report.checked


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_every_request_is_one_the_mapping_declares(stack: str) -> None:
    """``apis`` (what the extract keeps and the report lists) covers every request a type sends."""
    for resource in planned(stack).resources:
        if resource.type in MAPPINGS:
            sent = {f"{q.service} {q.operation}" for q in check_resource(resource).requests}
            assert sent <= set(MAPPINGS[resource.type].apis), resource.type


# --- the extract of the pinned botocore ---------------------------------------------------------


def test_the_committed_extract_is_current() -> None:
    assert json.loads(EXTRACT.read_text()) == extract_models(), "run `make aws-models`"


def test_the_extract_comes_from_the_pinned_botocore() -> None:
    lock = (PROJECT_DIR / "requirements.lock").read_text().splitlines()
    pins = dict(line.split("==") for line in lock if "==" in line)
    assert json.loads(EXTRACT.read_text())["botocore"] == pins["botocore"]


# --- broken arguments fail with a clear message -------------------------------------------------


def test_a_33_character_load_balancer_name_fails() -> None:
    message = only_problem(with_inputs(prod(LB), name="a" * 33))
    assert message.startswith(f"{LB} runmcp-load-balancer-alb: input name = '{'a' * 33}': 33 characters")
    assert "(botocore elbv2 CreateLoadBalancer.Name documentation: max length 32)" in message


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("-gateway", "must not begin or end with a hyphen"),
        ("internal-gateway", 'must not begin with "internal-"'),
        ("gateway_alb", "only alphanumeric characters and hyphens"),
    ],
)
def test_load_balancer_names_follow_the_api_reference(name: str, rule: str) -> None:
    assert rule in only_problem(with_inputs(prod(LB), name=name))


def test_an_auto_named_load_balancer_is_checked_at_its_full_length() -> None:
    """No name input: Pulumi names it <logical>-<7 hex>; a 25-character logical name gives 33."""
    resource = replace(prod(LB), name="a" * 25)
    assert "name" not in resource.inputs
    message = only_problem(resource)
    assert "name (unset: Pulumi auto-name of 'aaaaaaaaaaaaaaaaaaaaaaaaa')" in message
    assert "33 characters, longer than 32" in message


def test_an_auto_named_target_group_the_bridge_refuses_says_so() -> None:
    """pulumi-aws gives aws_lb_target_group AutoName("name", 32, "-"): the bridge errors, it does
    not truncate (provider/resources.go; pulumi sdk resource.NewUniqueName)."""
    found = problems(replace(prod(TG), name="t" * 30))
    assert any("pulumi-aws refuses auto-names over 32 characters" in p for p in found), found
    assert any("CreateTargetGroup.Name documentation: max length 32" in p for p in found), found


def test_a_wrong_target_group_protocol_fails_on_the_model_enum() -> None:
    message = only_problem(with_inputs(prod(TG), protocol="HTTQ"))
    assert message.startswith(f"{TG} runmcp-load-balancer-tg: input protocol = 'HTTQ': not one of HTTP, HTTPS")
    assert message.endswith("(botocore elbv2 CreateTargetGroup.Protocol: enum)")


def test_a_wrong_comparison_operator_fails_on_the_model_enum() -> None:
    alarm = prod(ALARM, "unhealthy-targets")
    message = only_problem(with_inputs(alarm, comparisonOperator="GreaterThanThreshhold"))
    assert "input comparisonOperator = 'GreaterThanThreshhold': not one of GreaterThanOrEqualToThreshold" in message
    assert "botocore cloudwatch PutMetricAlarm.ComparisonOperator: enum" in message


def test_an_unknown_target_group_attribute_key_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key the provider would send that AWS does not document (here a typo in the mapping, as
    when AWS renames or drops an attribute)."""
    table = {**aws_requests.TARGET_GROUP_ATTRIBUTES, "deregistrationDelay": "deregistration_delay.timeout_secs"}
    monkeypatch.setattr(aws_requests, "TARGET_GROUP_ATTRIBUTES", table)
    message = only_problem(prod(TG))
    assert "input deregistrationDelay = 'deregistration_delay.timeout_secs'" in message
    assert "is not one AWS documents (botocore elbv2 TargetGroupAttribute.Key documentation)" in message


def test_a_target_group_attribute_value_outside_its_documented_range_fails() -> None:
    # TargetGroupAttribute.Key documentation: "deregistration_delay.timeout_seconds ... The range is
    # 0-3600 seconds."
    message = only_problem(with_inputs(prod(TG), deregistrationDelay=3601))
    assert "input deregistrationDelay = '3601': deregistration_delay.timeout_seconds allows 0-3600" in message
    assert problems(with_inputs(prod(TG), deregistrationDelay=3600)) == []


def test_a_load_balancer_attribute_value_outside_its_documented_values_fails() -> None:
    message = only_problem(with_inputs(prod(LB), desyncMitigationMode="strict"))
    assert "routing.http.desync_mitigation_mode allows defensive | monitor | strictest" in message
    assert "idle_timeout.timeout_seconds allows 1-4000" in only_problem(with_inputs(prod(LB), idleTimeout=4001))


def test_documented_attribute_keys_cover_what_the_mapping_sends() -> None:
    documented = set(documented_attributes("LoadBalancerAttribute"))
    assert set(aws_requests.LOAD_BALANCER_ATTRIBUTES.values()) <= documented
    documented_tg = set(documented_attributes("TargetGroupAttribute"))
    assert set(aws_requests.TARGET_GROUP_ATTRIBUTES.values()) <= documented_tg
    assert {"stickiness.lb_cookie.duration_seconds", "stickiness.app_cookie.duration_seconds"} <= documented_tg
    stickiness = documented_attributes("TargetGroupAttribute")["stickiness.type"]
    assert stickiness.values == {"lb_cookie", "app_cookie", "source_ip", "source_ip_dest_ip", "source_ip_dest_ip_proto"}


@pytest.mark.parametrize("period", [45, 90, 1])
def test_an_alarm_period_that_is_not_10_20_30_or_a_multiple_of_60_fails(period: int) -> None:
    alarm = prod(ALARM, "unhealthy-targets")
    message = only_problem(with_inputs(alarm, period=period))
    assert f"input period = {period}: valid periods are 10, 20, 30 and any multiple of 60" in message
    assert "botocore cloudwatch PutMetricAlarm.Period documentation" in message


def test_an_alarm_may_span_one_day_under_an_hour_period_and_seven_days_above() -> None:
    """PutMetricAlarm.Period in the pinned botocore: Period x EvaluationPeriods at most 604,800 s,
    and one day (86,400 s) for periods under an hour."""
    alarm = with_inputs(prod(ALARM, "unhealthy-targets"), datapointsToAlarm=1)
    assert problems(with_inputs(alarm, period=300, evaluationPeriods=288)) == []
    assert "over the 86400 s" in only_problem(with_inputs(alarm, period=300, evaluationPeriods=289))
    assert problems(with_inputs(alarm, period=3600, evaluationPeriods=168)) == []
    assert "over the 604800 s" in only_problem(with_inputs(alarm, period=3600, evaluationPeriods=169))


def test_the_evaluation_limits_are_the_pinned_botocore_documentation() -> None:
    botocore = Path(__import__("importlib").util.find_spec("botocore").submodule_search_locations[0])
    path = next((botocore / "data" / "cloudwatch").glob("*/service-2.json.gz"))
    model = json.loads(gzip.decompress(path.read_bytes()))
    text = model["shapes"]["PutMetricAlarmInput"]["members"]["Period"]["documentation"]
    assert "604,800 seconds" in text
    assert "(86,400 seconds)" in text


def test_more_datapoints_than_evaluation_periods_fails() -> None:
    alarm = prod(ALARM, "unhealthy-targets")
    message = only_problem(with_inputs(alarm, datapointsToAlarm=alarm.inputs["evaluationPeriods"] + 1))
    assert "M out of N: DatapointsToAlarm" in message


def test_a_log_retention_of_42_days_fails() -> None:
    log_group = prod("aws:cloudwatch/logGroup:LogGroup")
    message = only_problem(with_inputs(log_group, retentionInDays=42))
    assert message.startswith(f"aws:cloudwatch/logGroup:LogGroup {log_group.name}: input retentionInDays = 42:")
    assert "(botocore logs Days documentation)" in message
    assert problems(with_inputs(log_group, retentionInDays=400)) == []


def test_retention_values_are_parsed_from_the_pinned_model() -> None:
    days = retention_days()
    assert {1, 3, 5, 7, 14, 30, 60, 90, 365, 3653} <= days
    assert 42 not in days
    assert 0 not in days


@pytest.mark.parametrize(
    ("type_token", "fragment", "inputs", "rule"),
    [
        ("aws:iam/role:Role", "control-plane", {"name": "r" * 65}, "botocore iam CreateRole.RoleName: max length 64"),
        ("aws:eks/nodeGroup:NodeGroup", "", {"nodeGroupName": "n" * 64}, "Amazon EKS User Guide"),
        ("aws:s3/bucket:Bucket", "", {"bucket": "Runmcp-Logs"}, "Amazon S3 User Guide: bucket naming rules"),
        ("aws:sns/topic:Topic", "", {"name": "alarms.topic"}, "botocore sns CreateTopic.Name documentation"),
        ("aws:wafv2/webAcl:WebAcl", "", {"name": "w" * 129}, "botocore wafv2 CreateWebACL.Name: max length 128"),
        ("aws:ec2/subnet:Subnet", "public-a", {"cidrBlock": "10.20.192.0/29"}, "Amazon VPC User Guide"),
        ("aws:ec2/vpc:Vpc", "", {"tags": {"aws:owner": "me"}}, "AWS General Reference: tag naming limits"),
        ("aws:ec2/launchTemplate:LaunchTemplate", "", {"name": "lt"}, "CreateLaunchTemplate.LaunchTemplateName"),
    ],
)
def test_names_and_limits_from_the_models_and_aws_documentation(
    type_token: str, fragment: str, inputs: dict[str, Any], rule: str
) -> None:
    resource = with_inputs(prod(type_token, fragment), **inputs)
    found = problems(resource)
    assert any(rule in p for p in found), found
    assert all(p.startswith(f"{type_token} {resource.name}: input ") for p in found)


def test_a_kms_alias_is_checked_as_pulumi_names_it() -> None:
    """No program stack has an alias yet; pulumi-aws names one "alias/<logical>-<7 hex>"."""
    key = prod("aws:kms/key:Key")
    alias = replace(key, type="aws:kms/alias:Alias", name="secrets", inputs={"targetKeyId": key.resource_id})
    assert problems(alias) == []
    assert "not alias/aws/" in only_problem(with_inputs(alias, name="alias/aws/secrets"))
    assert "does not match ^[a-zA-Z0-9:/_-]+$" in only_problem(with_inputs(alias, name="alias/my secrets"))


def test_a_missing_required_member_fails() -> None:
    listener = prod("aws:lb/listener:Listener")
    inputs = {k: v for k, v in listener.inputs.items() if k != "loadBalancerArn"}
    message = only_problem(replace(listener, inputs=inputs))
    assert "CreateListener.LoadBalancerArn" in message
    assert "is required and no input gives it (botocore elbv2 CreateListenerInput: required)" in message


def test_a_reference_in_the_wrong_shape_fails() -> None:
    """Values referring to other resources are checked as the mocks answer them (realistic IDs)."""
    message = only_problem(with_inputs(prod(TG), vpcId="subnet-0123456789abcdef0"))
    assert "not a vpc- ID (Amazon EC2 User Guide: resource IDs" in message


@pytest.mark.parametrize("hidden", [SECRET, UNKNOWN])
def test_secret_and_unknown_values_are_skipped_and_counted(hidden: str) -> None:
    topic = prod("aws:sns/topicSubscription:TopicSubscription")
    before = check_resources([topic])
    after = check_resources([with_inputs(topic, endpoint=hidden)])
    assert after.problems == []
    assert after.coverage["secret_unchecked"] == 1
    assert after.coverage["constrained"] == before.coverage["constrained"] - 1


# --- the command --------------------------------------------------------------------------------


def test_runmcp_infra_plan_exits_5_on_an_aws_argument(tmp_path: Path) -> None:
    """A program registering one target group with a bad protocol, with the repository's dev
    settings and every policy disabled, so only the AWS-model check fails."""
    (tmp_path / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    settings = (PROJECT_DIR / "Pulumi.dev.yaml").read_text().splitlines()[1:]  # no schema line
    (tmp_path / "Pulumi.dev.yaml").write_text("\n".join(settings) + "\n")
    (tmp_path / "policy" / "config").mkdir(parents=True)
    (tmp_path / "policy" / "config" / "dev.json").write_text('{"all": "disabled"}')
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        'aws.lb.TargetGroup("tg", protocol="HTTQ", port=8080, vpc_id="vpc-0123456789abcdef0", target_type="ip")\n'
    )
    result = cli("plan", "dev", "--project-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 5, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: aws-api-models: {TG} tg: input protocol = 'HTTQ': not one of HTTP, HTTPS, TCP, TLS, UDP, "
        "TCP_UDP, GENEVE, QUIC, TCP_QUIC (botocore elbv2 CreateTargetGroup.Protocol: enum)",
        "error: 1 AWS argument(s) fail AWS's API models or documented limits",
    ]
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    check = checks["aws-api-models"]
    assert [name for name, c in checks.items() if c["problems"]] == ["aws-api-models"]
    assert len(check["problems"]) == 1


def test_the_text_plan_lists_the_check_under_checks() -> None:
    result = cli("plan", "prod")
    assert result.returncode == 0, result.stderr
    checks = result.stdout.split("\nChecks:\n", 1)[1]
    assert re.search(r"ok  aws-api-models: \d+ AWS resources as \d+ API requests .* botocore 1\.44\.8 ", checks), checks


def test_the_report_is_a_check_report() -> None:
    report = check_plan(planned("prod"))
    assert isinstance(report, CheckReport)
    assert report.name == "aws-api-models"
    assert report.passed
    assert "elbv2 ModifyTargetGroupAttributes" in report.coverage["apis"]
    assert single(planned("prod"), TG).type in MAPPINGS
