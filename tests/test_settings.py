"""Bad settings stop everything before any resource exists, with one clear line per problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.config import StackFileError, read_stack_file
from components.offline.mocks import CloudMocks
from components.offline.runner import RecordingMonitor, run_plan, run_program
from components.settings import SettingsError, StackSettings, load_settings
from tests.conftest import IMAGE, PROJECT_DIR, REGION, WriteStack, assert_refused


def gateway(**extra: Any) -> dict[str, Any]:
    return {"image": IMAGE, **extra}


# (config, the key path named in the error, a fragment of the message)
BAD_SETTINGS = {
    "typo in a key": (
        {"gateway": gateway(), "scaling": {"maxReplica": 5}},
        "scaling.maxReplica",
        "unknown key (did you mean 'maxReplicas'?)",
    ),
    "unknown top-level key": ({"gateway": gateway(), "scalling": {}}, "scalling", "did you mean 'scaling'?"),
    "wrong type": ({"gateway": gateway(), "scaling": {"minReplicas": "two"}}, "scaling.minReplicas", "integer"),
    "min above max": (
        {"gateway": gateway(), "scaling": {"minReplicas": 6, "maxReplicas": 3}},
        "scaling.minReplicas",
        "minReplicas (6) is greater than maxReplicas (3)",
    ),
    "cpu percentage over 100": (
        {"gateway": gateway(), "scaling": {"targetCpuUtilization": 150}},
        "scaling.targetCpuUtilization",
        "less than or equal to 100",
    ),
    "memory percentage zero": (
        {"gateway": gateway(), "scaling": {"targetMemoryUtilization": 0}},
        "scaling.targetMemoryUtilization",
        "greater than or equal to 1",
    ),
    "missing gateway": ({"scaling": {}}, "gateway", "is required"),
    "missing image": ({"gateway": {"port": 3030}}, "gateway.image", "is required"),
    "untagged image": ({"gateway": {"image": "hapimcp/hapi-cli"}}, "gateway.image", "has no tag"),
    "latest image": ({"gateway": {"image": "hapimcp/hapi-cli:latest"}}, "gateway.image", "moving tag 'latest'"),
    "registry port is not a tag": (
        {"gateway": {"image": "registry.example.com:5000/hapi-cli"}},
        "gateway.image",
        "has no tag",
    ),
    "unparsable cpu": (
        {"gateway": gateway(resources={"requests": {"cpu": "lots"}})},
        "gateway.resources.requests.cpu",
        "'lots' is not a Kubernetes quantity",
    ),
    "unparsable memory": (
        {"gateway": gateway(resources={"limits": {"memory": "512MB"}})},
        "gateway.resources.limits.memory",
        "not a Kubernetes quantity",
    ),
    "request above limit": (
        {"gateway": gateway(resources={"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}})},
        "gateway.resources.requests.memory",
        "above the limit",
    ),
    "privileged port": ({"gateway": gateway(port=80)}, "gateway.port", "greater than or equal to 1024"),
    "port in args": ({"gateway": gateway(args=["serve", "--port", "9000"])}, "gateway.args", "gateway.port"),
    "reserved env": ({"gateway": gateway(env={"HAPI_PORT": "1"})}, "gateway.env.HAPI_PORT", "set by the component"),
    "namespace not a dns label": ({"gateway": gateway(namespace="RunMCP_GW")}, "gateway.namespace", "DNS label"),
    "spec without extension": (
        {"gateway": gateway(openapiSpecs={"petstore": "openapi: 3.0.3"})},
        "gateway.openapiSpecs.petstore",
        "ending in .yaml",
    ),
    "health path not absolute": ({"gateway": gateway(healthPath="health")}, "gateway.healthPath", "absolute"),
    "bad egress cidr": (
        {"gateway": gateway(networkPolicy={"egress": [{"cidr": "10.0.0.0/33"}]})},
        "gateway.networkPolicy.egress.0.cidr",
        "not a CIDR",
    ),
    "not an openapi document": (
        {"gateway": gateway(openapiSpecs={"api.yaml": "hello: world"})},
        "gateway.openapiSpecs.api.yaml",
        "not an OpenAPI 3 document",
    ),
    "unsupported kubernetes version": (
        {"gateway": gateway(), "cluster": {"kubernetesVersion": "1.29"}},
        "cluster.kubernetesVersion",
        "'1.30'",
    ),
    "plaintext secret env": (
        {"gateway": gateway(secretEnv={"TOKEN": "hunter2"})},
        "gateway.secretEnv.TOKEN",
        "must be a Pulumi secret",
    ),
    "plaintext kubeconfig": (
        {"gateway": gateway(), "cluster": {"existing": {"kubeconfig": "apiVersion: v1"}}},
        "cluster.existing.kubeconfig",
        "pulumi config set --secret --path 'cluster.existing.kubeconfig'",
    ),
}


@pytest.mark.parametrize("case", BAD_SETTINGS, ids=list(BAD_SETTINGS))
def test_bad_settings_name_file_and_key(case: str, write_stack: WriteStack) -> None:
    config, key, fragment = BAD_SETTINGS[case]
    assert_refused(write_stack(config), key, fragment)


def test_every_problem_is_reported_at_once(write_stack: WriteStack) -> None:
    path = write_stack(
        {"gateway": {"image": "x:latest", "port": 1}, "scaling": {"maxReplica": 3, "targetCpuUtilization": 0}}
    )
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    keys = {p.key for p in caught.value.problems}
    assert keys == {"gateway.image", "gateway.port", "scaling.maxReplica", "scaling.targetCpuUtilization"}


def test_secret_values_never_appear_in_errors(write_stack: WriteStack) -> None:
    path = write_stack({"gateway": gateway(secretEnv={"TOKEN": 12345678})})
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    assert "12345678" not in str(caught.value)


@pytest.mark.parametrize("case", ["typo in a key", "min above max", "unparsable cpu", "plaintext secret env"])
def test_program_itself_refuses_before_registering_anything(case: str, write_stack: WriteStack) -> None:
    """`pulumi up` runs __main__.py directly: it must stop before its first resource, too."""
    config, key, _ = BAD_SETTINGS[case]
    monitor = RecordingMonitor(CloudMocks(region=REGION))
    with pytest.raises(SettingsError) as caught:
        run_program(PROJECT_DIR, "bad", read_stack_file(write_stack(config)), monitor)
    assert any(f"runmcp-gateway:{key}:" in line for line in caught.value.lines())
    assert monitor.recorded == []
    # The same path with good settings does register resources: the check above is not vacuous.
    good = RecordingMonitor(CloudMocks(region=REGION))
    run_program(PROJECT_DIR, "bad", read_stack_file(write_stack({"gateway": gateway()})), good)
    assert good.recorded


def test_settings_error_is_a_clean_pulumi_exit() -> None:
    """Pulumi prints a RunError's message without a traceback."""
    import pulumi

    assert issubclass(SettingsError, pulumi.RunError)


def test_malformed_yaml_names_file_and_line(write_stack: WriteStack) -> None:
    path = write_stack("config:\n  runmcp-gateway:gateway:\n    image: [unclosed\n  other: 1\n")
    with pytest.raises(StackFileError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    assert str(caught.value).startswith("Pulumi.bad.yaml:4:")
    assert "malformed YAML" in str(caught.value)


def test_missing_stack_file_lists_the_stacks(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        run_plan(PROJECT_DIR, "qa")
    assert "Pulumi.qa.yaml" in str(caught.value)
    for stack in ("dev", "staging", "prod"):
        assert stack in str(caught.value)


def test_defaults_follow_the_scaling_guidance() -> None:
    settings = StackSettings.model_validate({"gateway": {"image": IMAGE}})
    assert (settings.scaling.min_replicas, settings.scaling.max_replicas) == (2, 10)
    assert settings.scaling.target_cpu_utilization == 70
    assert settings.scaling.target_memory_utilization is None
    assert settings.gateway.port == 3030
    assert settings.gateway.health_path == "/health"
    assert settings.cluster.kubernetes_version == "1.33"
    assert settings.gateway.resources.limits.memory  # a memory limit always exists
    # Without a certificate, a domain or alarm recipients, that is all there is to say.
    notes = settings.advisories()
    assert len(notes) == 2
    assert any("plain HTTP" in n for n in notes)
    assert any("alarms have no recipient" in n for n in notes)


def test_single_replica_is_allowed_but_warned() -> None:
    settings = StackSettings.model_validate({"gateway": {"image": IMAGE}, "scaling": {"minReplicas": 1}})
    assert any("not highly available" in note for note in settings.advisories())


@pytest.mark.parametrize(
    "image",
    [
        "hapimcp/hapi-cli:0.6.0",
        "registry.example.com:5000/team/hapi-cli:1.0.0-beta.0823",
        "hapimcp/hapi-cli@sha256:" + "a" * 64,
        "hapimcp/hapi-cli:0.6.0@sha256:" + "b" * 64,
    ],
)
def test_pinned_images_are_accepted(image: str) -> None:
    assert StackSettings.model_validate({"gateway": {"image": image}}).gateway.image == image


def test_a_key_without_the_namespace_is_the_projects_as_pulumi_reads_it(write_stack: WriteStack) -> None:
    """`gateway:` in a stack file is `runmcp-gateway:gateway` to Pulumi; offline it must not be
    skipped as another namespace's key (the plan would run on defaults)."""
    path = write_stack("config:\n  aws:region: us-east-1\n  gateway:\n    image: nginx\n")
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    assert any(line.startswith("Pulumi.bad.yaml: runmcp-gateway:gateway.image: ") for line in caught.value.lines())
    dedented = write_stack(
        f"config:\n  aws:region: us-east-1\n  runmcp-gateway:gateway:\n    image: {IMAGE}\n  targetCpuUtilization: 50\n"
    )
    assert_refused(dedented, "targetCpuUtilization", "unknown key")


@pytest.mark.parametrize("namespace", ["runmcp", "runmcp_gateway", "runmcp-gatway", "rnmcp-gateway"])
def test_a_section_under_a_misspelt_namespace_is_refused(write_stack: WriteStack, namespace: str) -> None:
    """`runmcp:scaling` is read by no one (the program reads runmcp-gateway:): it would plan on defaults."""
    path = write_stack(
        f"config:\n  aws:region: us-east-1\n  runmcp-gateway:gateway:\n    image: {IMAGE}\n"
        f"  {namespace}:scaling:\n    minReplicas: 3\n"
    )
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    assert caught.value.lines() == [
        f"Pulumi.bad.yaml: {namespace}:scaling: '{namespace}' is not this project's namespace: "
        "write runmcp-gateway:scaling"
    ]


def test_other_namespaces_stay_the_providers() -> None:
    """aws:, kubernetes: (whose `cluster` key shares a name with ours) and pulumi: are not ours to judge."""
    config = {
        "runmcp-gateway:gateway": json.dumps({"image": IMAGE}),
        "aws:region": "us-east-1",
        "kubernetes:cluster": "arn:aws:eks:us-east-1:123456789012:cluster/x",
        "pulumi:template": "x",
    }
    assert load_settings(config, source="Pulumi.x.yaml").gateway.image == IMAGE
