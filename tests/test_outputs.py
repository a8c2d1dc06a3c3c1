"""Settings that come from other resources: a consumer's program passes its own VPC, subnets,
certificate and secrets as Outputs. They reach the resources that need them, secrets stay secret,
a bad value is refused with its key when it resolves, and an Output where a setting must be known
is refused with its key before anything is registered."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from components.config import StackFile
from components.names import check_names
from components.offline.cli import plan_document, print_text
from components.offline.kubernetes import write_manifests
from components.offline.mocks import CloudMocks
from components.offline.runner import SECRET, Plan, RecordingMonitor, run_program
from components.outputs import output_keys
from components.platform import TYPE_TOKEN, platform_args, settings_from_args
from components.settings import ExistingVpc, SettingsError, StackSettings, load_settings
from tests.conftest import IMAGE, REGION, of_type, one

SOURCE = "runmcp:index:GatewayPlatform mcp"
TOKEN = "s3cr3t-upstream-token-7d41c9"
KUBECONFIG = "s3cr3t-kubeconfig-90be2f"

CONSUMER = """
import pulumi
import pulumi_aws as aws
from runmcp_gateway import GatewayPlatform

config = pulumi.Config()
vpc = aws.ec2.Vpc("vpc", cidr_block="10.1.0.0/16")


def subnets(kind, third):
    return [
        aws.ec2.Subnet(f"{{kind}}-{{n}}", vpc_id=vpc.id, cidr_block=f"10.1.{{third + n}}.0/24",
                       availability_zone_id=f"use1-az{{n}}")
        for n in (1, 2)
    ]


private, public = subnets("private", 0), subnets("public", 10)
certificate = aws.acm.Certificate("certificate", domain_name="mcp.example.com", validation_method="DNS")
platform = GatewayPlatform("mcp", {{
    "gateway": {{"image": {image!r}, "secretEnv": {{"UPSTREAM_API_TOKEN": config.require_secret("upstreamToken")}}}},
    "cluster": {{"eks": {{"protect": False, "network": {{"existing": {{
        "vpcId": vpc.id,
        "privateSubnetIds": {private},
        "publicSubnetIds": [s.id for s in public],
    }}}}}}}},
    "load_balancer": {{"certificateArn": certificate.arn, "deletionProtection": False}},
}})
pulumi.export("privateSubnetIds", [s.id for s in private])
pulumi.export("publicSubnetIds", [s.id for s in public])
pulumi.export("certificateArn", certificate.arn)
pulumi.export("url", platform.url)
"""


def consumer(directory: Path, program: str, secrets: dict[str, str], preview: bool = False) -> Plan:
    """Run ``program`` as the consumer project's __main__.py, with ``secrets`` as its secret config
    (as `pulumi up` hands them to a program: decrypted, marked secret)."""
    (directory / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (directory / "__main__.py").write_text(program)
    path = directory / "Pulumi.dev.yaml"
    path.write_text("config: {}\n")
    config = {"aws:region": REGION, **{f"consumer:{k}": v for k, v in secrets.items()}}
    stack_file = StackFile(path, config, [f"consumer:{k}" for k in secrets])
    monitor, warnings = run_program(directory, "dev", stack_file, preview=preview)
    # The plan's own settings hold only the Kubernetes version its objects are rendered for.
    settings = load_settings({"runmcp-gateway:gateway": {"image": IMAGE}}, source="test", needs_region=False)
    return Plan.of_run(
        monitor, warnings, project="consumer", stack="dev", stack_file=path, settings=settings, preview=preview
    )


def shown(plan: Plan) -> list[str]:
    """Everything the offline plan shows: the JSON and text plan, the rendered objects, outputs, warnings."""
    text = io.StringIO()
    print_text(plan, text)
    with tempfile.TemporaryDirectory() as directory:
        rendered = "".join(p.read_text() for p in write_manifests(plan, Path(directory)))
    return [json.dumps(plan_document(plan)), text.getvalue(), rendered, json.dumps(plan.outputs), *plan.warnings]


@pytest.fixture(scope="module")
def planned_consumer(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    program = CONSUMER.format(image=IMAGE, private="[s.id for s in private]")
    return consumer(tmp_path_factory.mktemp("consumer"), program, {"upstreamToken": TOKEN})


def test_the_node_groups_and_the_cluster_use_the_consumers_private_subnets(planned_consumer: Plan) -> None:
    plan = planned_consumer
    private = plan.outputs["privateSubnetIds"]
    assert len(private) == 2
    assert all(i.startswith("subnet-") for i in private)
    (cluster,) = of_type(plan, "aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["subnetIds"] == private
    groups = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert groups
    subnet_urns = {r.urn for r in of_type(plan, "aws:ec2/subnet:Subnet") if r.name.startswith("private-")}
    for group in groups:
        assert group.inputs["subnetIds"] == private
        # The Outputs carry their resources along: the node groups wait for the subnets.
        assert subnet_urns <= set(group.dependencies)
    assert not of_type(plan, "aws:ec2/vpc:Vpc")[1:], "the component made no VPC of its own"


def test_the_load_balancer_uses_the_consumers_public_subnets_and_certificate(planned_consumer: Plan) -> None:
    plan = planned_consumer
    (alb,) = of_type(plan, "aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["subnets"] == plan.outputs["publicSubnetIds"]
    listeners = {r.inputs["protocol"]: r for r in of_type(plan, "aws:lb/listener:Listener")}
    assert listeners["HTTPS"].inputs["certificateArn"] == plan.outputs["certificateArn"]
    assert listeners["HTTP"].inputs["defaultActions"][0]["type"] == "redirect"
    assert len(of_type(plan, "aws:acm/certificate:Certificate")) == 1, "the component made no certificate"
    assert plan.outputs["url"].startswith("https://")


def test_a_secret_output_stays_secret_to_the_kubernetes_secret(planned_consumer: Plan) -> None:
    plan = planned_consumer
    assert one(plan, "Secret")["stringData"] == {"UPSTREAM_API_TOKEN": SECRET}
    for text in shown(plan):
        assert TOKEN not in text


def test_a_preview_with_unknown_values_plans(tmp_path: Path) -> None:
    """Under `pulumi preview` the consumer's ids are not known yet: nothing is judged, nothing fails."""
    program = CONSUMER.format(image=IMAGE, private="[s.id for s in private]")
    plan = consumer(tmp_path, program, {"upstreamToken": TOKEN}, preview=True)
    (group, *_) = of_type(plan, "aws:eks/nodeGroup:NodeGroup")
    assert group.inputs.get("subnetIds") in (None, "[unknown]", ["[unknown]", "[unknown]"])


EXISTING = """
import pulumi
import pulumi_aws as aws
from runmcp_gateway import GatewayPlatform

config = pulumi.Config()
vpc = aws.ec2.Vpc("vpc", cidr_block="10.1.0.0/16")
subnets = [
    aws.ec2.Subnet(f"public-{{n}}", vpc_id=vpc.id, cidr_block=f"10.1.{{n}}.0/24", availability_zone_id=f"use1-az{{n}}")
    for n in (1, 2)
]
nodes = aws.ec2.SecurityGroup("nodes", vpc_id=vpc.id, description="the shared cluster's nodes")
pager = aws.sns.Topic("pager")
cluster_name = pulumi.Output.from_input("shared-cluster")
GatewayPlatform("mcp", {{
    "gateway": {{"image": {image!r}}},
    "cluster": {{"existing": {{
        "kubeconfig": config.require_secret("kubeconfig"),
        "name": cluster_name,
        "vpcId": vpc.id,
        "subnetIds": pulumi.Output.all(*[s.id for s in subnets]),
        "nodeSecurityGroupId": nodes.id,
    }}}},
    "load_balancer": {{"deletionProtection": False}},
    "alarms": {{
        "emails": ["ops@example.com", pulumi.Output.from_input("oncall@example.com")],
        "existingTopicArns": pulumi.Output.all(pager.arn),
    }},
}})
pulumi.export("subnetIds", [s.id for s in subnets])
pulumi.export("pager", pager.arn)
"""


@pytest.fixture(scope="module")
def planned_existing(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return consumer(tmp_path_factory.mktemp("existing"), EXISTING.format(image=IMAGE), {"kubeconfig": KUBECONFIG})


def test_an_existing_cluster_takes_its_kubeconfig_as_a_secret_output(planned_existing: Plan) -> None:
    plan = planned_existing
    (provider,) = of_type(plan, "pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == SECRET
    for text in shown(plan):
        assert KUBECONFIG not in text


def test_a_list_given_as_one_output_reaches_the_load_balancer(planned_existing: Plan) -> None:
    plan = planned_existing
    (alb,) = of_type(plan, "aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["subnets"] == plan.outputs["subnetIds"]
    (release,) = [r for r in of_type(plan, "kubernetes:helm.sh/v3:Release") if "controller" in r.name]
    assert release.inputs["values"]["clusterName"] == "shared-cluster"


def test_alarm_recipients_given_as_outputs(planned_existing: Plan) -> None:
    """An email given as an Output is named by its place in the list (its value is not known when
    resources are named); an Output list of topics joins the stack's own topic in every alarm."""
    plan = planned_existing
    emails = {r.name: r.inputs["endpoint"] for r in of_type(plan, "aws:sns/topicSubscription:TopicSubscription")}
    assert emails == {"mcp-alarms-email-ops-example-com": "ops@example.com", "mcp-alarms-email-1": "oncall@example.com"}
    (topic,) = [r for r in of_type(plan, "aws:sns/topic:Topic") if r.name != "pager"]
    alarms = of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarms
    stack_topic = next(r.resource_id for r in plan.resources if r.urn == topic.urn)
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [stack_topic, plan.outputs["pager"]], alarm.name
        assert alarm.inputs["okActions"] == alarm.inputs["alarmActions"]
    workload = [a for a in alarms if "ClusterName" in (a.inputs.get("dimensions") or {})]
    assert workload
    assert {a.inputs["dimensions"]["ClusterName"] for a in workload} == {"shared-cluster"}


BAD = """
import pulumi
from runmcp_gateway import GatewayPlatform

GatewayPlatform("mcp", {{
    "gateway": {{"image": {image!r}}},
    "cluster": {{"existing": {{
        "name": "shared",
        "vpcId": "vpc-0123456789abcdef0",
        "subnetIds": ["subnet-0123456789abcdef0", pulumi.Output.from_input({subnet!r})],
        "nodeSecurityGroupId": "sg-0123456789abcdef0",
    }}}},
    "alarms": {{"httpsEndpoints": [pulumi.Output.secret({hook!r})]}},
}})
"""


def test_a_bad_value_arriving_as_an_output_is_refused_with_its_key(tmp_path: Path) -> None:
    """The same rule and message as for a value written in the stack file, when the value resolves;
    the program stops with the settings error (Pulumi prints a RunError without a traceback)."""
    program = BAD.format(image=IMAGE, subnet="sg-123", hook="https://hooks.example.com/x")
    with pytest.raises(SettingsError) as caught:
        consumer(tmp_path, program, {})
    assert caught.value.lines() == [
        f"{SOURCE}: runmcp-gateway:cluster.existing.subnetIds.1: "
        "'sg-123' is not a subnet id (subnet-...) (got 'sg-123')"
    ]


def test_a_bad_secret_output_is_refused_without_showing_it(tmp_path: Path) -> None:
    hook = "http://hooks.example.com/T0K3N-a81f"
    program = BAD.format(image=IMAGE, subnet="subnet-0123456789abcdef1", hook=hook)
    with pytest.raises(SettingsError) as caught:
        consumer(tmp_path, program, {})
    assert caught.value.lines() == [
        f"{SOURCE}: runmcp-gateway:alarms.httpsEndpoints.0: [secret] is not an https:// URL (got [secret])"
    ]


def resolved(output: Any) -> Any:
    assert isinstance(output, pulumi.Output)
    return _sync_await(output.future())


def test_an_output_where_a_setting_must_be_known_is_refused_before_anything_is_registered(tmp_path: Path) -> None:
    program = (
        "import pulumi\nfrom runmcp_gateway import GatewayPlatform\n"
        f"GatewayPlatform('mcp', {{'gateway': {{'image': {IMAGE!r}}}, "
        "'scaling': {'minReplicas': pulumi.Output.from_input(3)}})\n"
    )
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    monitor = RecordingMonitor(CloudMocks(region=REGION))
    with pytest.raises(SettingsError) as caught:
        run_program(tmp_path, "dev", StackFile(tmp_path / "Pulumi.dev.yaml", {}), monitor)
    (line,) = caught.value.lines()
    assert line.startswith(f"{SOURCE}: runmcp-gateway:scaling.minReplicas: is an Output, but this setting must")
    # No key of scaling takes one: every key that does is named.
    assert line.endswith(", ".join(output_keys(StackSettings)))
    assert monitor.recorded == []


def test_the_keys_that_take_outputs_are_the_ids_arns_names_kubeconfig_secrets_and_endpoints() -> None:
    """What the package schema offers as non-plain inputs and the README lists: whatever another
    resource or stack may hand over. Each entry of a list that takes a whole Output may be one too."""
    assert output_keys(StackSettings) == [
        "cluster.eks.network.existing.vpcId",
        "cluster.eks.network.existing.privateSubnetIds",
        "cluster.eks.network.existing.publicSubnetIds",
        "cluster.eks.adminRoleArns.*",
        "cluster.eks.secretsEncryption.kmsKeyArn",
        "cluster.existing.kubeconfig",
        "cluster.existing.name",
        "cluster.existing.vpcId",
        "cluster.existing.subnetIds",
        "cluster.existing.nodeSecurityGroupId",
        "cluster.existing.privateSubnetIds",
        "gateway.secretEnv.*",
        "loadBalancer.certificateArn",
        "loadBalancer.domain.hostedZoneId",
        "alarms.emails.*",
        "alarms.httpsEndpoints.*",
        "alarms.existingTopicArns",
        "sessionStore.kmsKeyArn",
        "sessionStore.password",
        "sessionStore.host",
    ]


def test_a_whole_section_as_an_output_is_refused_naming_the_keys_that_take_one() -> None:
    """A secret read with requireSecret, say, holding the whole gateway section."""
    args = {"gateway": pulumi.Output.secret({"image": IMAGE, "secretEnv": {"T": "x"}})}
    with pytest.raises(SettingsError) as caught:
        settings_from_args(args, SOURCE)
    assert caught.value.lines() == [
        f"{SOURCE}: runmcp-gateway:gateway: is an Output, but this setting must be known when the program runs "
        "(it is checked, and shapes what is made, before any resource exists); the keys that take Outputs here "
        "are gateway.secretEnv.*"
    ]


def test_known_values_beside_outputs_are_still_checked_before_anything_is_made() -> None:
    args = {
        "gateway": {"image": IMAGE},
        "cluster": {
            "eks": {
                "network": {
                    "existing": {
                        "vpcId": pulumi.Output.from_input("vpc-0123456789abcdef0"),
                        "privateSubnetIds": ["subnet-1", pulumi.Output.from_input("subnet-0123456789abcdef0")],
                    }
                }
            }
        },
    }
    with pytest.raises(SettingsError) as caught:
        settings_from_args(args, SOURCE)
    assert caught.value.lines() == [
        f"{SOURCE}: runmcp-gateway:cluster.eks.network.existing.privateSubnetIds.0: "
        "'subnet-1' is not a subnet id (subnet-...) (got 'subnet-1')"
    ]


def test_the_settings_hold_the_checked_output_and_hand_it_on() -> None:
    """An Output setting is held as the Output of its checked value (a secret one stays secret), and
    platform_args hands it on as an arg for the next component."""
    token = pulumi.Output.secret("t0ken")
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/x"
    args = {
        "gateway": {"image": IMAGE, "secretEnv": {"TOKEN": token}},
        "load_balancer": {"certificateArn": pulumi.Output.from_input(certificate)},
    }
    settings = settings_from_args(args, SOURCE)
    held = settings.gateway.secret_env["TOKEN"]
    assert isinstance(held, pulumi.Output)
    assert resolved(held) == "t0ken"
    assert _sync_await(held.is_secret())
    again = settings_from_args(platform_args(settings), SOURCE)
    assert resolved(again.load_balancer.certificate_arn) == certificate
    assert again.load_balancer.https, "a certificate given as an Output still decides HTTPS"


def test_a_settings_model_built_directly_checks_an_output_when_it_resolves() -> None:
    vpc = ExistingVpc(
        vpc_id=pulumi.Output.from_input("vpc-12"),
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    with pytest.raises(SettingsError, match=r"runmcp-gateway:vpcId: 'vpc-12' is not a VPC id"):
        resolved(vpc.vpc_id)


def test_an_instance_given_as_an_output_is_refused() -> None:
    """The instance becomes part of resource names, which Pulumi needs before anything is made."""
    with pytest.raises(pulumi.RunError, match=rf"^{SOURCE}: the instance is Output, not text known when the program"):
        check_names(TYPE_TOKEN, "mcp", pulumi.Output.from_input("dev"))


def test_an_entry_given_as_an_output_is_named_by_its_place_and_checked_for_clashes() -> None:
    """A role named "1" and an Output in second place would both make the access entry '...-admin-1'."""
    role = "arn:aws:iam::123456789012:role/1"
    arns = [role, pulumi.Output.from_input("arn:aws:iam::123456789012:role/ops")]
    with pytest.raises(SettingsError) as caught:
        settings_from_args({"gateway": {"image": IMAGE}, "cluster": {"eks": {"adminRoleArns": arns}}}, SOURCE)
    assert caught.value.lines() == [
        f"{SOURCE}: runmcp-gateway:cluster.eks.adminRoleArns.1: the Output at entry 1 and entry 0 ({role!r}) would "
        "both make the access entry named '...-1' (Pulumi refuses two resources with one URN); keep one"
    ]


def test_an_awaitable_counts_as_an_output() -> None:
    """pulumi.Input allows an awaitable too: it is checked as it resolves, like an Output."""

    async def certificate() -> str:
        return "arn:aws:acm:us-east-1:123456789012:not-a-certificate"

    settings = settings_from_args(
        {"gateway": {"image": IMAGE}, "load_balancer": {"certificateArn": certificate()}}, SOURCE
    )
    with pytest.raises(
        SettingsError, match=r"runmcp-gateway:loadBalancer.certificateArn: .* is not an ACM certificate"
    ):
        resolved(settings.load_balancer.certificate_arn)
