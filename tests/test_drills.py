"""The drills block (components/drills.py) built on its own under the mock runtime: its FIS
templates pass the AWS-model check (API model plus the FIS action reference), its Kubernetes objects
the official schema and Pod Security `restricted`, its permissions reach only what it is given, and
its `drills` output is what the drill runner reads."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.block_args import ComponentArgsError
from components.drill.contract import parse_outputs
from components.drills import FIS_USER, LOAD_CRON_JOB, SERVICE_ACCOUNT
from components.offline.aws_models import check_resource, check_resources
from components.offline.kubernetes import validate
from components.offline.runner import PlannedResource, read_stack_file, run_program
from components.policy.rules import Resource, pod_security_restricted

ALARMS = [f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:runmcp-{n}" for n in ("no-healthy", "5xx")]
NODE_GROUPS = ["arn:aws:eks:us-east-1:123456789012:nodegroup/runmcp-staging/general/0a1b2c3d"]
SUBNETS_A = [f"arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0aa{n}0000000000000" for n in range(2)]

PROGRAM = """
import json
import pulumi
from components.drills import GatewayDrills
from components.iam import AwsAccount

parent = pulumi.ComponentResource("test:index:Parent", "parent")
drills = GatewayDrills(
    "runmcp",
    json.loads({settings!r}),
    cluster_name="runmcp-staging",
    cluster_arn="arn:aws:eks:us-east-1:123456789012:cluster/runmcp-staging",
    namespace="runmcp",
    deployment_name="runmcp-gateway",
    node_group_arns={node_groups!r},
    zone="us-east-1a",
    zone_subnet_arns={subnets!r},
    zones=["us-east-1a", "us-east-1b", "us-east-1c"],
    stop_alarm_arns={alarms!r},
    stop_alarm_names=[a.rsplit(":", 1)[1] for a in {alarms!r}],
    latency_p99_seconds=2.0,
    gateway_url="https://mcp.example.com/mcp",
    load_balancer_cidrs=["0.0.0.0/0"],
    api_server_cidrs=["10.30.0.0/16"],
    kubernetes_version="1.33",
    account=AwsAccount(parent),
    tags={{"project": "runmcp-gateway"}},
    opts=pulumi.ResourceOptions(parent=parent),
)
pulumi.export("drills", drills.outputs)
for key in ("clusterName", "namespace", "deploymentName", "albArnSuffix", "targetGroupArnSuffix"):
    pulumi.export(key, "x")
"""


def build(tmp_path: Path, settings: dict[str, Any] | None = None, alarms: list[str] = ALARMS) -> Any:
    (tmp_path / "Pulumi.yaml").write_text("name: drills\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    program = PROGRAM.format(
        settings=json.dumps(settings or {"enabled": True}),
        node_groups=NODE_GROUPS,
        subnets=SUBNETS_A,
        alarms=alarms,
    )
    (tmp_path / "__main__.py").write_text(program)
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    return monitor


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory.mktemp("drills"))


def of(monitor: Any, type_token: str) -> list[PlannedResource]:
    return [r for r in monitor.recorded if r.type == type_token]


def template(monitor: Any, fragment: str) -> PlannedResource:
    (found,) = [r for r in of(monitor, "aws:fis/experimentTemplate:ExperimentTemplate") if fragment in r.name]
    return found


def test_the_templates_pass_the_aws_models_and_the_fis_action_reference(built: Any) -> None:
    report = check_resources(r for r in built.recorded if r.custom)
    assert report.problems == []
    assert report.coverage["unmapped_types"] == []
    assert "fis CreateExperimentTemplate" in report.coverage["apis"]
    assert len(of(built, "aws:fis/experimentTemplate:ExperimentTemplate")) == 3


@pytest.mark.parametrize(
    ("fragment", "change", "expected"),
    [
        (
            "pod-loss",
            {
                "parameters": [
                    {"key": "kubernetesServiceAccount", "value": "x"},
                    {"key": "fisPodSecurityPolicy", "value": "strict"},
                ]
            },
            "fisPodSecurityPolicy is one of baseline, privileged, restricted",
        ),
        (
            "pod-loss",
            {"parameters": [{"key": "fisPodSecurityPolicy", "value": "restricted"}]},
            "needs the parameter kubernetesServiceAccount",
        ),
        ("node-loss", {"parameters": [{"key": "instanceTerminationPercentage", "value": "0"}]}, "from 1 to 100"),
        ("zone-loss", {"parameters": [{"key": "duration", "value": "PT13H"}]}, "ISO 8601 duration"),
        ("zone-loss", {"actionId": "aws:network:disrupt-connectivty"}, "is not one the check knows"),
        ("node-loss", {"target": {"key": "Pods", "value": "Nodegroups"}}, "under the key Nodegroups"),
    ],
)
def test_a_broken_action_fails_the_check(built: Any, fragment: str, change: dict[str, Any], expected: str) -> None:
    resource = template(built, fragment)
    action = {**resource.inputs["actions"][0], **change}
    broken = replace(resource, inputs={**resource.inputs, "actions": [action]})
    problems = check_resource(broken).problems
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_a_pod_target_by_arn_and_a_bad_selection_mode_fail(built: Any) -> None:
    resource = template(built, "pod-loss")
    target = {**resource.inputs["targets"][0], "selectionMode": "PERCENT(150)", "resourceArns": NODE_GROUPS}
    problems = check_resource(replace(resource, inputs={**resource.inputs, "targets": [target]})).problems
    assert any("PERCENT(n) takes 1 to 100" in p for p in problems)
    assert any("chosen by parameters, not by ARN" in p for p in problems)


def test_every_template_stops_on_the_alarms_logs_and_fails_on_empty_targets(built: Any) -> None:
    for resource in of(built, "aws:fis/experimentTemplate:ExperimentTemplate"):
        inputs = resource.inputs
        assert [s["value"] for s in inputs["stopConditions"]] == ALARMS
        assert {s["source"] for s in inputs["stopConditions"]} == {"aws:cloudwatch:alarm"}
        assert inputs["experimentOptions"]["emptyTargetResolutionMode"] == "fail"
        assert inputs["logConfiguration"]["logSchemaVersion"] == 2
        assert inputs["logConfiguration"]["cloudwatchLogsConfiguration"]["logGroupArn"].endswith(":*")
    pods = template(built, "pod-loss").inputs
    assert pods["targets"][0]["parameters"]["selectorType"] == "deploymentName"
    assert pods["targets"][0]["parameters"]["selectorValue"] == "runmcp-gateway"
    assert pods["targets"][0]["selectionMode"] == "PERCENT(50)"
    assert template(built, "zone-loss").inputs["targets"][0]["resourceArns"] == SUBNETS_A


def statements(document: str) -> list[dict[str, Any]]:
    return list(json.loads(document)["Statement"])


def test_the_role_trusts_fis_for_this_account_only_and_reaches_only_what_it_is_given(built: Any) -> None:
    (role,) = [r for r in of(built, "aws:iam/role:Role") if r.name.endswith("-fis")]
    (trust,) = statements(role.inputs["assumeRolePolicy"])
    assert trust["Principal"] == {"Service": "fis.amazonaws.com"}
    assert set(trust["Condition"]["StringEquals"]) == {"aws:SourceAccount"}
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":experiment/*")
    (policy,) = of(built, "aws:iam/rolePolicy:RolePolicy")
    by_action: dict[str, list[dict[str, Any]]] = {}
    for statement in statements(policy.inputs["policy"]):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            by_action.setdefault(action, []).append(statement)
    (terminate,) = by_action["ec2:TerminateInstances"]
    assert terminate["Condition"] == {"StringEquals": {"aws:ResourceTag/eks:cluster-name": "runmcp-staging"}}
    assert by_action["eks:DescribeNodegroup"][0]["Resource"] == NODE_GROUPS
    assert by_action["eks:DescribeCluster"][0]["Resource"].endswith(":cluster/runmcp-staging")
    (replace_nacl,) = by_action["ec2:ReplaceNetworkAclAssociation"]
    assert [r for r in replace_nacl["Resource"] if ":subnet/" in r] == SUBNETS_A
    for statement in by_action["ec2:CreateNetworkAclEntry"] + by_action["ec2:DeleteNetworkAcl"]:
        assert statement["Condition"] == {"StringEquals": {"ec2:ResourceTag/managedByFIS": "true"}}


def test_pod_actions_get_exactly_the_documented_rbac(built: Any) -> None:
    (entry,) = of(built, "aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["userName"] == FIS_USER
    (role,) = of(built, "kubernetes:rbac.authorization.k8s.io/v1:Role")
    rules = {(r["apiGroups"][0], r["resources"][0]): sorted(r["verbs"]) for r in role.inputs["rules"]}
    # The Role of https://docs.aws.amazon.com/fis/latest/userguide/eks-pod-actions.html, written out.
    assert rules == {
        ("", "configmaps"): ["create", "delete", "get", "patch"],
        ("", "pods"): ["create", "delete", "deletecollection", "get", "list"],
        ("", "pods/ephemeralcontainers"): ["update"],
        ("", "pods/exec"): ["create"],
        ("apps", "deployments"): ["get"],
    }
    (binding,) = of(built, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    subjects = {(s["kind"], s["name"]) for s in binding.inputs["subjects"]}
    assert subjects == {("ServiceAccount", SERVICE_ACCOUNT), ("User", FIS_USER)}
    assert template(built, "pod-loss").inputs["actions"][0]["parameters"][0] == {
        "key": "kubernetesServiceAccount",
        "value": SERVICE_ACCOUNT,
    }


def test_every_kubernetes_object_passes_the_schema_and_the_load_generator_is_restricted(built: Any) -> None:
    objects = [r for r in built.recorded if r.custom and r.type.startswith("kubernetes:")]
    assert len(objects) == 8
    for resource in objects:
        assert validate(dict(resource.inputs), "1.33") == [], resource.name
    resources = [Resource(r.type, r.urn, r.name, r.inputs) for r in objects]
    assert list(pod_security_restricted(resources)) == []


def test_the_load_generator_is_suspended_bounded_and_reaches_only_the_load_balancer(built: Any) -> None:
    (cron,) = of(built, "kubernetes:batch/v1:CronJob")
    spec = cron.inputs["spec"]
    assert spec["suspend"] is True, "pulumi up starts no load"
    job = spec["jobTemplate"]["spec"]
    assert job["activeDeadlineSeconds"] == 20 * 60 + 120
    (container,) = job["template"]["spec"]["containers"]
    assert ":" in container["image"]
    assert not container["image"].endswith(":latest")
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env == {"TARGET": "https://mcp.example.com/mcp", "RATE": "20", "DURATION": "1200s"}
    (policy,) = [
        p for p in of(built, "kubernetes:networking.k8s.io/v1:NetworkPolicy") if p.name.endswith("load-network-policy")
    ]
    egress = policy.inputs["spec"]["egress"]
    assert [p["port"] for rule in egress for p in rule["ports"]] == [53, 53, 443]
    assert egress[1]["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    assert "ingress" not in policy.inputs["spec"], "nothing reaches the load generator"


def test_the_output_is_what_the_runner_reads(built: Any) -> None:
    outputs = parse_outputs(built.stack_outputs, "plan")
    assert set(outputs.experiments) == {"podLoss", "nodeLoss", "zoneLoss"}
    assert outputs.stop_alarm_names == ("runmcp-no-healthy", "runmcp-5xx")
    assert outputs.load_generator.cron_job == LOAD_CRON_JOB
    assert outputs.objectives.latency_p99_seconds == 2.0


def test_bad_arguments_are_refused_before_anything_is_registered(tmp_path: Path) -> None:
    with pytest.raises(ComponentArgsError, match=r"runmcp:index:GatewayDrills runmcp: stopAlarmArns: needs 1 to 5"):
        build(tmp_path, alarms=ALARMS * 3)
    off = tmp_path / "off"
    off.mkdir()
    with pytest.raises(ComponentArgsError, match=r"enabled: is false"):
        build(off, {"enabled": False})
