"""Optional sections (settings models with a SWITCH: ``enabled`` or ``install``): switched off, no
other key of the section means anything. The settings model refuses one (naming its stack-file key),
and the stack-file JSON Schema is ``oneOf`` an on and an off variant so an editor flags it too. (The
typed args' union: tests/test_args.py.)"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from components.schema import SCHEMA_PATH, settings_models
from components.settings import (
    AccessLogSettings,
    AlarmSettings,
    ClusterAutoscalerSettings,
    ControllerSettings,
    DrillSettings,
    KedaSettings,
    SettingsError,
    StickinessSettings,
    WafSettings,
    load_settings,
    switch_of,
)
from tests.conftest import IMAGE, PROJECT_DIR

# Each optional section: its model, its stack-file key, and another of its keys with a valid value.
SECTIONS: list[tuple[type[BaseModel], str, str, Any]] = [
    (WafSettings, "loadBalancer.waf", "requestsPerFiveMinutes", 3000),
    (AccessLogSettings, "loadBalancer.accessLogs", "retentionDays", 30),
    (StickinessSettings, "loadBalancer.stickiness", "durationSeconds", 600),
    (ControllerSettings, "loadBalancer.controller", "chartVersion", "1.17.1"),
    (AlarmSettings, "alarms", "runbookUrl", "https://example.com/runbooks.md"),
    (DrillSettings, "drills", "zoneLossMinutes", 5),
    (ClusterAutoscalerSettings, "cluster.eks.clusterAutoscaler", "scaleDownUnneededTime", "5m"),
    (KedaSettings, "scaling.keda", "chartVersion", "2.20.2"),
]
IDS = [key for _, key, _, _ in SECTIONS]


def test_every_optional_section_is_tested_here() -> None:
    switched = {model for model in settings_models() if switch_of(model) is not None}
    assert switched == {model for model, *_ in SECTIONS}


def _config(key: str, section: dict[str, Any]) -> dict[str, Any]:
    """A stack's config with ``section`` at ``key`` (a dotted stack-file path) and a gateway."""
    top, *rest = key.split(".")
    value: Any = section
    for step in reversed(rest):
        value = {step: value}
    config = {"runmcp-gateway:gateway": {"image": IMAGE}, f"runmcp-gateway:{top}": value}
    if top == "scaling":  # KEDA means something only for a gateway that scales on requests
        config[f"runmcp-gateway:{top}"] |= {"requestsPerReplica": 100}
    return config


def _switch(model: type[BaseModel]) -> str:
    found = switch_of(model)
    assert found is not None
    return model.model_fields[found[0]].alias or found[0]


@pytest.mark.parametrize(("model", "key", "other", "value"), SECTIONS, ids=IDS)
def test_a_section_switched_off_refuses_its_other_keys_naming_them(
    model: type[BaseModel], key: str, other: str, value: Any
) -> None:
    switch = _switch(model)
    with pytest.raises(SettingsError) as caught:
        load_settings(_config(key, {switch: False, other: value}), source="Pulumi.bad.yaml", needs_region=False)
    assert caught.value.lines() == [
        f"Pulumi.bad.yaml: runmcp-gateway:{key}.{other}: has no effect with {switch}: false; remove it"
    ]


@pytest.mark.parametrize(("model", "key", "other", "value"), SECTIONS, ids=IDS)
def test_a_section_switched_off_alone_or_on_with_its_keys_is_a_valid_section(
    model: type[BaseModel], key: str, other: str, value: Any
) -> None:
    switch = _switch(model)
    assert getattr(model.model_validate({switch: False}), switch) is False
    on = model.model_validate({switch: True, other: value})
    assert getattr(on, switch) is True
    assert on.model_dump(by_alias=True)[other] == value


# --- The stack-file JSON Schema ---------------------------------------------------------------


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((PROJECT_DIR / SCHEMA_PATH).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(config: dict[str, Any]) -> list[jsonschema.ValidationError]:
    return list(validator().iter_errors({"config": config}))


@pytest.mark.parametrize(("model", "key", "other", "value"), SECTIONS, ids=IDS)
def test_the_schema_flags_a_section_switched_off_with_other_keys(
    model: type[BaseModel], key: str, other: str, value: Any
) -> None:
    switch = _switch(model)
    errors = _errors(_config(key, {switch: False, other: value}))
    assert errors, "a section switched off with another key passed the schema"
    (error,) = errors
    # Where the editor marks it: the section itself, neither variant fitting.
    top, *rest = key.split(".")
    assert list(error.absolute_path) == ["config", f"runmcp-gateway:{top}", *rest]
    assert "is not valid under any of the given schemas" in error.message


@pytest.mark.parametrize(("model", "key", "other", "value"), SECTIONS, ids=IDS)
def test_the_schema_takes_a_section_switched_off_alone_on_with_its_keys_or_left_to_its_default(
    model: type[BaseModel], key: str, other: str, value: Any
) -> None:
    switch = _switch(model)
    _, on_by_default = switch_of(model) or ("", False)
    for section in ({switch: False}, {switch: True, other: value}, {}):
        assert _errors(_config(key, section)) == [], section
    # The other key alone is the on variant only where the section is on by default.
    assert (_errors(_config(key, {other: value})) == []) is on_by_default


def test_a_switch_that_is_not_a_boolean_is_flagged() -> None:
    errors = _errors(_config("loadBalancer.waf", {"enabled": "yes"}))
    assert errors
    assert [list(e.absolute_path) for e in errors] == [["config", "runmcp-gateway:loadBalancer", "waf"]]


def test_every_default_in_the_schema_is_a_value_the_schema_takes() -> None:
    """A default is what an editor offers to insert: a section switched off is written as its
    switch alone, or the off variant would refuse it."""
    schema = json.loads((PROJECT_DIR / SCHEMA_PATH).read_text())
    defaults: list[tuple[str, dict[str, Any], Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "default" in node:
                defaults.append((path, {k: v for k, v in node.items() if k != "default"}, node["default"]))
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}/{i}")

    walk(schema, "")
    assert any(default == {"enabled": False} for _, _, default in defaults)  # waf's, stickiness'
    for path, node, default in defaults:
        errors = list(jsonschema.Draft202012Validator({**node, "$defs": schema["$defs"]}).iter_errors(default))
        assert errors == [], f"{path}: {[e.message for e in errors]}"
