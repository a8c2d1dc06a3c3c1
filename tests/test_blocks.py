"""Each building block refuses on its own what the platform refuses: a rule about one section's data
lives on that section's model, so the model alone refuses it (naming the key), a block given that
section alone refuses it before registering anything (naming the component and the key), and the
stack file still gets the error under the full key path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
from pydantic import BaseModel, ValidationError

from components.block_args import ComponentArgsError
from components.config import read_stack_file
from components.offline.mocks import CloudMocks
from components.offline.runner import PlannedResource, RecordingMonitor, run_program
from components.settings import (
    AlarmSettings,
    ClusterSettings,
    EksSettings,
    GatewaySettings,
    HealthCheckSettings,
    LoadBalancerSettings,
    NetworkSettings,
    NodeGroupSettings,
    Resources,
    ScalingSettings,
    SecretsEncryption,
    validate_section,
)
from tests.conftest import IMAGE, REGION, WriteStack, assert_refused

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ADMIN = "arn:aws:iam::123456789012:role/admins"

# (stack-file path of the section, its model, the section's data, the key below it, a message fragment)
INVARIANTS: dict[str, tuple[tuple[str, ...], type[BaseModel], dict[str, Any], str, str]] = {
    "replicas min above max": (
        ("scaling",),
        ScalingSettings,
        {"minReplicas": 5, "maxReplicas": 2},
        "minReplicas",
        "minReplicas (5) is greater than maxReplicas (2)",
    ),
    "node group min above max": (
        ("cluster", "eks", "nodeGroups", "web"),
        NodeGroupSettings,
        {"minSize": 4, "maxSize": 3},
        "minSize",
        "minSize (4) is greater than maxSize (3)",
    ),
    "node group of two architectures": (
        ("cluster", "eks", "nodeGroups", "web"),
        NodeGroupSettings,
        {"instanceTypes": ["m6i.large", "m7g.large"]},
        "instanceTypes",
        "mixes x86_64 and arm64",
    ),
    "a key made and a key given": (
        ("cluster", "eks", "secretsEncryption"),
        SecretsEncryption,
        {"createKey": True, "kmsKeyArn": KMS_KEY},
        "",
        "set createKey or kmsKeyArn, not both",
    ),
    "cpu request above its limit": (
        ("gateway", "resources"),
        Resources,
        {"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}},
        "requests.cpu",
        "request 2 is above the limit 500m",
    ),
    "memory request above its limit": (
        ("gateway", "resources"),
        Resources,
        {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}},
        "requests.memory",
        "request 2Gi is above the limit 1Gi",
    ),
    "a zero cpu request": (
        ("gateway", "resources"),
        Resources,
        {"requests": {"cpu": "0"}},
        "requests.cpu",
        "must be at least 1m",
    ),
    "the port in the args": (
        ("gateway",),
        GatewaySettings,
        {"image": IMAGE, "args": ["serve", "--port=9000"]},
        "args",
        "remove --port",
    ),
    "a variable both plain and secret": (
        ("gateway",),
        GatewaySettings,
        {"image": IMAGE, "env": {"TOKEN": "a"}, "secretEnv": {"TOKEN": "b"}},
        "secretEnv.TOKEN",
        "is also set in gateway.env",
    ),
    "specs over the home": (
        ("gateway",),
        GatewaySettings,
        {"image": IMAGE, "specsPath": "/app/.hapi"},
        "specsPath",
        "must differ from gateway.homePath",
    ),
    "an admin role twice": (
        ("cluster", "eks"),
        EksSettings,
        {"adminRoleArns": [ADMIN, ADMIN]},
        "adminRoleArns.1",
        "is listed twice",
    ),
    "a made VPC's range beside an existing VPC": (
        ("cluster", "eks", "network"),
        NetworkSettings,
        {
            "cidr": "10.1.0.0/16",
            "existing": {
                "vpcId": "vpc-0123456789abcdef0",
                "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            },
        },
        "cidr",
        "has no effect with network.existing",
    ),
    "eks and an existing cluster": (
        ("cluster",),
        ClusterSettings,
        {"eks": {}, "existing": {}},
        "",
        "set either 'eks'",
    ),
    "a health check timeout as long as its interval": (
        ("loadBalancer", "healthCheck"),
        HealthCheckSettings,
        {"intervalSeconds": 10, "timeoutSeconds": 10},
        "timeoutSeconds",
        "must be shorter than intervalSeconds",
    ),
    "load balancer settings with kind none": (
        ("loadBalancer",),
        LoadBalancerSettings,
        {"kind": "none", "scheme": "internal"},
        "scheme",
        "has no effect with kind: none",
    ),
    "a client range twice": (
        ("loadBalancer",),
        LoadBalancerSettings,
        {"allowedCidrs": ["10.0.0.0/8", "10.0.0.0/8"]},
        "allowedCidrs.1",
        "is listed twice",
    ),
    "alarm settings with alarms off": (
        ("alarms",),
        AlarmSettings,
        {"enabled": False, "emails": ["ops@example.com"]},
        "emails",
        "has no effect with enabled: false",
    ),
    "two addresses, one subscription name": (
        ("alarms",),
        AlarmSettings,
        {"emails": ["ops@example.com", "OPS@example.com"]},
        "emails.1",
        "would both make the email subscription",
    ),
}


@pytest.mark.parametrize("case", INVARIANTS, ids=list(INVARIANTS))
def test_the_sections_model_alone_refuses_it(case: str) -> None:
    _, model, data, key, fragment = INVARIANTS[case]
    with pytest.raises(ValidationError):
        model.model_validate(data)
    validated, problems = validate_section(model, data)
    assert validated is None
    assert [p.key for p in problems] == [key or "(top level)"]
    assert fragment in problems[0].message


@pytest.mark.parametrize("case", INVARIANTS, ids=list(INVARIANTS))
def test_the_stack_file_still_names_the_full_key_path(case: str, write_stack: WriteStack) -> None:
    path, _, data, key, fragment = INVARIANTS[case]
    config: dict[str, Any] = {"gateway": {"image": IMAGE}}
    node = config
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = {**node.get(path[-1], {}), **data}
    assert_refused(write_stack(config), ".".join([*path, key]) if key else ".".join(path), fragment)


# --- The blocks on their own ------------------------------------------------------------------------

PRELUDE = """
import pulumi
import pulumi_kubernetes as k8s
from components.alarms import ClusterAlarms, GatewayAlarms
from components.autoscaling import GatewayAutoscaler
from components.cluster import EksCluster, ExistingCluster
from components.gateway import GatewayWorkload, WorkloadContext
from components.iam import AwsAccount
from components.load_balancer import GatewayLoadBalancer, LoadBalancerController
from components.network import Network
from components.node_autoscaling import ClusterAutoscaler
from components.settings import ScalingSettings

cluster = k8s.Provider("cluster", kubeconfig="{}", enable_server_side_apply=True)
in_cluster = pulumi.ResourceOptions(providers={"kubernetes": cluster})
owner = pulumi.ComponentResource("consumer:index:Owner", "owner")
account = AwsAccount(parent=owner)
deployment = k8s.apps.v1.Deployment(
    "deployment", metadata={"name": "gw", "namespace": "gw"}, spec={}, opts=pulumi.ResourceOptions(provider=cluster)
)
"""

# How each block is built: {name} and {settings} are filled in.
BLOCKS = {
    "runmcp:index:GatewayAutoscaler": (
        "GatewayAutoscaler({name!r}, {settings}, deployment, labels={{}}, opts=in_cluster)"
    ),
    "runmcp:index:GatewayWorkload": (
        "GatewayWorkload({name!r}, {settings}, WorkloadContext(instance='dev', kubernetes_version='1.33'), "
        "opts=in_cluster)"
    ),
    "runmcp:index:EksCluster": (
        "EksCluster({name!r}, {settings}, '1.33', cluster_name='c1', tags={{}}, account=account)"
    ),
    "runmcp:index:Network": "Network({name!r}, {settings}, tags={{}}, instance_types=['m6i.large'])",
    "runmcp:index:ExistingCluster": "ExistingCluster({name!r}, {settings}, '1.33', given=cluster)",
    "runmcp:index:ClusterAutoscaler": (
        "ClusterAutoscaler({name!r}, {settings}, cluster_name='c1', node_groups=[], kubernetes_version='1.33', "
        "account=account, namespace='controllers', tags={{}}, opts=in_cluster)"
    ),
    "runmcp:index:LoadBalancerController": (
        "LoadBalancerController({name!r}, {settings}, cluster_name='c1', region='us-east-1', "
        "vpc_id='vpc-0123456789abcdef0', namespace='controllers', tags={{}}, opts=in_cluster)"
    ),
    "runmcp:index:GatewayLoadBalancer": (
        "GatewayLoadBalancer({name!r}, {{'load_balancer': {settings}, 'gateway': {{'image': IMAGE}}, "
        "'vpc_id': 'vpc-0123456789abcdef0', 'subnet_ids': ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], "
        "'target_security_group_id': 'sg-0123456789abcdef0', 'instance': 'dev'}}, account=account)"
    ),
    "runmcp:index:GatewayAlarms": (
        "GatewayAlarms({name!r}, {{'alarms': {settings}, 'scaling': {{'minReplicas': 2, 'maxReplicas': 10}}, "
        "'alarm_actions': ['arn:aws:sns:us-east-1:123456789012:ops'], 'cluster_name': 'c1', 'namespace': 'gw', "
        "'service_name': 'gw', 'dashboard_name': 'dash', 'instance': 'dev'}}, account=account)"
    ),
    "runmcp:index:ClusterAlarms": "ClusterAlarms({name!r}, {settings}, cluster_name='c1', tags={{}}, account=account)",
}
GOOD: dict[str, Any] = {
    "runmcp:index:GatewayWorkload": {"image": IMAGE},
    "runmcp:index:EksCluster": {"protect": False},
    "runmcp:index:GatewayAlarms": {"existingTopicArns": ["arn:aws:sns:us-east-1:123456789012:more"]},
    "runmcp:index:ClusterAlarms": {"emails": ["ops@example.com"]},
}
NAME = "blk"
SECTION_ARG = {"runmcp:index:GatewayLoadBalancer": "loadBalancer", "runmcp:index:GatewayAlarms": "alarms"}
"""The blocks whose args hold their section under a key (they are components in every language)."""


def _key(token: str, key: str) -> str:
    """A settings key as the block names it."""
    return f"{SECTION_ARG[token]}.{key}" if token in SECTION_ARG else key


def _program(token: str, settings: str, name: str = NAME) -> str:
    return PRELUDE + f"IMAGE = {IMAGE!r}\n" + BLOCKS[token].format(name=name, settings=settings) + "\n"


def _run(tmp_path: Path, program: str) -> tuple[RecordingMonitor, ComponentArgsError | None]:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {REGION}\n")
    monitor = RecordingMonitor(CloudMocks(region=REGION))
    try:
        run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"), monitor)
    except ComponentArgsError as err:
        return monitor, err
    return monitor, None


def _of_block(monitor: RecordingMonitor, name: str = NAME) -> list[PlannedResource]:
    """The block itself and its children (whose names start with the block's)."""
    return [r for r in monitor.recorded if r.name == name or r.name.startswith(f"{name}-")]


def _refused(tmp_path: Path, token: str, program: str, name: str = NAME) -> list[str]:
    monitor, err = _run(tmp_path, program)
    assert err is not None, "accepted"
    assert isinstance(err, pulumi.RunError)  # Pulumi prints it without a traceback
    assert _of_block(monitor, name) == []
    assert monitor.recorded, "the program's own resources before the block are registered: the check is not vacuous"
    assert all(line.startswith(f"{token} {name}: ") for line in err.lines())
    return err.lines()


@pytest.mark.parametrize("token", BLOCKS)
def test_each_block_given_good_settings_registers_its_resources(token: str, tmp_path: Path) -> None:
    """The control for the refusals below: the same program with good settings does register."""
    monitor, err = _run(tmp_path, _program(token, repr(GOOD.get(token, {}))))
    assert err is None
    assert [r.type for r in _of_block(monitor) if r.name == NAME] == [token]


# (the block, its settings, the key named, a message fragment)
BLOCK_REFUSALS: dict[str, tuple[str, str, str, str]] = {
    "replicas min above max": (
        "runmcp:index:GatewayAutoscaler",
        "{'minReplicas': 5, 'maxReplicas': 2}",
        "minReplicas",
        "minReplicas (5) is greater than maxReplicas (2)",
    ),
    "a model made without validation": (
        "runmcp:index:GatewayAutoscaler",
        "ScalingSettings.model_construct(min_replicas=5, max_replicas=2)",
        "minReplicas",
        "minReplicas (5) is greater than maxReplicas (2)",
    ),
    "a model made without validation, a field of the wrong type": (
        "runmcp:index:GatewayAutoscaler",
        "ScalingSettings.model_construct(target_cpu_utilization='high')",
        "targetCpuUtilization",
        "valid integer",
    ),
    "a misspelt key": (
        "runmcp:index:GatewayAutoscaler",
        "{'maxReplica': 5}",
        "maxReplica",
        "unknown key (did you mean 'maxReplicas'?)",
    ),
    "not a mapping": ("runmcp:index:GatewayAutoscaler", "[2, 10]", "settings", "valid dictionary"),
    "the port in the args": (
        "runmcp:index:GatewayWorkload",
        f"{{'image': {IMAGE!r}, 'args': ['--port', '9000']}}",
        "args",
        "remove --port",
    ),
    "a request above its limit": (
        "runmcp:index:GatewayWorkload",
        f"{{'image': {IMAGE!r}, 'resources': {{'requests': {{'memory': '2Gi'}}, 'limits': {{'memory': '1Gi'}}}}}}",
        "resources.requests.memory",
        "above the limit",
    ),
    "node group min above max": (
        "runmcp:index:EksCluster",
        "{'nodeGroups': {'web': {'minSize': 4, 'maxSize': 3}}}",
        "nodeGroups.web.minSize",
        "minSize (4) is greater than maxSize (3)",
    ),
    "node group of two architectures": (
        "runmcp:index:EksCluster",
        "{'nodeGroups': {'web': {'instanceTypes': ['m6i.large', 'm7g.large']}}}",
        "nodeGroups.web.instanceTypes",
        "mixes x86_64 and arm64",
    ),
    "a key made and a key given": (
        "runmcp:index:EksCluster",
        f"{{'secretsEncryption': {{'createKey': True, 'kmsKeyArn': {KMS_KEY!r}}}}}",
        "secretsEncryption",
        "set createKey or kmsKeyArn, not both",
    ),
    "a made VPC's range beside an existing VPC": (
        "runmcp:index:Network",
        "{'cidr': '10.1.0.0/16', 'existing': {'vpcId': 'vpc-0123456789abcdef0', "
        "'privateSubnetIds': ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1']}}",
        "cidr",
        "has no effect with network.existing",
    ),
    "a misspelt kubeconfig key": (
        "runmcp:index:ExistingCluster",
        "{'kubeconfg': 'x'}",
        "kubeconfg",
        "did you mean 'kubeconfig'?",
    ),
    "autoscaler disabled": ("runmcp:index:ClusterAutoscaler", "{'enabled': False}", "enabled", "leave this component"),
    "controller not installed": (
        "runmcp:index:LoadBalancerController",
        "{'install': False}",
        "install",
        "leave this component",
    ),
    "a health check timeout as long as its interval": (
        "runmcp:index:GatewayLoadBalancer",
        "{'healthCheck': {'intervalSeconds': 10, 'timeoutSeconds': 10}}",
        "healthCheck.timeoutSeconds",
        "must be shorter than intervalSeconds",
    ),
    "no load balancer": ("runmcp:index:GatewayLoadBalancer", "{'kind': 'none'}", "kind", "leave this component"),
    "alarm settings with alarms off": (
        "runmcp:index:GatewayAlarms",
        "{'enabled': False, 'emails': ['ops@example.com']}",
        "emails",
        "has no effect with enabled: false",
    ),
    "an address twice": (
        "runmcp:index:GatewayAlarms",
        "{'emails': ['ops@example.com', 'ops@example.com']}",
        "emails.1",
        "is listed twice",
    ),
}


@pytest.mark.parametrize("case", BLOCK_REFUSALS, ids=list(BLOCK_REFUSALS))
def test_a_block_alone_refuses_before_registering_anything(case: str, tmp_path: Path) -> None:
    token, settings, key, fragment = BLOCK_REFUSALS[case]
    lines = _refused(tmp_path, token, _program(token, settings))
    matching = [line for line in lines if line.startswith(f"{token} {NAME}: {_key(token, key)}: ")]
    assert matching, lines
    assert any(fragment in line for line in matching), matching


# Arguments beside the settings, and the name (the program text with the block's call edited).
ARG_REFUSALS: dict[str, tuple[str, tuple[str, str], str, str]] = {
    "an EKS cluster name with a space and a slash": (
        "runmcp:index:EksCluster",
        ("cluster_name='c1'", "cluster_name='my cluster/1'"),
        "clusterName",
        "is not an EKS cluster name",
    ),
    "an instance type the capacity table lacks": (
        "runmcp:index:Network",
        ("instance_types=['m6i.large']", "instance_types=['m6i.huge']"),
        "instanceTypes",
        "is not in the capacity table",
    ),
    "an unsupported Kubernetes version": (
        "runmcp:index:ClusterAutoscaler",
        ("kubernetes_version='1.33'", "kubernetes_version='1.29'"),
        "kubernetesVersion",
        "'1.30'",
    ),
    "an instance AWS names cannot carry": (
        "runmcp:index:GatewayWorkload",
        ("instance='dev'", "instance='Dev.1'"),
        "context.instance",
        "must be 1 to 40 lower-case letters",
    ),
    "a privileged port": (
        "runmcp:index:GatewayLoadBalancer",
        ("'gateway': {'image': IMAGE}", "'gateway': {'image': IMAGE, 'port': 80}"),
        "gateway.port",
        "greater than or equal to 1024",
    ),
    "a load balancer in one subnet": (
        "runmcp:index:GatewayLoadBalancer",
        ("['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1']", "['subnet-0123456789abcdef0']"),
        "subnetIds",
        "two or more zones",
    ),
    "a load balancer's instance AWS names cannot carry": (
        "runmcp:index:GatewayLoadBalancer",
        ("'instance': 'dev'", "'instance': 'Dev.1'"),
        "instance",
        "must be 1 to 40 lower-case letters",
    ),
    "a pause too short for the ALB": (
        "runmcp:index:GatewayLoadBalancer",
        ("'gateway': {'image': IMAGE}", "'gateway': {'image': IMAGE, 'shutdown': {'preStopSeconds': 5}}"),
        "gateway.shutdown.preStopSeconds",
        "behind an ALB the pause must last at least",
    ),
    "alarms with the cluster's subscribers": (
        "runmcp:index:GatewayAlarms",
        ("{'alarms': {", "{'alarms': {'emails': ['ops@example.com'], "),
        "alarms.emails",
        "belongs to the cluster",
    ),
    "alarms with nothing to watch": (
        "runmcp:index:GatewayAlarms",
        ("'cluster_name': 'c1', ", ""),
        "clusterName",
        "nothing to watch",
    ),
    "a dashboard name CloudWatch refuses": (
        "runmcp:index:GatewayAlarms",
        ("'dashboard_name': 'dash'", "'dashboard_name': 'my dash'"),
        "dashboardName",
        "CloudWatch dashboard name",
    ),
    "replica bounds of the alarms crossed": (
        "runmcp:index:GatewayAlarms",
        ("'minReplicas': 2, 'maxReplicas': 10", "'minReplicas': 20, 'maxReplicas': 10"),
        "scaling.minReplicas",
        "minReplicas (20) is greater than maxReplicas (10)",
    ),
}


@pytest.mark.parametrize("case", ARG_REFUSALS, ids=list(ARG_REFUSALS))
def test_a_blocks_other_arguments_are_checked_before_anything_is_registered(case: str, tmp_path: Path) -> None:
    token, (good, bad), key, fragment = ARG_REFUSALS[case]
    program = _program(token, repr(GOOD.get(token, {})))
    assert good in program
    lines = _refused(tmp_path, token, program.replace(good, bad))
    matching = [line for line in lines if line.startswith(f"{token} {NAME}: {key}: ")]
    assert matching, lines
    assert any(fragment in line for line in matching), matching


@pytest.mark.parametrize("token", BLOCKS)
def test_every_block_refuses_a_name_aws_names_cannot_carry(token: str, tmp_path: Path) -> None:
    """The issue's EKS cluster "with a space and a slash" planned: a block's name starts its
    resources' names, AWS ones among them."""
    name = "web Gateway/1"
    lines = _refused(tmp_path, token, _program(token, repr(GOOD.get(token, {})), name=name), name=name)
    assert lines == [
        f"{token} {name}: name: {name!r} must be 1 to 100 lower-case letters, digits and hyphens, "
        "starting with a letter and not ending with a hyphen (it becomes part of AWS names)"
    ]


def test_a_node_group_whose_launch_template_name_would_not_fit_is_refused(tmp_path: Path) -> None:
    """Each node group's launch template is auto-named "<block>-<group>" plus 8 characters, and AWS
    allows 128: a long block name and a long group name fit separately, not together."""
    token, group = "runmcp:index:EksCluster", "g" * 63
    settings = repr({"nodeGroups": {group: {}}, "protect": False})
    monitor, err = _run(tmp_path, _program(token, settings, name="e" * 50))
    assert err is None, "a 50-character block name leaves room"
    assert _of_block(monitor, "e" * 50)
    name = "e" * 60
    lines = _refused(tmp_path, token, _program(token, settings, name=name), name=name)
    assert len(lines) == 1
    assert lines[0].startswith(f"{token} {name}: nodeGroups.{group}: the launch template {name}-{group} and ")


# The block each stack-file section is handed to (ClusterSettings as a whole goes to none: the
# platform picks EksCluster or ExistingCluster from it).
SECTION_BLOCKS = {
    ("scaling",): "runmcp:index:GatewayAutoscaler",
    ("gateway",): "runmcp:index:GatewayWorkload",
    ("cluster", "eks"): "runmcp:index:EksCluster",
    ("loadBalancer",): "runmcp:index:GatewayLoadBalancer",
    ("alarms",): "runmcp:index:GatewayAlarms",
}
IN_A_BLOCK = [case for case, (path, *_) in INVARIANTS.items() if any(path[: len(s)] == s for s in SECTION_BLOCKS)]


@pytest.mark.parametrize("case", IN_A_BLOCK, ids=IN_A_BLOCK)
def test_the_block_given_the_section_refuses_it_too(case: str, tmp_path: Path) -> None:
    """Every invariant of the table above, through the block that takes its section."""
    path, _, data, key, fragment = INVARIANTS[case]
    (section,) = [s for s in SECTION_BLOCKS if path[: len(s)] == s]
    token = SECTION_BLOCKS[section]
    settings: dict[str, Any] = dict(GOOD.get(token, {}))
    node, below = settings, path[len(section) :]
    for part in below[:-1]:
        node = node.setdefault(part, {})
    if below:
        node[below[-1]] = data
    else:
        settings.update(data)
    lines = _refused(tmp_path, token, _program(token, repr(settings)))
    named = _key(token, ".".join([*below, key]) if key else ".".join(below) or "settings")
    matching = [line for line in lines if line.startswith(f"{token} {NAME}: {named}: ")]
    assert matching, lines
    assert any(fragment in line for line in matching), matching
