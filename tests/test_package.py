"""What consumers get: the component package's schema (the contract other languages see), the
provider host, the Python distribution (typed, versioned), and the example programs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import grpc
import jsonschema
import pytest
import yaml
from pulumi.provider.experimental.util import camel_case

import components
from components.args_codegen import args_specs
from components.config import read_stack_file
from components.offline.kubernetes import validate_plan
from components.offline.runner import Plan, run_program
from components.package_schema import SCHEMA_PATH, PackageProvider, package_schema, render
from components.platform import settings_from_args
from components.settings import SettingsError, StackSettings
from tests.conftest import PROJECT_DIR, first_line_of_server

TOKEN = "runmcp:index:GatewayPlatform"
EXAMPLES = PROJECT_DIR / "examples"


def committed() -> dict:
    return json.loads((PROJECT_DIR / SCHEMA_PATH).read_text())


def test_package_schema_matches_the_committed_contract() -> None:
    assert (PROJECT_DIR / SCHEMA_PATH).read_text() == render(), (
        "the public interface changed: review the difference, then `make provider-schema`"
    )


def test_schema_describes_the_platform_for_other_languages() -> None:
    schema = package_schema()
    assert schema["name"] == components.PACKAGE_NAME == TOKEN.split(":")[0]
    assert schema["version"] == components.__version__
    resource = schema["resources"][TOKEN]
    assert resource["isComponent"] is True
    assert resource["requiredInputs"] == ["gateway"]
    assert set(resource["inputProperties"]) == {
        "gateway",
        "scaling",
        "cluster",
        "loadBalancer",
        "alarms",
        "drills",
        "sessionStore",
        "instance",
    }
    assert {"url", "namespace", "serviceName", "clusterName", "kubeconfig", "alarmTopicArn"} <= set(
        resource["properties"]
    )
    assert "Application Load Balancer" in resource["description"]


PROVIDER_OF_THIS_CHECKOUT = (
    "import runpy, tests.package_alias; runpy.run_path('provider/__main__.py', run_name='__main__')"
)
"""provider/__main__.py as Pulumi runs it, with this checkout's code as `runmcp_gateway`."""
METASCHEMA = Path(__file__).resolve().parent / "metaschema" / "pulumi.json"


def test_the_schema_is_a_valid_pulumi_package() -> None:
    # Its patterns name groups ECMA-style, (?<name>...); Python's re spells that (?P<name>...).
    metaschema = json.loads(METASCHEMA.read_text().replace("(?<", "(?P<"))
    jsonschema.Draft202012Validator(metaschema).validate(committed())
    # Every reference resolves to a type of the package.
    refs = set(re.findall(r'"#/types/([^"]+)"', json.dumps(committed())))
    assert refs
    assert refs <= set(committed()["types"])


def test_a_named_type_per_settings_model_with_descriptions_and_required_keys() -> None:
    types = committed()["types"]
    # A tagged union's members are one merged type (the analyzer takes no unions): checked as that.
    merged = {name for spec in args_specs() for name in spec.union_of}
    for spec in args_specs():
        if spec.model is StackSettings or spec.name in merged:  # the platform's own inputs; in a union
            continue
        found = types[f"{TOKEN.split(':')[0]}:index:{spec.model.__name__}"]
        assert found["type"] == "object"
        assert "Stack file: `runmcp-gateway:" in found["description"]
        required = sorted(camel_case(k.name) for k in spec.keys if k.required)
        assert found.get("required", []) == required, spec.model.__name__
    resource = committed()["resources"][TOKEN]
    assert resource["inputProperties"]["gateway"]["$ref"] == "#/types/runmcp:index:GatewaySettings"
    assert types["runmcp:index:GatewaySettings"]["required"] == ["image"]
    assert "Default: `3030`." in types["runmcp:index:GatewaySettings"]["properties"]["port"]["description"]


def test_settings_from_other_resources_are_not_plain_and_secrets_are_secret() -> None:
    types = committed()["types"]
    for spec in args_specs():
        found = types.get(f"runmcp:index:{spec.model.__name__}")
        if found is None:
            continue
        for key in spec.keys:
            prop = found["properties"][camel_case(key.name)]
            value = prop.get("items") or prop.get("additionalProperties") or prop
            if key.from_resource:
                assert "plain" not in value, f"{spec.model.__name__}.{key.name}"
                # A list of ids may come whole from another resource (a VPC's subnet ids); a map's keys
                # (secretEnv's variable names) are known when the program runs.
                assert "plain" not in prop or "additionalProperties" in prop
            else:
                assert prop.get("plain") is True, f"{spec.model.__name__}.{key.name}"
            assert prop.get("secret", False) is key.secret
    network = types["runmcp:index:ExistingClusterSettings"]["properties"]
    assert network["vpcId"]["type"] == "string"
    assert "plain" not in network["vpcId"]
    assert network["subnetIds"]["type"] == "array"
    assert "plain" not in network["subnetIds"]
    assert types["runmcp:index:ExistingClusterSettings"]["properties"]["kubeconfig"]["secret"] is True
    assert types["runmcp:index:GatewaySettings"]["properties"]["secretEnv"]["secret"] is True


def test_enums_are_named_types_with_the_settings_values() -> None:
    types = committed()["types"]
    network = types["runmcp:index:NetworkSettings"]["properties"]["natGateways"]
    assert network["$ref"] == "#/types/runmcp:index:NetworkNatGateways"
    assert [v["value"] for v in types["runmcp:index:NetworkNatGateways"]["enum"]] == ["single", "perZone"]
    logging = types["runmcp:index:ControlPlaneLogging"]["properties"]
    assert logging["types"]["items"]["$ref"] == "#/types/runmcp:index:ControlPlaneLogType"
    days = types["runmcp:index:LogRetentionDays"]
    assert days["type"] == "integer"
    assert 90 in [v["value"] for v in days["enum"]]
    version = types["runmcp:index:KubernetesVersion"]
    assert [v["name"] for v in version["enum"]][:2] == ["V1_30", "V1_31"]


def test_inputs_from_another_language_reach_the_settings_model() -> None:
    """The host maps the schema's camelCase inputs onto the args (its analyzer's names, at every
    depth) and the settings model takes them: the two agree on every name, `except` included."""
    provider = PackageProvider()
    inputs = {
        "gateway": {
            "image": "hapimcp/hapi-cli:0.6.0",
            "networkPolicy": {"egress": [{"cidr": "10.1.0.0/16", "except": ["10.1.2.0/24"]}]},
        },
        "cluster": {"eks": {"nodeGroups": {"general": {"maxSize": 9.0}}, "network": {"natGateways": "single"}}},
        "loadBalancer": {"healthCheck": {"intervalSeconds": 15.0}},
    }
    mapped = provider.map_inputs(inputs, provider._component_defs["GatewayPlatform"])
    settings = settings_from_args(mapped, f"{TOKEN} mcp")
    assert settings.gateway.network_policy.egress[0].except_ == ["10.1.2.0/24"]
    assert settings.cluster.eks.node_groups["general"].max_size == 9
    assert settings.cluster.eks.network.nat_gateways == "single"
    assert settings.load_balancer.health_check.interval_seconds == 15


def test_the_provider_host_serves_the_committed_schema() -> None:
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    process = subprocess.Popen(
        ["timeout", "120", sys.executable, "-c", PROVIDER_OF_THIS_CHECKOUT, "127.0.0.1:9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            served = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
        assert json.loads(served.schema) == committed()
    finally:
        process.terminate()
        process.wait()


def test_the_provider_host_serves_the_components() -> None:
    # The engine's address is only dialled when the engine calls in; any will do to start.
    first = first_line_of_server(sys.executable, "-c", PROVIDER_OF_THIS_CHECKOUT, "127.0.0.1:9")
    assert first.isdigit(), f"no port printed: {first!r}"
    assert yaml.safe_load((PROJECT_DIR / "provider" / "PulumiPlugin.yaml").read_text()) == {"runtime": "python"}


def test_component_args_are_validated_by_the_settings_model() -> None:
    from components.platform import settings_from_args

    with pytest.raises(SettingsError) as caught:
        settings_from_args({"gateway": {"image": "x:latest"}, "scaling": {"maxReplica": 3}}, f"{TOKEN} mcp")
    assert sorted(caught.value.lines()) == [
        f"{TOKEN} mcp: runmcp-gateway:gateway.image: 'x:latest' uses the moving tag 'latest'; "
        "pin a version or a digest (got 'x:latest')",
        f"{TOKEN} mcp: runmcp-gateway:scaling.maxReplica: unknown key (did you mean 'maxReplicas'?)",
    ]


def test_wheel_is_typed_versioned_and_importable(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(PROJECT_DIR),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("runmcp_gateway-*.whl")
    assert wheel.name.startswith(f"runmcp_gateway-{components.__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "runmcp_gateway/py.typed",
        "runmcp_gateway/platform.py",
        "runmcp_gateway/offline/cli.py",
        "runmcp_gateway/policy/rules.py",
        "runmcp_gateway/policy/PulumiPolicy.yaml",
    ):
        assert expected in names
    # One import name: nothing else top-level that could shadow, or be shadowed by, a consumer's own
    # `components` or `policy` package.
    assert {n.split("/")[0] for n in names} == {"runmcp_gateway", wheel.name.split("-py3")[0] + ".dist-info"}
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runmcp_gateway as g, runmcp_gateway.platform; print(g.__file__, g.__version__)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    where, version = probe.stdout.split()
    assert where.startswith(str(target))
    assert version == components.__version__


def test_changelog_covers_the_version() -> None:
    changelog = (PROJECT_DIR / "CHANGELOG.md").read_text()
    assert re.search(rf"^## {re.escape(components.__version__)} - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)


def test_python_example_plans_offline() -> None:
    directory = EXAMPLES / "python-consumer"
    monitor, warnings = run_program(directory, "example", read_stack_file(directory / "Pulumi.example.yaml"))
    plan = Plan.of_run(
        monitor,
        warnings,
        project="mcp-platform",
        stack="example",
        stack_file=directory / "Pulumi.example.yaml",
        settings=None,
    )
    types = {r.type for r in plan.resources}
    assert {
        TOKEN,
        "aws:eks/cluster:Cluster",
        "aws:lb/loadBalancer:LoadBalancer",
        "kubernetes:apps/v1:Deployment",
    } <= types
    assert all(r.urn.startswith("urn:pulumi:example::mcp-platform::") for r in plan.resources)
    lb = next(r for r in plan.resources if r.type == "aws:lb/loadBalancer:LoadBalancer")
    assert lb.inputs["internal"] is True, "the example's own settings reached the component"
    assert plan.outputs["url"].startswith("http://")
    # The example runs Kubernetes 1.34: its objects pass that version's schema.
    assert validate_plan(plan, "1.34") == []
    assert any("plain HTTP" in w for w in warnings), "the component warns a consumer too"


def _unknown(value: object, spec: dict, types: dict, where: str) -> list[str]:
    """The keys of ``value`` the schema's property ``spec`` does not offer, at every depth, and
    enum values it does not list."""
    if "$ref" in spec:
        named = types[spec["$ref"].removeprefix("#/types/")]
        if "enum" in named:
            allowed = [v["value"] for v in named["enum"]]
            return [] if value in allowed else [f"{where}: {value!r} is not one of {allowed}"]
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        missing = [f"{where}.{key}: required" for key in named.get("required", []) if key not in value]
        return missing + [
            problem
            for key, inner in value.items()
            for problem in (
                _unknown(inner, named["properties"][key], types, f"{where}.{key}")
                if key in named["properties"]
                else [f"{where}.{key}: not in the schema"]
            )
        ]
    if spec.get("type") == "array":
        return [p for i, item in enumerate(value) for p in _unknown(item, spec["items"], types, f"{where}[{i}]")]
    if spec.get("type") == "object" and isinstance(value, dict):
        inner_spec = spec.get("additionalProperties", {"type": "string"})
        return [p for key, inner in value.items() for p in _unknown(inner, inner_spec, types, f"{where}.{key}")]
    return []


def test_yaml_example_uses_only_what_the_schema_offers() -> None:
    program = yaml.safe_load((EXAMPLES / "yaml-consumer" / "Pulumi.yaml").read_text())
    schema = committed()
    resource = schema["resources"][TOKEN]
    (platform,) = program["resources"].values()
    assert platform["type"] == TOKEN
    assert set(resource["requiredInputs"]) <= set(platform["properties"])
    problems = [
        problem
        for key, value in platform["properties"].items()
        for problem in (
            _unknown(value, resource["inputProperties"][key], schema["types"], key)
            if key in resource["inputProperties"]
            else [f"{key}: not in the schema"]
        )
    ]
    assert problems == []
    assert "healthCheck" in platform["properties"]["loadBalancer"], "the example shows a nested section"
    for name, value in program["outputs"].items():
        output = value.removeprefix("${platform.").removesuffix("}")
        assert output in resource["properties"]
        assert name == output, "each output under the name of what it is"
    # The example's settings, as the host hands them to the component, pass the settings model.
    provider = PackageProvider()
    inputs = json.loads(json.dumps(platform["properties"]).replace('"${gatewayToken}"', '"token"'))
    settings_from_args(provider.map_inputs(inputs, provider._component_defs["GatewayPlatform"]), f"{TOKEN} platform")


def test_the_schema_check_of_the_yaml_example_can_fail() -> None:
    schema = committed()
    spec = schema["resources"][TOKEN]["inputProperties"]["scaling"]
    assert _unknown({"maxReplica": 3}, spec, schema["types"], "scaling") == ["scaling.maxReplica: not in the schema"]
    nat = {"eks": {"network": {"natGateways": "perzone"}}}
    cluster = schema["resources"][TOKEN]["inputProperties"]["cluster"]
    assert _unknown(nat, cluster, schema["types"], "cluster") == [
        "cluster.eks.network.natGateways: 'perzone' is not one of ['single', 'perZone']"
    ]
