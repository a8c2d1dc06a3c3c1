"""The settings' structure: a stack's program parses its settings once, and building the platform from
parsed settings plans what the args path plans; the settings package keeps one definition per name."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import components.settings as settings_package
from components.config import read_stack_file, settings_from_stack_file
from components.offline.mocks import CloudMocks
from components.offline.program import load_program
from components.offline.runner import RecordingMonitor, run_in_mocks, run_program, to_plain
from components.platform import TYPE_TOKEN, GatewayPlatform, platform_args
from components.settings import AWS_REGION_KEY, PROJECT, GatewaySettings, StackSettings
from tests.conftest import PROJECT_DIR, REPO_STACKS, stack_path


def _count_stack_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every parse of a whole stack's settings from data: StackSettings validated from a
    mapping whose gateway section is not a parsed GatewaySettings yet. (A component that checks the
    cross-section rules over sections it was handed parsed validates StackSettings too, but parses
    nothing again.)"""
    parses: list[str] = []
    original = StackSettings.model_validate

    def counting(data: Any, *args: Any, **kwargs: Any) -> StackSettings:
        if not isinstance(data, dict) or not isinstance(data.get("gateway"), GatewaySettings):
            parses.append(str(kwargs.get("context")))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(StackSettings, "model_validate", counting)
    return parses


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_the_program_parses_its_stack_settings_once(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stack_file = read_stack_file(stack_path(stack))
    parses = _count_stack_parses(monkeypatch)
    monitor, _ = run_program(load_program(PROJECT_DIR), stack, stack_file)
    assert monitor.recorded, "the program registered nothing"
    assert len(parses) == 1, f"the stack's settings were parsed {len(parses)} times: {parses}"


def _planned(stack: str, build: Callable[[StackSettings], object]) -> list[tuple[str, Any, str, bool]]:
    stack_file = read_stack_file(stack_path(stack))
    settings = settings_from_stack_file(stack_file)
    monitor, _ = run_in_mocks(lambda: build(settings), PROJECT, stack, stack_file.config, stack_file.secret_keys)
    assert isinstance(monitor, RecordingMonitor)
    return sorted((r.engine_urn, to_plain(r.inputs), r.provider, r.protect) for r in monitor.recorded)


@pytest.mark.parametrize("stack", REPO_STACKS)
def test_the_platform_from_parsed_settings_plans_what_its_args_plan(stack: str) -> None:
    from_settings = _planned(stack, lambda s: GatewayPlatform.from_settings("runmcp", s, instance=stack))
    from_args = _planned(stack, lambda s: GatewayPlatform("runmcp", platform_args(s, instance=stack)))
    assert from_settings == from_args


def test_from_settings_refuses_what_is_not_parsed_settings_naming_the_component() -> None:
    stack_file = read_stack_file(stack_path("dev"))
    raw = {"gateway": {"image": "hapimcp/hapi-cli:0.6.0"}}

    def build() -> None:
        GatewayPlatform.from_settings("runmcp", raw, instance="dev")  # type: ignore[arg-type]

    with pytest.raises(pulumi.RunError, match=f"^{TYPE_TOKEN} runmcp: from_settings takes a StackSettings, not dict"):
        run_in_mocks(build, PROJECT, "dev", stack_file.config, stack_file.secret_keys)


def test_from_settings_checks_the_instance_name_before_registering_anything() -> None:
    stack_file = read_stack_file(stack_path("dev"))
    settings = settings_from_stack_file(stack_file)
    monitor = RecordingMonitor(CloudMocks(region=stack_file.config.get(AWS_REGION_KEY)))

    def build() -> None:
        GatewayPlatform.from_settings("runmcp", settings, instance="dev stack/1")

    with pytest.raises(pulumi.RunError, match=f"^{TYPE_TOKEN} runmcp: the instance "):
        run_in_mocks(build, PROJECT, "dev", stack_file.config, stack_file.secret_keys, monitor)
    assert monitor.recorded == []


def _defined(path: Path) -> list[str]:
    """The names a module defines at its top level (classes, functions, assignments)."""
    names: list[str] = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def test_every_settings_name_has_one_definition_and_the_package_exports_it() -> None:
    """No two settings modules define one name, and `from runmcp_gateway.settings import X` finds
    every public one, whichever module defines it."""
    where: dict[str, list[str]] = {}
    for module in sorted(Path(settings_package.__file__).parent.glob("*.py")):
        if module.name != "__init__.py":
            for name in _defined(module):
                where.setdefault(name, []).append(module.stem)
    assert {name: modules for name, modules in where.items() if len(modules) > 1} == {}
    public = {name for name in where if not name.startswith("_") and name != "M"}
    assert public - set(settings_package.__all__) == set()
    assert all(getattr(settings_package, name) is not None for name in settings_package.__all__)
