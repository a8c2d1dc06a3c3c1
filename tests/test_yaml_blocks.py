"""The building blocks in other languages: ScaledGatewayWorkload, GatewayLoadBalancer and
GatewayAlarms are in the schema with typed inputs and outputs, each refuses its own cross-field
rules naming the argument before it registers anything, and the YAML example that composes a
gateway of them (examples/yaml-blocks) uses only what the schema offers and plans offline as the
provider host would run it."""

from __future__ import annotations

import copy
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
from tests.conftest import PROJECT_DIR
from tests.test_package import _unknown

EXAMPLE = PROJECT_DIR / "examples" / "yaml-blocks" / "Pulumi.yaml"
SCHEMA = json.loads((PROJECT_DIR / "provider" / "schema.json").read_text())
WORKLOAD, LOAD_BALANCER, ALARMS = (
    "runmcp:index:ScaledGatewayWorkload",
    "runmcp:index:GatewayLoadBalancer",
    "runmcp:index:GatewayAlarms",
)
REFERENCE = re.compile(r"^\$\{(\w+)((?:\.\w+)*)\}$")


def _ref(name: str) -> str:
    return f"#/types/runmcp:index:{name}"


def test_the_blocks_are_components_with_typed_inputs_and_outputs() -> None:
    resources = SCHEMA["resources"]
    workload, lb, alarms = resources[WORKLOAD], resources[LOAD_BALANCER], resources[ALARMS]
    assert all(r["isComponent"] and r["description"] for r in (workload, lb, alarms))
    # The settings sections are the settings' named types, given as they are when the program runs.
    assert workload["inputProperties"]["gateway"]["$ref"] == _ref("GatewaySettings")
    assert workload["inputProperties"]["scaling"]["$ref"] == _ref("ScalingSettings")
    assert workload["inputProperties"]["cluster"]["$ref"] == _ref("ClusterHandle")
    assert lb["inputProperties"]["loadBalancer"]["$ref"] == _ref("LoadBalancerSettings")
    assert lb["inputProperties"]["gateway"]["$ref"] == _ref("GatewaySettings")
    assert alarms["inputProperties"]["alarms"]["$ref"] == _ref("AlarmSettings")
    assert alarms["inputProperties"]["scaling"]["$ref"] == _ref("ScalingSettings")
    # What comes from other resources (ids, ARNs, names) may be an Output: not plain.
    from_resources = {
        WORKLOAD: ["cluster", "targetGroupArn"],
        LOAD_BALANCER: ["vpcId", "subnetIds", "targetSecurityGroupId", "loadBalancerControllerRoleName"],
        ALARMS: [
            "alarmActions",
            "clusterAlarmArns",
            "clusterName",
            "loadBalancerArnSuffix",
            "targetGroupArnSuffix",
            "certificateArn",
            "namespace",
            "serviceName",
        ],
    }
    for token, keys in from_resources.items():
        inputs = resources[token]["inputProperties"]
        assert [k for k in keys if inputs[k].get("plain")] == [], token
        assert all("plain" not in inputs[k].get("items", {}) for k in keys), token
    assert workload["requiredInputs"] == ["cluster", "gateway"]
    assert lb["requiredInputs"] == ["gateway", "subnetIds", "targetSecurityGroupId", "vpcId"]
    assert alarms["requiredInputs"] == ["namespace", "serviceName"]
    assert {"namespace", "serviceName", "deploymentName", "hpaName", "inClusterUrl"} <= set(workload["required"])
    assert {"url", "dnsName", "arn", "arnSuffix", "targetGroupArn", "targetGroupArnSuffix"} <= set(lb["required"])
    assert "certificateArn" in lb["properties"]
    assert "certificateArn" not in lb["required"]
    assert alarms["properties"]["alarmArns"] == {
        "additionalProperties": {"type": "string"},
        "description": alarms["properties"]["alarmArns"]["description"],
        "type": "object",
    }
    for resource in (workload, lb, alarms):
        props = {**resource["inputProperties"], **resource["properties"]}
        assert [k for k, p in props.items() if not p.get("description")] == []


def test_every_type_token_is_in_the_packages_one_namespace() -> None:
    tokens = [*SCHEMA["resources"], *SCHEMA["types"]]
    assert [t for t in tokens if not t.startswith("runmcp:index:")] == []
    assert {WORKLOAD, LOAD_BALANCER, ALARMS} <= set(SCHEMA["resources"])


# --- The YAML example ------------------------------------------------------------------------------


def _example() -> dict[str, Any]:
    program: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return program


def _output_type(program: dict[str, Any], owner: str, path: list[str]) -> dict[str, Any] | None:
    """The schema of ``${owner.path}``: a resource's output, or a property of an output's type."""
    spec = SCHEMA["resources"][program["resources"][owner]["type"]]["properties"]
    found: dict[str, Any] | None = None
    for step in path:
        if spec is None or step not in spec:
            return None
        found = spec[step]
        ref = found.get("$ref", "")
        spec = SCHEMA["types"][ref.removeprefix("#/types/")]["properties"] if ref else None
    return found


def _same_type(made: dict[str, Any], wanted: dict[str, Any]) -> bool:
    def shape(p: dict[str, Any]) -> Any:
        return p.get("$ref") or (p.get("type"), shape(p["items"]) if "items" in p else None)

    return bool(shape(made) == shape(wanted))


def _schema_problems(program: dict[str, Any]) -> list[str]:
    """What a YAML program sets that the schema does not offer (keys, enums, required inputs), and
    references to an output (or an output's property) of another type than the input takes."""
    problems = []
    variables = program.get("variables", {})
    for name, resource in program["resources"].items():
        spec = SCHEMA["resources"][resource["type"]]
        missing = set(spec["requiredInputs"]) - set(resource["properties"])
        problems += [f"{name}.{key}: required" for key in sorted(missing)]
        for key, value in resource["properties"].items():
            found = REFERENCE.match(value) if isinstance(value, str) else None
            if key not in spec["inputProperties"]:
                problems.append(f"{name}.{key}: not in the schema")
                continue
            wanted = spec["inputProperties"][key]
            if found is not None and found.group(1) in variables and not found.group(2):
                problems += _unknown(variables[found.group(1)], wanted, SCHEMA["types"], f"{name}.{key}")
            elif found is not None:
                owner, path = found.group(1), found.group(2).lstrip(".").split(".")
                made = _output_type(program, owner, path) if owner in program["resources"] else None
                if made is None:
                    problems.append(f"{name}.{key}: {value} is not an output")
                elif not _same_type(made, wanted):
                    problems.append(f"{name}.{key}: {value} is not a {wanted.get('$ref') or wanted.get('type')}")
            else:
                problems += _unknown(value, wanted, SCHEMA["types"], f"{name}.{key}")
    return problems


def test_the_yaml_example_uses_only_what_the_schema_offers() -> None:
    program = _example()
    kinds = sorted(r["type"] for r in program["resources"].values())
    assert kinds == sorted([ALARMS, "runmcp:index:GatewayCluster", LOAD_BALANCER, WORKLOAD])
    assert _schema_problems(program) == []
    for value in program["outputs"].values():
        owner, path = REFERENCE.match(value).groups()  # type: ignore[union-attr]
        assert _output_type(program, owner, path.lstrip(".").split(".")) is not None, value


def test_the_schema_check_of_the_yaml_example_can_fail() -> None:
    program = _example()
    resources = program["resources"]
    resources["lb"]["properties"]["vpcId"] = "${shared.handle.publicSubnetIds}"
    resources["payments"]["properties"]["targetGroupArn"] = "${lb.targetGroupArnn}"
    resources["alarms"]["properties"]["scaling"] = {"minReplica": 2}
    del resources["alarms"]["properties"]["serviceName"]
    program["variables"]["gateway"]["imagePullPolicy"] = "Always"
    assert _schema_problems(program) == [
        "lb.gateway.imagePullPolicy: not in the schema",
        "lb.vpcId: ${shared.handle.publicSubnetIds} is not a string",
        "payments.gateway.imagePullPolicy: not in the schema",
        "payments.targetGroupArn: ${lb.targetGroupArnn} is not an output",
        "alarms.serviceName: required",
        "alarms.scaling.minReplica: not in the schema",
    ]


def _as_the_host(program: dict[str, Any]) -> Callable[[], None]:
    """The program's resources constructed as Pulumi's provider host does (PackageProvider maps the
    schema's inputs onto the args and the outputs back), its variables and references resolved."""
    host = PackageProvider()

    def body() -> None:
        state: dict[str, dict[str, Any]] = {}

        def resolved(value: Any) -> Any:
            if isinstance(value, str) and (found := REFERENCE.match(value)):
                owner, path = found.group(1), [p for p in found.group(2).split(".") if p]
                if owner in program.get("variables", {}) and not path:
                    return resolved(program["variables"][owner])
                current: Any = state[owner]
                for step in path:
                    current = (
                        current.apply(lambda v, s=step: v[s])
                        if isinstance(current, pulumi.Output)
                        else pulumi.Output.from_input(current[step])
                        if isinstance(current[step], pulumi.Output)
                        else current[step]
                    )
                return current
            if isinstance(value, dict):
                return {k: resolved(v) for k, v in value.items()}
            if isinstance(value, list):
                return [resolved(v) for v in value]
            return value

        for name, resource in program["resources"].items():
            kind = resource["type"].rsplit(":", 1)[-1]
            definition = host._component_defs[kind]
            args = host.map_inputs(resolved(resource["properties"]), definition)
            component = host._components[kind](name, args, None)  # type: ignore[call-arg]
            state[name] = host.get_state(component, definition)
        for output, value in program.get("outputs", {}).items():
            pulumi.export(output, resolved(value))

    return body


def _run(program: dict[str, Any], monitor: RecordingMonitor | None = None) -> RecordingMonitor:
    config = {k: str(v) for k, v in program["config"].items() if isinstance(v, str)}
    monitor = monitor or RecordingMonitor(CloudMocks(region=config.get("aws:region")))
    run_in_mocks(_as_the_host(program), program["name"], "dev", config, [], monitor)
    return monitor


@pytest.fixture(scope="module")
def planned() -> RecordingMonitor:
    return _run(_example())


def test_the_yaml_example_plans_a_gateway_of_its_blocks(planned: RecordingMonitor) -> None:
    recorded = planned.recorded
    by_type = {(r.type, r.name): r for r in recorded}
    for token, name in ((WORKLOAD, "payments"), (LOAD_BALANCER, "lb"), (ALARMS, "alarms")):
        assert (token, name) in by_type
    namespaces = {r.inputs["metadata"]["name"] for r in recorded if r.type == "kubernetes:core/v1:Namespace"}
    assert namespaces == {"runmcp-system", "mcp-payments"}
    (alb,) = [r for r in recorded if r.type == "aws:lb/loadBalancer:LoadBalancer"]
    assert alb.inputs["internal"] is True
    (group,) = [r for r in recorded if r.type == "aws:lb/targetGroup:TargetGroup"]
    # The gateway's settings, given once, set the target group's port and health check.
    assert group.inputs["port"] == 3030
    assert group.inputs["healthCheck"]["path"] == "/health"
    (hpa,) = [r for r in recorded if r.type == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]
    assert (hpa.inputs["spec"]["minReplicas"], hpa.inputs["spec"]["maxReplicas"]) == (2, 6)
    (binding,) = [r for r in recorded if r.type == "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"]
    assert binding.parent == by_type[(WORKLOAD, "payments")].urn
    assert binding.inputs["spec"]["serviceRef"] == {"name": "runmcp-gateway", "port": 3030}
    # The binding waits for the listener and for the controller's grant on the target group.
    listeners = {r.urn for r in recorded if r.type == "aws:lb/listener:Listener"}
    (binds,) = [r for r in recorded if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name == "lb-controller-binds"]
    assert listeners
    assert listeners | {group.urn, binds.urn} <= set(binding.dependencies)
    (deployment,) = [r for r in recorded if r.type == "kubernetes:apps/v1:Deployment" and r.name.startswith("payments")]
    assert binding.urn in deployment.dependencies, "the binding exists before the first pod"
    # The alarms watch the load balancer and the pods, and notify the cluster's topic.
    alarms = {r.name: r for r in recorded if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"}
    assert {"alarms-no-healthy-targets", "alarms-pods-below-minimum", "alarms-capacity-exhausted"} <= set(alarms)
    assert alarms["alarms-pods-below-minimum"].inputs["threshold"] == 2
    assert alarms["alarms-capacity-exhausted"].inputs["threshold"] == 6
    assert alarms["alarms-no-healthy-targets"].inputs["dimensions"]["TargetGroup"].startswith("targetgroup/")
    (topic,) = [r for r in recorded if r.type == "aws:sns/topic:Topic"]
    assert topic.urn in alarms["alarms-latency-p95"].dependencies
    assert alarms["alarms-latency-p95"].inputs["threshold"] == 3
    assert set(planned.stack_outputs) == {"clusterName", "url", "inClusterUrl", "dashboardName"}


# --- Each block's own rules, from another language ------------------------------------------------


def _with(changes: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    program = copy.deepcopy(_example())
    changes(program)
    return program


def _refused(program: dict[str, Any], block: str) -> str:
    monitor = RecordingMonitor(CloudMocks(region="eu-west-1"))
    with pytest.raises(pulumi.RunError) as caught:
        _run(program, monitor)
    assert [r.name for r in monitor.recorded if r.name == block or r.name.startswith(f"{block}-")] == []
    assert any(r.name.startswith("shared") for r in monitor.recorded), "the blocks before it were registered"
    return str(caught.value)


def _resource(program: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = program["resources"][name]["properties"]
    return properties


REFUSALS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "a load balancer before pods that stop too soon": (
        lambda p: _resource(p, "lb").update(gateway={**p["variables"]["gateway"], "shutdown": {"preStopSeconds": 5}}),
        "lb",
        "runmcp:index:GatewayLoadBalancer lb: gateway.shutdown.preStopSeconds: is 5; behind an ALB",
    ),
    "a load balancer in one subnet": (
        lambda p: _resource(p, "lb").update(subnetIds=["subnet-0123456789abcdef0"]),
        "lb",
        "runmcp:index:GatewayLoadBalancer lb: subnetIds: an ALB needs subnets in two or more zones",
    ),
    "a load balancer of kind none": (
        lambda p: _resource(p, "lb").update(loadBalancer={"kind": "none"}),
        "lb",
        "runmcp:index:GatewayLoadBalancer lb: loadBalancer.kind: is none: there is no load balancer to make",
    ),
    "a load balancer asked for zonal autoshift it cannot judge": (
        lambda p: _resource(p, "lb").update(loadBalancer={"zonalShift": True, "zonalAutoshift": True}),
        "lb",
        "runmcp:index:GatewayLoadBalancer lb: loadBalancer.zonalAutoshift: is made by Gateway",
    ),
    "a workload bound to a load balancer with pods that stop too soon": (
        lambda p: _resource(p, "payments").update(
            gateway={**p["variables"]["gateway"], "shutdown": {"preStopSeconds": 5}}
        ),
        "payments",
        "runmcp:index:ScaledGatewayWorkload payments: runmcp-gateway:gateway.shutdown.preStopSeconds: is 5",
    ),
    "a workload with crossed replica bounds": (
        lambda p: _resource(p, "payments").update(scaling={"minReplicas": 7, "maxReplicas": 6}),
        "payments",
        "minReplicas (7) is greater than maxReplicas (6)",
    ),
    "a workload asked to scale on requests (Gateway's: it has the target group)": (
        lambda p: _resource(p, "payments").update(scaling={"requestsPerReplica": 600}),
        "payments",
        "runmcp:index:ScaledGatewayWorkload payments: runmcp-gateway:scaling.requestsPerReplica: request-based "
        "scaling (KEDA) is made by Gateway",
    ),
    "alarms for request-based scaling without their window": (
        lambda p: _resource(p, "alarms").update(
            scaling={"minReplicas": 2, "maxReplicas": 6, "requestsPerReplica": 600}
        ),
        "alarms",
        "runmcp:index:GatewayAlarms alarms: requestsBehindSeconds: is required with scaling.requestsPerReplica",
    ),
    "alarms with the cluster's subscribers": (
        lambda p: _resource(p, "alarms")["alarms"].update(emails=["me@example.com"]),
        "alarms",
        "runmcp:index:GatewayAlarms alarms: alarms.emails: belongs to the cluster",
    ),
    "alarms on a target group without its load balancer": (
        lambda p: _resource(p, "alarms").pop("loadBalancerArnSuffix"),
        "alarms",
        "runmcp:index:GatewayAlarms alarms: targetGroupArnSuffix: and loadBalancerArnSuffix go together",
    ),
    "alarms switched off": (
        lambda p: _resource(p, "alarms").update(alarms={"enabled": False}),
        "alarms",
        "runmcp:index:GatewayAlarms alarms: alarms.enabled: is false: there are no alarms to make",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_each_block_refuses_its_own_rules_naming_the_argument(case: str) -> None:
    change, block, message = REFUSALS[case]
    assert message in _refused(_with(change), block)
