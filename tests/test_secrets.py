"""Secrets stay Pulumi secrets end to end: config, Kubernetes Secret, plan output."""

from __future__ import annotations

import json

from components.config import SECRET_PLACEHOLDER
from components.offline.cli import plan_document
from components.offline.runner import SECRET
from tests.conftest import container, one, planned


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


def test_repository_stacks_commit_no_plaintext_secrets() -> None:
    for stack in ("dev", "prod"):
        assert planned(stack).settings.gateway.secret_env == {}
