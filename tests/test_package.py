"""What consumers get: the component package's schema (the contract other languages see), the
provider host, the Python distribution (typed, versioned), and the example programs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

import components
from components.config import read_stack_file
from components.offline.kubernetes import validate_plan
from components.offline.runner import Plan, run_program
from components.package_schema import SCHEMA_PATH, package_schema, render
from components.settings import SettingsError
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
    assert set(resource["inputProperties"]) == {"gateway", "scaling", "cluster", "loadBalancer", "alarms", "instance"}
    assert {"url", "namespace", "serviceName", "clusterName", "kubeconfig", "alarmTopicArn"} <= set(
        resource["properties"]
    )
    assert "Application Load Balancer" in resource["description"]


def test_the_provider_host_serves_the_components() -> None:
    # The engine's address is only dialled when the engine calls in; any will do to start.
    first = first_line_of_server(sys.executable, str(PROJECT_DIR / "provider" / "__main__.py"), "127.0.0.1:9")
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
    plan = Plan(
        "mcp-platform",
        "example",
        directory / "Pulumi.example.yaml",
        None,
        list(monitor.recorded),
        dict(monitor.stack_outputs),
        warnings,
    )  # type: ignore[arg-type]
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


def test_yaml_example_uses_only_what_the_schema_offers() -> None:
    program = yaml.safe_load((EXAMPLES / "yaml-consumer" / "Pulumi.yaml").read_text())
    resource = committed()["resources"][TOKEN]
    (platform,) = program["resources"].values()
    assert platform["type"] == TOKEN
    assert set(platform["properties"]) <= set(resource["inputProperties"])
    assert set(resource["requiredInputs"]) <= set(platform["properties"])
    for value in program["outputs"].values():
        assert value.removeprefix("${platform.").removesuffix("}") in resource["properties"]
