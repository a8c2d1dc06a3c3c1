"""The JSON Schema of the stack files: generated from the settings model, committed, current, and
referenced by every stack file for editor completion and validation."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from components.schema import SCHEMA_PATH, render
from tests.conftest import ALL_STACKS, PROJECT_DIR, stack_path

SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((PROJECT_DIR / SCHEMA_PATH).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_current() -> None:
    assert (PROJECT_DIR / SCHEMA_PATH).read_text() == render(), "the settings changed: run `make schema`"


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_stack_file_references_and_passes_the_schema(stack: str) -> None:
    path = stack_path(stack)
    first = path.read_text().splitlines()[0]
    match = SCHEMA_LINE.match(first)
    assert match, f"{path.name} does not reference the schema on its first line"
    assert (path.parent / match.group(1)).resolve() == (PROJECT_DIR / SCHEMA_PATH).resolve()
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(yaml.safe_load(path.read_text()))
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"runmcp-gateway:scalling": {}}, "False schema"),
        ({"runmcp-gateway:scaling": {"maxReplica": 3}}, "Additional properties"),
        ({"runmcp-gateway:scaling": {"minReplicas": "two"}}, "is not of type 'integer'"),
        ({"runmcp-gateway:loadBalancer": {"kind": "nlb"}}, "is not one of"),
        ({"runmcp-gateway:gateway": {"image": "x:1", "secretEnv": {"TOKEN": "plain"}}}, "is not of type 'object'"),
        # Dedented out of its section: no namespace, so Pulumi reads it as runmcp-gateway:targetCpuUtilization.
        ({"targetCpuUtilization": 50}, "False schema"),
        ({"scaling": {"maxReplica": 3}}, "Additional properties"),
        # Under a namespace that is almost the project's, Pulumi hands the section to no one.
        ({"runmcp:scaling": {"minReplicas": 3}}, "False schema"),
        ({"runmcp-gatway:scaling": {"minReplicas": 3}}, "False schema"),
    ],
)
def test_schema_catches_what_an_editor_should_flag(config: dict[str, Any], fragment: str) -> None:
    doc = {"config": {"runmcp-gateway:gateway": {"image": "hapimcp/hapi-cli:0.6.0"}, **config}}
    messages = [e.message for e in validator().iter_errors(doc)]
    assert any(fragment in m for m in messages), messages


def test_schema_describes_settings_with_their_docstrings() -> None:
    schema = json.loads((PROJECT_DIR / SCHEMA_PATH).read_text())
    shutdown = schema["$defs"]["Shutdown"]["properties"]["preStopSeconds"]
    assert "Pause before SIGTERM" in shutdown["description"]
    assert shutdown["default"] == 15


def test_a_section_without_its_namespace_is_the_projects() -> None:
    """Pulumi reads `gateway:` as `runmcp-gateway:gateway`: the schema takes it, and still needs one."""
    assert list(validator().iter_errors({"config": {"gateway": {"image": "hapimcp/hapi-cli:0.6.0"}}})) == []
    messages = [e.message for e in validator().iter_errors({"config": {"scaling": {"minReplicas": 2}}})]
    assert any("is not valid under any of the given schemas" in m for m in messages), messages
