"""`runmcp-infra plan`: the text tree, the JSON document, the YAML files and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import PLAN_CHECKS, WriteStack, cli, stack_path


def test_text_plan_shows_the_tree_outputs_and_placeholder_notice() -> None:
    result = cli("plan", "prod")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "placeholders" in out
    assert "runmcp:index:GatewayPlatform" in out
    assert "─ kubernetes:apps/v1:Deployment" in out
    assert "Outputs:" in out
    assert "inClusterUrl" in out
    assert "to create" in out
    assert "Kubernetes 1.33 OpenAPI schema (strict)" in out


def test_json_plan_document(tmp_path: Path) -> None:
    result = cli(
        "plan", "existing", "--stack-file", str(stack_path("existing")), "--format", "json", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {
        "project",
        "stack",
        "preview",
        "resources",
        "invokes",
        "outputs",
        "policies",
        "checks",
        "timeline",  # this project's stack: tests/test_timeline.py checks its figures
    }
    assert doc["policies"] == []
    assert doc["preview"] is False
    assert [c["name"] for c in doc["checks"]] == PLAN_CHECKS
    assert (doc["project"], doc["stack"]) == ("runmcp-gateway", "existing")
    for resource in doc["resources"]:
        assert {"urn", "type", "name", "parent", "inputs", "dependencies"} <= set(resource)
    deployment = next(r for r in doc["resources"] if r["type"] == "kubernetes:apps/v1:Deployment")
    container = deployment["inputs"]["spec"]["template"]["spec"]["containers"][0]
    assert type(container["ports"][0]["containerPort"]) is int  # whole numbers stay integers
    assert "terminationGracePeriodSeconds" in deployment["inputs"]["spec"]["template"]["spec"]  # camelCase keys
    secret = next(r for r in doc["resources"] if r["type"] == "kubernetes:core/v1:Secret")
    assert set(secret["inputs"]["stringData"].values()) == {"[secret]"}
    assert "offline-placeholder-secret" not in result.stdout
    # --out: one YAML file per Kubernetes object, with secrets redacted as well
    files = sorted(tmp_path.glob("*.yaml"))
    kinds = [yaml.safe_load(p.read_text())["kind"] for p in files]
    assert len(files) == sum(1 for r in doc["resources"] if r["type"].startswith("kubernetes:"))
    assert "Secret" in kinds
    assert "HorizontalPodAutoscaler" in kinds
    assert all("offline-placeholder-secret" not in p.read_text() for p in files)


def test_dependencies_are_recorded() -> None:
    doc = json.loads(cli("plan", "dev", "--format", "json").stdout)
    by_type = {r["type"]: r for r in doc["resources"]}
    hpa = by_type["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]
    deployment = by_type["kubernetes:apps/v1:Deployment"]
    assert deployment["urn"] in hpa["dependencies"]


def test_bad_settings_exit_2_with_clear_lines_and_no_traceback(write_stack: WriteStack) -> None:
    path = write_stack({"gateway": {"image": "hapimcp/hapi-cli"}, "scaling": {"maxReplica": 4}})
    result = cli("plan", "bad", "--stack-file", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error: Pulumi.bad.yaml: runmcp-gateway:gateway.image: " in result.stderr
    assert "error: Pulumi.bad.yaml: runmcp-gateway:scaling.maxReplica: unknown key" in result.stderr
    assert result.stdout == ""


def test_malformed_yaml_exit_2(write_stack: WriteStack) -> None:
    result = cli("plan", "bad", "--stack-file", str(write_stack("config: [\n")))
    assert result.returncode == 2
    assert "malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_stack_exit_2() -> None:
    result = cli("plan", "nope")
    assert result.returncode == 2
    assert "Pulumi.nope.yaml" in result.stderr
    assert "Traceback" not in result.stderr
