"""GatewayCluster and Gateway in other languages: the schema offers both with typed inputs and
outputs, GatewayCluster's `handle` output is what a Gateway takes as its `cluster` input, and the
YAML example (one cluster, two gateways) runs offline as the provider host would run it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
import yaml

from components.offline.mocks import CloudMocks
from components.offline.runner import RecordingMonitor, run_in_mocks
from components.package_schema import PackageProvider
from components.settings import SettingsError
from tests.conftest import IMAGE, PROJECT_DIR
from tests.test_package import _unknown

EXAMPLE = PROJECT_DIR / "examples" / "yaml-two-gateways" / "Pulumi.yaml"
SCHEMA = json.loads((PROJECT_DIR / "provider" / "schema.json").read_text())
CLUSTER, GATEWAY, HANDLE = "runmcp:index:GatewayCluster", "runmcp:index:Gateway", "runmcp:index:ClusterHandle"
REFERENCE = re.compile(r"^\$\{(\w+)\.(\w+)\}$")


def test_the_schema_has_the_cluster_and_the_gateway_with_typed_inputs_and_outputs() -> None:
    resources = SCHEMA["resources"]
    assert {"runmcp:index:GatewayPlatform", CLUSTER, GATEWAY} <= set(resources)
    cluster, gateway = resources[CLUSTER], resources[GATEWAY]
    assert cluster["isComponent"]
    assert gateway["isComponent"]
    assert "Load Balancer Controller" in cluster["description"]
    assert "Application Load Balancer" in gateway["description"]
    assert cluster["inputProperties"]["cluster"]["$ref"] == "#/types/runmcp:index:ClusterSettings"
    assert cluster["inputProperties"]["loadBalancerController"]["$ref"] == "#/types/runmcp:index:ControllerSettings"
    assert cluster["properties"]["handle"]["$ref"] == f"#/types/{HANDLE}"
    assert "handle" in cluster["required"]
    assert "`cluster`" in cluster["properties"]["handle"]["description"]
    # The handle goes in whole and may come from another resource (it is GatewayCluster's output).
    assert gateway["requiredInputs"] == ["cluster", "gateway"]
    assert gateway["inputProperties"]["cluster"]["$ref"] == f"#/types/{HANDLE}"
    assert "plain" not in gateway["inputProperties"]["cluster"]
    assert gateway["inputProperties"]["gateway"]["$ref"] == "#/types/runmcp:index:GatewaySettings"
    assert {"namespace", "url", "hpaName", "targetGroupArnSuffix"} <= set(gateway["properties"])


def test_the_handle_is_a_named_type_of_facts_from_resources_the_kubeconfig_secret() -> None:
    handle = SCHEMA["types"][HANDLE]
    assert handle["required"] == ["kubernetesVersion", "owner"]
    assert {
        "kubeconfig",
        "clusterName",
        "vpcId",
        "publicSubnetIds",
        "privateSubnetIds",
        "nodeSecurityGroupId",
        "loadBalancerControllerRoleName",
        "alarmActions",
        "nodeAlarmArns",
    } <= set(handle["properties"])
    # Known when the program runs (the gateway's objects and claims need them); every other fact
    # may come unknown from the cluster's resources.
    assert sorted(k for k, p in handle["properties"].items() if p.get("plain")) == ["kubernetesVersion", "owner"]
    assert all("plain" not in p.get("items", {}) for p in handle["properties"].values())
    assert [k for k, p in handle["properties"].items() if p.get("secret")] == ["kubeconfig"]
    assert handle["properties"]["kubernetesVersion"]["$ref"] == "#/types/runmcp:index:KubernetesVersion"
    assert all(p.get("description") for p in handle["properties"].values())


def _example() -> dict[str, Any]:
    program: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return program


def _schema_problems(program: dict[str, Any]) -> list[str]:
    """What a YAML program sets that the schema does not offer (keys, enums, required inputs),
    and references from an output to an input of another type."""
    problems = []
    for name, resource in program["resources"].items():
        spec = SCHEMA["resources"][resource["type"]]
        missing = set(spec["requiredInputs"]) - set(resource["properties"])
        problems += [f"{name}.{key}: required" for key in sorted(missing)]
        for key, value in resource["properties"].items():
            found = REFERENCE.match(value) if isinstance(value, str) else None
            if key not in spec["inputProperties"]:
                problems.append(f"{name}.{key}: not in the schema")
            elif found is not None:
                owner, output = found.groups()
                made = SCHEMA["resources"][program["resources"][owner]["type"]]
                if made["properties"][output].get("$ref") != spec["inputProperties"][key]["$ref"]:
                    problems.append(f"{name}.{key}: {value} is not a {spec['inputProperties'][key]['$ref']}")
            else:
                problems += _unknown(value, spec["inputProperties"][key], SCHEMA["types"], f"{name}.{key}")
    return problems


def test_the_yaml_example_uses_only_what_the_schema_offers() -> None:
    program = _example()
    kinds = [r["type"] for r in program["resources"].values()]
    assert sorted(kinds) == [GATEWAY, GATEWAY, CLUSTER]
    assert _schema_problems(program) == []
    for value in program["outputs"].values():
        owner, output = REFERENCE.match(value).groups()  # type: ignore[union-attr]
        assert output in SCHEMA["resources"][program["resources"][owner]["type"]]["properties"], value


def test_the_schema_check_of_the_yaml_example_can_fail() -> None:
    program = _example()
    program["resources"]["payments"]["properties"]["cluster"] = "${shared.clusterName}"
    program["resources"]["catalog"]["properties"]["gateway"]["namespac"] = "x"
    del program["resources"]["catalog"]["properties"]["cluster"]
    assert _schema_problems(program) == [
        "payments.cluster: ${shared.clusterName} is not a #/types/runmcp:index:ClusterHandle",
        "catalog.cluster: required",
        "catalog.gateway.namespac: not in the schema",
    ]


def test_the_readme_wires_the_resources_as_the_schema_offers() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    (block,) = [b.split("```", 1)[0] for b in readme.split("```yaml\n")[1:] if "runmcp:index:Gateway" in b]
    program = yaml.safe_load(block)
    assert _schema_problems(program) == []
    # And it plans, with the example's settings beside it.
    monitor = _run({**_example(), "resources": program["resources"], "outputs": {}})
    namespaces = {r.inputs["metadata"]["name"] for r in monitor.recorded if r.type == "kubernetes:core/v1:Namespace"}
    assert {"mcp-payments", "mcp-catalog"} <= namespaces


def _as_the_host(program: dict[str, Any]) -> Callable[[], None]:
    """The program's resources constructed as Pulumi's provider host does (PackageProvider: the
    schema's inputs mapped onto the args, the outputs back onto the schema's names), each output a
    later resource references handed over as the engine hands it over."""
    host = PackageProvider()

    def body() -> None:
        state: dict[str, dict[str, Any]] = {}

        def resolved(value: Any) -> Any:
            if isinstance(value, str) and (found := REFERENCE.match(value)):
                return state[found.group(1)][found.group(2)]
            if isinstance(value, dict):
                return {k: resolved(v) for k, v in value.items()}
            return value

        for name, resource in program["resources"].items():
            kind = resource["type"].rsplit(":", 1)[-1]
            definition = host._component_defs[kind]
            args = host.map_inputs(resolved(resource["properties"]), definition)
            component = host._components[kind](name, args, None)  # type: ignore[call-arg]
            state[name] = host.get_state(component, definition)
        for output, value in program["outputs"].items():
            pulumi.export(output, resolved(value))

    return body


def _run(program: dict[str, Any]) -> RecordingMonitor:
    config = {k: str(v) for k, v in program["config"].items() if isinstance(v, str)}
    monitor = RecordingMonitor(CloudMocks(region=config.get("aws:region")))
    run_in_mocks(_as_the_host(program), program["name"], "dev", config, [], monitor)
    return monitor


@pytest.fixture(scope="module")
def planned() -> RecordingMonitor:
    return _run(_example())


def test_the_yaml_example_plans_two_gateways_on_one_cluster(planned: RecordingMonitor) -> None:
    recorded = planned.recorded
    namespaces = {r.inputs["metadata"]["name"] for r in recorded if r.type == "kubernetes:core/v1:Namespace"}
    assert namespaces == {"runmcp-system", "mcp-payments", "mcp-catalog"}
    assert sorted(r.name for r in recorded if r.type == "aws:eks/cluster:Cluster") == ["shared-cluster-eks"]
    hpas = sorted(
        (r.name, r.inputs["spec"]["maxReplicas"])
        for r in recorded
        if r.type == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
    )
    assert hpas == [("catalog-autoscaling-hpa", 4), ("payments-autoscaling-hpa", 6)]
    groups = [r.name for r in recorded if r.type == "aws:lb/targetGroup:TargetGroup"]
    assert sorted(g.split("-")[0] for g in groups) == ["catalog", "payments"]
    # The cluster's one controller role may bind each gateway's target group.
    binds = [r for r in recorded if r.type == "aws:iam/rolePolicy:RolePolicy" and "binds" in r.name]
    assert sorted(b.name.split("-")[0] for b in binds) == ["catalog", "payments"]
    assert len({json.dumps(b.inputs["role"]) for b in binds}) == 1
    assert {r.name.split("-")[0] for r in recorded if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"} >= {
        "shared",
        "payments",
        "catalog",
    }
    assert set(planned.stack_outputs) == {"clusterName", "alarmTopicArn", "paymentsUrl", "catalogUrl"}


def test_each_gateway_in_another_language_reaches_the_cluster_by_the_handles_kubeconfig(
    planned: RecordingMonitor,
) -> None:
    providers = {r.name: r for r in planned.recorded if r.type == "pulumi:providers:kubernetes"}
    assert {"payments-k8s", "catalog-k8s"} <= set(providers)
    for gateway in ("payments", "catalog"):
        urn = providers[f"{gateway}-k8s"].urn
        objects = [r for r in planned.recorded if r.type.startswith("kubernetes:") and r.name.startswith(gateway)]
        assert objects
        assert {r.provider for r in objects} == {urn}, gateway
        # The kubeconfig is the cluster's, and stays a secret.
        assert providers[f"{gateway}-k8s"].inputs["kubeconfig"] == "[secret]"


def _with_gateways(**changes: dict[str, Any]) -> dict[str, Any]:
    program = _example()
    for name, gateway in changes.items():
        program["resources"][name]["properties"]["gateway"].update(gateway)
    return program


def test_gateways_in_another_language_may_not_share_a_namespace() -> None:
    program = _with_gateways(catalog={"namespace": "mcp-payments"})
    taken = "the namespace 'mcp-payments' is taken on cluster shared by gateway payments"
    with pytest.raises(pulumi.RunError, match=taken):
        _run(program)


def test_a_handle_without_its_required_facts_is_refused_naming_the_gateway() -> None:
    from components.gateway_cluster import ClusterHandle

    with pytest.raises(SettingsError) as caught:
        ClusterHandle.received({"owner": "shared", "vpcId": "vpc-1"}, "runmcp:index:Gateway one")
    assert sorted(caught.value.lines()) == [
        "runmcp:index:Gateway one: runmcp-gateway:cluster.kubernetesVersion: is required",
        "runmcp:index:Gateway one: runmcp-gateway:cluster.vpcId: unknown key of a cluster handle",
    ]


def test_an_alb_needs_the_handles_network_facts() -> None:
    """A handle from another language is the one place for the cluster's facts: without a VPC
    the gateway's load balancer is refused as on an existing cluster without one."""
    program = _example()
    program["resources"]["payments"]["properties"]["cluster"] = {"owner": "shared", "kubernetesVersion": "1.34"}
    with pytest.raises(SettingsError, match=r"Gateway payments: .*cluster.existing.vpcId: is required with an ALB"):
        _run(program)


def test_a_gateways_own_settings_are_checked_as_in_python() -> None:
    program = _with_gateways(payments={"image": IMAGE.replace("0.6.0", "latest")})
    with pytest.raises(SettingsError, match="moving tag 'latest'"):
        _run(program)


FACTS = {
    "owner": "shared",
    "kubernetesVersion": "1.34",
    "kubeconfig": "apiVersion: v1\nkind: Config\n",
    "clusterName": "shared-dev",
    "vpcId": "vpc-0123456789abcdef0",
    "publicSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "privateSubnetIds": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
    "nodeSecurityGroupId": "sg-0123456789abcdef0",
    "loadBalancerControllerRoleName": "shared-lbc",
    "alarmActions": ["arn:aws:sns:eu-west-1:123456789012:shared-alarms"],
    "nodeAlarmArns": [],
}
CLUSTER_URN = "urn:pulumi:dev::mcp-gateways-yaml::runmcp:index:GatewayCluster::shared"


def _gateway_from_the_wire(cluster: dict[str, Any]) -> Callable[[], None]:
    """A Gateway constructed from inputs as the host's server deserializes them: ``cluster`` is
    the engine's output value for a property that comes from another resource."""
    from google.protobuf import struct_pb2
    from pulumi.runtime import rpc

    def body() -> None:
        wire = struct_pb2.Struct()
        wire.update({"cluster": cluster, "gateway": {"image": IMAGE, "namespace": "mcp-one"}})
        inputs = rpc.deserialize_properties(wire, keep_unknowns=True)
        host = PackageProvider()
        definition = host._component_defs["Gateway"]
        host._components["Gateway"]("one", host.map_inputs(inputs, definition), None)  # type: ignore[call-arg]

    return body


def _output_value(value: dict[str, Any] | None, secret: bool) -> dict[str, Any]:
    from pulumi.runtime import rpc

    sent: dict[str, Any] = {rpc._special_sig_key: rpc._special_output_value_sig, "dependencies": [CLUSTER_URN]}
    if value is not None:
        sent["value"] = value
    if secret:
        sent["secret"] = True
    return sent


def test_a_handle_sent_as_one_output_value_reaches_the_gateway_with_its_dependency_and_secrecy() -> None:
    monitor = RecordingMonitor(CloudMocks(region="eu-west-1"))
    run_in_mocks(
        _gateway_from_the_wire(_output_value(FACTS, secret=True)), "p", "dev", {"aws:region": "eu-west-1"}, [], monitor
    )
    (provider,) = [r for r in monitor.recorded if r.type == "pulumi:providers:kubernetes"]
    assert provider.inputs["kubeconfig"] == "[secret]"
    assert CLUSTER_URN in provider.dependencies
    (group,) = [r for r in monitor.recorded if r.type == "aws:lb/targetGroup:TargetGroup"]
    assert CLUSTER_URN in group.dependencies, "the target group waits for the cluster's VPC"
    (binds,) = [r for r in monitor.recorded if r.type == "aws:iam/rolePolicy:RolePolicy" and "binds" in r.name]
    assert binds.inputs["role"] == "[secret]"


def test_a_handle_unknown_when_the_gateway_is_constructed_is_refused_by_name() -> None:
    from pulumi.errors import InputPropertyError

    with pytest.raises(InputPropertyError) as caught:
        run_in_mocks(
            _gateway_from_the_wire(_output_value(None, secret=False)), "p", "dev", {"aws:region": "eu-west-1"}, []
        )
    assert caught.value.property_path == "cluster"
    assert "Gateway: 'cluster' is unknown when the component is constructed" in caught.value.reason


def _gateway_on(facts: dict[str, Any], opts: Callable[[], pulumi.ResourceOptions | None]) -> Callable[[], None]:
    def body() -> None:
        from components.gateway_service import Gateway

        Gateway(
            "one",
            {"cluster": facts, "gateway": {"image": IMAGE}, "load_balancer": {"kind": "none"}},  # type: ignore[typeddict-item]
            opts(),
        )

    return body


NO_KUBECONFIG = {"owner": "shared", "kubernetes_version": "1.34"}


def test_a_handle_without_a_kubeconfig_takes_the_kubernetes_provider_given() -> None:
    import pulumi_kubernetes as k8s

    def given() -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(providers={"kubernetes": k8s.Provider("theirs", kubeconfig="apiVersion: v1")})

    monitor = RecordingMonitor(CloudMocks(region="eu-west-1"))
    run_in_mocks(_gateway_on(NO_KUBECONFIG, given), "p", "dev", {"aws:region": "eu-west-1"}, [], monitor)
    (provider,) = [r for r in monitor.recorded if r.type == "pulumi:providers:kubernetes"]
    assert provider.name == "theirs"
    objects = [r for r in monitor.recorded if r.type.startswith("kubernetes:")]
    assert objects
    assert {r.provider for r in objects} == {provider.urn}


def test_a_handle_without_a_kubeconfig_or_a_provider_is_refused_not_the_ambient_kubeconfig() -> None:
    monitor = RecordingMonitor(CloudMocks(region="eu-west-1"))
    with pytest.raises(SettingsError, match=r"cluster.kubeconfig: is unset \(an existing cluster\): pass a kubernetes"):
        run_in_mocks(_gateway_on(NO_KUBECONFIG, lambda: None), "p", "dev", {"aws:region": "eu-west-1"}, [], monitor)
    assert [r.name for r in monitor.recorded if r.name.startswith("one")] == []
