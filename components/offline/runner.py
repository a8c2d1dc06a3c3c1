"""Run the real program (``__main__.py``) with a stack file under Pulumi's mock runtime, and record
every resource it registers the way the engine would see it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.mocks import MockMonitor, set_mocks
from pulumi.runtime.sync_await import _sync_await

from ..config import StackFile, StackFileError, read_stack_file, settings_from_stack_file
from ..settings import AWS_REGION_KEY, PROJECT, StackSettings, stack_file_name
from .mocks import CloudMocks

SECRET = "[secret]"
# Signatures Pulumi uses inside property structs (sdk/proto: special property values).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270"
_SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e"


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    """Inputs as Pulumi records them: camelCase keys, whole numbers as int, secrets as "[secret]"."""
    dependencies: list[str]
    provider: str
    """URN of the provider resource this resource uses ("" for components)."""
    protect: bool
    assigned_name: str = ""
    """metadata.name the (mock) provider gave a Kubernetes object that Pulumi auto-named."""
    resource_id: str = ""
    """The ID the (mock) provider answered with, as other resources' inputs refer to it."""
    engine_urn: str = ""
    """The URN the Pulumi engine gives the resource: its type qualified by every ancestor's type
    (the mock monitor's ``urn`` names only the parent's type)."""
    aliases: tuple[str, ...] = ()
    """Engine URNs this resource was known by before (ResourceOptions.aliases): Pulumi moves it
    instead of replacing it."""
    delete_before_replace: bool = False
    """ResourceOptions.delete_before_replace: a replacement deletes this resource first."""
    ignore_changes: tuple[str, ...] = ()
    """ResourceOptions.ignore_changes: input paths a later `pulumi up` leaves as they are."""
    replace_on_changes: tuple[str, ...] = ()
    """ResourceOptions.replace_on_changes: input paths whose change replaces the resource."""


@dataclass
class Plan:
    project: str
    stack: str
    stack_file: Path
    settings: StackSettings
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def custom_resources(self, type_prefix: str = "") -> list[PlannedResource]:
        return [r for r in self.resources if r.custom and r.type.startswith(type_prefix)]


def to_plain(value: Any) -> Any:
    """A property value from the wire as plain JSON data: secrets redacted leaf by leaf (so the
    shape stays valid), resource references as their URN, whole numbers as int."""
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SIG_SECRET:
            return _redact(to_plain(value.get("value")))
        if sig == _SIG_RESOURCE:
            return value.get("urn", "")
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return SECRET


def _struct(message: struct_pb2.Struct) -> dict[str, Any]:
    plain = to_plain(json_format.MessageToDict(message))
    assert isinstance(plain, dict)
    return plain


class RecordingMonitor(MockMonitor):
    """MockMonitor that also keeps what the engine is told: parent, dependencies, provider, options."""

    def __init__(self, mocks: CloudMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[PlannedResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self.engine_urns: dict[str, str] = {}

    def _engine_urn(self, kind: str, name: str, parent: str) -> str:
        parent = self.engine_urns.get(parent, parent)
        if parent and "::pulumi:pulumi:Stack::" not in parent:
            kind = f"{parent.split('::')[2]}${kind}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{kind}::{name}"

    def _alias_urns(self, request: Any) -> list[str]:
        """Engine URNs of a registration's aliases, resolved from their specs as the engine does."""
        urns = list(getattr(request, "aliasURNs", []))
        for alias in request.aliases:
            if alias.HasField("urn"):
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = request.parent
            if spec.HasField("parentUrn") and spec.parentUrn:  # empty: the resource's own parent
                parent = spec.parentUrn
            elif spec.HasField("noParent") and spec.noParent:
                parent = ""
            urn = self._engine_urn(spec.type or request.type, spec.name or request.name, parent)
            if spec.stack or spec.project:
                _, _, rest = urn.split("::", 2)
                urn = f"urn:pulumi:{spec.stack or pulumi.get_stack()}::{spec.project or pulumi.get_project()}::{rest}"
            urns.append(urn)
        return urns

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().Invoke(request)  # type: ignore[no-untyped-call]
        # The SDK gives each worker thread that answers an invoke an event loop of its own.
        _remember_event_loop()
        return response

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        _remember_event_loop()
        engine_urn = self._engine_urn(request.type, request.name, request.parent)
        self.engine_urns[response.urn] = engine_urn
        if request.type != "pulumi:pulumi:Stack":
            # Only the name is taken from the answer: mock state echoes inputs with secrets unwrapped.
            answer = json_format.MessageToDict(response.object)
            assigned = (
                (answer.get("metadata") or {}).get("name", "") if isinstance(answer.get("metadata"), dict) else ""
            )
            self.recorded.append(
                PlannedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    inputs=_struct(request.object),
                    dependencies=sorted(set(request.dependencies)),
                    provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
                    protect=bool(request.protect),
                    assigned_name=str(assigned),
                    resource_id=str(response.id),
                    engine_urn=engine_urn,
                    aliases=tuple(self._alias_urns(request)),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    ignore_changes=tuple(request.ignoreChanges),
                    replace_on_changes=tuple(request.replaceOnChanges),
                )
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = _struct(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


_EVENT_LOOPS: set[asyncio.AbstractEventLoop] = set()


def _remember_event_loop() -> None:
    """Note this thread's event loop, if the SDK has given it one."""
    with contextlib.suppress(RuntimeError):
        _EVENT_LOOPS.add(asyncio.get_event_loop())


def close_event_loops() -> None:
    """Close the event loops the SDK opened for the runs of this process (one per thread it used).

    For a process about to exit: left open, they are closed by their finalizers during interpreter
    shutdown, when their sockets may be gone already, and Python then prints an ignored exception
    with a traceback. Not for a process that plans again afterwards: the loops stay its threads'.
    """
    for loop in list(_EVENT_LOOPS):
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    _EVENT_LOOPS.clear()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def stacks_in(directory: Path) -> list[str]:
    """The stacks that have a stack file (Pulumi.<stack>.yaml) in ``directory``, sorted."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in directory.glob(stack_file_name("*")))


def locate_stack_file(project_dir: Path, stack: str) -> Path:
    path = project_dir / stack_file_name(stack)
    if not path.is_file():
        known = stacks_in(project_dir)
        raise StackFileError(
            f"{path.name}: no such stack file in {project_dir} (stacks here: {', '.join(known) or 'none'})"
        )
    return path


def run_plan(project_dir: Path, stack: str, stack_file: Path | None = None) -> Plan:
    """Plan one stack offline. Bad settings raise SettingsError before the runtime even starts."""
    project_dir = project_dir.resolve()
    path = stack_file.resolve() if stack_file is not None else locate_stack_file(project_dir, stack)
    loaded = read_stack_file(path)
    settings = settings_from_stack_file(loaded)
    monitor, warnings = run_program(project_dir, stack, loaded)
    return Plan(
        project=PROJECT,
        stack=stack,
        stack_file=path,
        settings=settings,
        resources=list(monitor.recorded),
        outputs=dict(monitor.stack_outputs),
        warnings=warnings,
    )


def run_program(
    project_dir: Path, stack: str, stack_file: StackFile, monitor: RecordingMonitor | None = None
) -> tuple[RecordingMonitor, list[str]]:
    """Run ``__main__.py`` with the stack file's config, as `pulumi up` would, against the mocks.

    Returns the monitor (what was registered) and the warnings the program logged. Whatever the
    program raises (SettingsError for bad settings) propagates.
    """
    project_dir = project_dir.resolve()
    program = project_dir / "__main__.py"
    if not program.is_file():
        raise StackFileError(f"{program}: the Pulumi program is missing")
    monitor = (
        monitor if monitor is not None else RecordingMonitor(CloudMocks(region=stack_file.config.get(AWS_REGION_KEY)))
    )
    mocks = monitor.mocks
    assert isinstance(mocks, CloudMocks)
    collect = _Collect()
    logger = logging.getLogger(f"runmcp.offline.{stack}")
    logger.propagate = False
    logger.handlers = [collect]
    set_mocks(mocks, project=project_name(project_dir), stack=stack, preview=False, logger=logger, monitor=monitor)
    # Outputs of an earlier run in this process that failed (the mock cloud refused a resource, say)
    # are still tracked by the SDK; this run must not await them.
    runtime_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(stack_file.config, stack_file.secret_keys)
    # set_mocks installs a finished root stack; run_in_stack makes the program's own, as `pulumi up` does.
    runtime_settings.set_root_resource(None)  # type: ignore[arg-type]

    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    # The program reads Pulumi.<stack>.yaml beside it, as under `pulumi up`: here, the stack file's folder.
    try:
        with _working_directory(stack_file.path.parent):
            _sync_await(runtime_stack.run_in_stack(lambda: _run_program(program)))
    finally:
        _remember_event_loop()
    return monitor, list(collect.messages)


def project_name(project_dir: Path) -> str:
    """The project's name from its Pulumi.yaml (config keys without a namespace take it)."""
    path = project_dir / "Pulumi.yaml"
    if path.is_file():
        name = (yaml.safe_load(path.read_text()) or {}).get("name")
        if isinstance(name, str) and name:
            return name
    return PROJECT


def _run_program(program: Path) -> None:
    runpy.run_path(str(program), run_name="__main__")
