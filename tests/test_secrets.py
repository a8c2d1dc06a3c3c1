"""Secrets stay Pulumi secrets end to end: config, Kubernetes Secret, plan output."""

from __future__ import annotations

import io
import json
import string
import tempfile
from pathlib import Path

import yaml
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from components.config import SECRET_PLACEHOLDER, StackFile, read_stack_file, settings_from_stack_file
from components.offline.cli import plan_document, print_text
from components.offline.kubernetes import write_manifests
from components.offline.runner import SECRET, Plan, run_program
from components.settings import SECRET_PATHS
from components.settings.loading import _walk
from tests.conftest import ALL_STACKS, PROJECT_DIR, container, one, planned, stack_path


def test_secret_env_reaches_the_pod_only_through_a_secret() -> None:
    plan = planned("existing")
    secret = one(plan, "Secret")
    assert secret["stringData"] == {"OAUTH_CLIENT_SECRET": SECRET, "UPSTREAM_API_TOKEN": SECRET}
    env = container(plan)["env"]
    by_name = {e["name"]: e for e in env}
    for name in ("OAUTH_CLIENT_SECRET", "UPSTREAM_API_TOKEN"):
        assert "value" not in by_name[name]
        assert by_name[name]["valueFrom"]["secretKeyRef"] == {"name": secret["metadata"]["name"], "key": name}
    assert by_name["LOG_LEVEL"]["value"] == "info"


def test_secret_inputs_are_recorded_as_secrets() -> None:
    """The engine sees the Secret's data and the kubeconfig as secrets (redacted in the record)."""
    plan = planned("existing")
    provider = plan.custom_resources("pulumi:providers:kubernetes")[0]
    assert provider.inputs["kubeconfig"] == SECRET
    assert provider.inputs["context"] == "test-context"


def test_no_secret_value_in_the_plan_document() -> None:
    text = json.dumps(plan_document(planned("existing")))
    assert SECRET_PLACEHOLDER not in text
    assert SECRET in text


def test_committed_stack_files_hold_secrets_only_as_ciphertext() -> None:
    """Every secret setting present in a committed stack file is a `secure:` value."""
    for stack in ALL_STACKS:
        path = stack_path(stack)
        doc = yaml.safe_load(path.read_text())["config"]
        ours = {k.split(":", 1)[1]: v for k, v in doc.items() if k.startswith("runmcp-gateway:")}
        secure = read_stack_file(path).secure_paths
        for pattern in SECRET_PATHS:
            for found, value in _walk(ours, pattern):
                assert found in secure, f"{path.name}: {'.'.join(found)} is plain text"
                assert set(value) == {"secure"}
    # The test stack does carry secrets, so the loop above is not vacuous.
    assert read_stack_file(stack_path("existing")).secure_paths


SECRET_VALUE = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=12, max_size=40).map(
    lambda s: f"s3cr3t-{s}"
)


@settings(max_examples=5, deadline=None, derandomize=True, phases=[Phase.generate])  # no slow shrinking
@given(token=SECRET_VALUE, kubeconfig=SECRET_VALUE)
def test_no_secret_value_anywhere_in_what_the_plan_shows(token: str, kubeconfig: str) -> None:
    """Real values, handed to the program as `pulumi up` hands decrypted secrets: none of them may
    appear in the recorded inputs, the outputs, the JSON or text plan, or the rendered objects."""
    base = read_stack_file(stack_path("existing"))
    config = dict(base.config)
    cluster = json.loads(config["runmcp-gateway:cluster"])
    cluster["existing"]["kubeconfig"] = kubeconfig
    gateway = json.loads(config["runmcp-gateway:gateway"])
    gateway["secretEnv"] = {"UPSTREAM_API_TOKEN": token, "OAUTH_CLIENT_SECRET": token[::-1]}
    config["runmcp-gateway:cluster"] = json.dumps(cluster)
    config["runmcp-gateway:gateway"] = json.dumps(gateway)
    stack_file = StackFile(base.path, config, base.secret_keys, base.secure_paths)
    monitor, warnings = run_program(PROJECT_DIR, "existing", stack_file)
    plan = Plan.of_run(
        monitor,
        warnings,
        project="runmcp-gateway",
        stack="existing",
        stack_file=base.path,
        settings=settings_from_stack_file(stack_file),
    )
    text = io.StringIO()
    print_text(plan, text)
    with tempfile.TemporaryDirectory() as directory:
        rendered = "".join(p.read_text() for p in write_manifests(plan, Path(directory)))
    for shown in (json.dumps(plan_document(plan)), text.getvalue(), rendered, json.dumps(plan.outputs)):
        for value in (token, token[::-1], kubeconfig):
            assert value not in shown
    assert one(plan, "Secret")["stringData"]["UPSTREAM_API_TOKEN"] == SECRET


def test_the_eks_kubeconfig_is_exported_only_as_a_secret() -> None:
    for stack in ("dev", "prod"):
        assert planned(stack).outputs["kubeconfig"] == SECRET
