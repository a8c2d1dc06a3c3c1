"""One cluster, several gateways: examples/two-gateways plans offline with a namespace, target
group, HPA and alarms per gateway, and the cluster's one load balancer controller may bind both
target groups and nothing else; gateways that would collide on one cluster are refused."""

from __future__ import annotations

import fnmatch
import json
import textwrap
from collections import Counter
from pathlib import Path

import pulumi
import pytest

from components.config import read_stack_file
from components.offline.kubernetes import validate_plan
from components.offline.mocks import CloudMocks
from components.offline.runner import Plan, PlannedResource, RecordingMonitor, run_program
from tests.conftest import IMAGE, PROJECT_DIR, of_type

EXAMPLE = PROJECT_DIR / "examples" / "two-gateways"
GATEWAYS = ("payments", "catalog")


@pytest.fixture(scope="module")
def plan() -> Plan:
    monitor, warnings = run_program(EXAMPLE, "dev", read_stack_file(EXAMPLE / "Pulumi.dev.yaml"))
    return Plan.of_run(
        monitor, warnings, project="mcp-gateways", stack="dev", stack_file=EXAMPLE / "Pulumi.dev.yaml", settings=None
    )


def gateway_of(resource: PlannedResource) -> str:
    (owner,) = [g for g in GATEWAYS if resource.name.startswith(f"{g}-")]
    return owner


def test_each_gateway_has_its_own_namespace_target_group_hpa_and_alarms(plan: Plan) -> None:
    namespaces = {r.name: r.inputs["metadata"]["name"] for r in of_type(plan, "kubernetes:core/v1:Namespace")}
    assert namespaces == {
        "shared-controllers-namespace": "runmcp-system",
        "payments-gateway-namespace": "mcp-payments",
        "catalog-gateway-namespace": "mcp-catalog",
    }
    hpas = of_type(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    assert sorted((gateway_of(h), h.inputs["spec"]["maxReplicas"]) for h in hpas) == [("catalog", 4), ("payments", 6)]
    assert Counter(gateway_of(t) for t in of_type(plan, "aws:lb/targetGroup:TargetGroup")) == {
        "payments": 1,
        "catalog": 1,
    }
    dashboards = sorted(d.inputs["dashboardName"] for d in of_type(plan, "aws:cloudwatch/dashboard:Dashboard"))
    assert dashboards == ["catalog-dev", "payments-dev"]
    alarms = of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    per_gateway = Counter(a.name.split("-alarms-")[0] for a in alarms)
    assert per_gateway["payments"] == per_gateway["catalog"] > 0
    # The nodes' alarms are the cluster's, once; every alarm notifies the cluster's one topic.
    assert sorted(a.name for a in alarms if a.name.startswith("shared-")) == [
        "shared-alarms-failed-nodes",
        "shared-alarms-node-cpu",
        "shared-alarms-node-filesystem",
        "shared-alarms-node-memory",
    ]
    (topic,) = of_type(plan, "aws:sns/topic:Topic")
    assert {tuple(a.inputs["alarmActions"]) for a in alarms} == {(topic.resource_id,)}


def test_the_one_controller_may_bind_both_target_groups_and_nothing_else(plan: Plan) -> None:
    releases = [
        r for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "aws-load-balancer-controller"
    ]
    assert len(releases) == 1
    (own,) = [
        p
        for p in of_type(plan, "aws:iam/rolePolicy:RolePolicy")
        if p.name == "shared-load-balancer-controller-bind-targets"
    ]
    policies = [p for p in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-controller-binds")]
    assert sorted(gateway_of(p) for p in policies) == sorted(GATEWAYS)
    # On the controller's role: the one controller gets both.
    assert {p.inputs["role"] for p in policies} == {own.inputs["role"]}
    writes = {}
    for policy in policies:
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement["Action"] == ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
        writes[gateway_of(policy)] = statement["Resource"]
    # Each binding waits for its gateway's policy: the controller could not register targets before.
    for binding in of_type(plan, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"):
        (policy,) = [p for p in policies if gateway_of(p) == gateway_of(binding)]
        assert policy.urn in binding.dependencies
    # The controller's own policy reads only.
    assert not any("RegisterTargets" in a for s in json.loads(own.inputs["policy"])["Statement"] for a in s["Action"])
    # Each target group is matched by its own gateway's pattern, and by no other.
    for group in of_type(plan, "aws:lb/targetGroup:TargetGroup"):
        arn = group.resource_id
        assert arn.startswith("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/")
        assert [g for g, pattern in writes.items() if fnmatch.fnmatchcase(arn, pattern)] == [gateway_of(group)]


def test_the_example_passes_the_kubernetes_schemas_with_distinct_urns(plan: Plan) -> None:
    assert validate_plan(plan, "1.34") == []
    urns = [r.engine_urn for r in plan.resources]
    assert len(urns) == len(set(urns))
    assert set(plan.outputs) == {"clusterName", "alarmTopicArn", "paymentsUrl", "catalogUrl"}


COLLIDING = """
from runmcp_gateway import Gateway, GatewayCluster

cluster = GatewayCluster("shared", {{"cluster": {{"existing": {{}}}}, "load_balancer_controller": {{"install": False}},
    "alarms": {{"enabled": False}}}})
for name in ("first", "second"):
    Gateway(name, {{"cluster": cluster.handle, "gateway": {{"image": {image!r}, "namespace": "mcp"}},
        "load_balancer": {{"kind": "none"}}, "alarms": {{"enabled": False}}}})
"""


def test_two_gateways_in_one_namespace_are_refused_before_the_second_registers(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(COLLIDING.format(image=IMAGE)))
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    monitor = RecordingMonitor(CloudMocks(region=None))
    with pytest.raises(pulumi.RunError) as caught:
        run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"), monitor)
    assert [r.name for r in monitor.recorded if r.name.startswith("second")] == []
    assert any(r.name.startswith("first") for r in monitor.recorded)
    assert "runmcp:index:Gateway second: the namespace 'mcp' is taken on cluster shared by gateway first" in str(
        caught.value
    )


def test_the_readme_snippet_plans_as_printed(tmp_path: Path) -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    (snippet,) = [
        block.split("```", 1)[0]
        for block in readme.split("```python\n")[1:]
        if block.startswith("from runmcp_gateway import Gateway, GatewayCluster")
    ]
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(snippet)
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    namespaces = {r.inputs["metadata"]["name"] for r in monitor.recorded if r.type == "kubernetes:core/v1:Namespace"}
    assert {"mcp-payments", "mcp-catalog"} <= namespaces


IRELAND = """
import pulumi
import pulumi_aws as aws
from runmcp_gateway import Gateway, GatewayCluster

ireland = pulumi.ResourceOptions(providers={{"aws": aws.Provider("ireland", region="eu-west-1")}})
cluster = GatewayCluster("shared", {{"cluster": {{"eks": {{"protect": False}}}}}}, ireland)
Gateway("one", {{"cluster": cluster.handle, "gateway": {{"image": {image!r}}}}}, ireland)
"""


def test_both_parts_use_the_aws_provider_they_are_given(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(IRELAND.format(image=IMAGE))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    (provider,) = [r for r in monitor.recorded if r.type == "pulumi:providers:aws"]
    assert {i.provider for i in monitor.invokes if i.token.startswith("aws:")} == {provider.urn}
    made = [r for r in monitor.recorded if r.custom and r.type.startswith("aws:")]
    assert {r.provider for r in made} == {provider.urn}
    assert any(r.name.startswith("one-") for r in made)


SUBSCRIBED = """
from runmcp_gateway import Gateway, GatewayCluster

cluster = GatewayCluster(
    "shared", {{"cluster": {{"existing": {{}}}}, "load_balancer_controller": {{"install": False}}}}
)
Gateway("first", {{"cluster": cluster.handle, "gateway": {{"image": {image!r}}}, "load_balancer": {{"kind": "none"}},
    "alarms": {{"emails": ["a@example.com"]}}}})
"""


def test_a_gateways_own_subscribers_are_refused(tmp_path: Path) -> None:
    """The topic is the cluster's: an email on a gateway would otherwise be silently ignored."""
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(SUBSCRIBED.format(image=IMAGE))
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    expected = r"Gateway first: runmcp-gateway:alarms.emails: belongs to the cluster"
    with pytest.raises(pulumi.RunError, match=expected):
        run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
