"""Run the real program (``__main__.py``) with a stack file under Pulumi's mock runtime, and record
every resource it registers the way the engine would see it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import runpy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.mocks import MockMonitor, set_mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from ..config import StackFile, read_stack_file, settings_from_stack_file
from ..settings import AWS_REGION_KEY, PROJECT, ClusterSettings, StackSettings
from .mocks import CloudMocks
from .program import Program, load_program, own_imports
from .program import locate_stack_file as _locate
from .program import stacks_in as stacks_in  # where the CLI, snapshot and tests have found it

SECRET = "[secret]"
UNKNOWN = "[unknown]"
"""How a value the cloud computes and a preview does not know yet shows in a preview's inputs."""
# Signatures Pulumi uses inside property structs (sdk/proto: special property values).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270"
_SIG_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e"
# How the wire marks a value that is not known yet (pulumi/runtime/rpc.py: UNKNOWN).
_WIRE_UNKNOWN = rpc.UNKNOWN


class DuplicateUrnError(Exception):
    """Two resources of one program have the same URN. The engine stops the update with this
    message (pkg/resource/deploy: "Duplicate resource URN '<urn>'; try giving it a unique name");
    the mock monitor would silently keep the second."""

    def __init__(self, urn: str) -> None:
        self.urn = urn
        super().__init__(f"Duplicate resource URN '{urn}'; try giving it a unique name")


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
    depends_on: tuple[str, ...] = ()
    """The explicit dependencies (ResourceOptions.depends_on, components expanded to their
    children as the SDK sends them): those of ``dependencies`` no input property accounts for."""
    replace_on_changes: tuple[str, ...] = ()
    """Input paths whose change replaces the resource instead of updating it (camelCase)."""
    delete_before_replace: bool = False
    """A replacement deletes the old resource before creating the new one."""
    retain_on_delete: bool = False
    """Deleting (or replacing) the resource leaves it in the cloud."""
    ignore_changes: tuple[str, ...] = ()
    """Input paths whose changes are ignored after creation (camelCase)."""
    import_id: str = ""
    """The ID of an existing cloud resource Pulumi adopts instead of creating one (ResourceOptions.import_)."""


@dataclass(frozen=True)
class PlannedInvoke:
    """A question the program asked the cloud (a data source, e.g. aws.get_availability_zones)."""

    token: str
    args: dict[str, Any]
    """The arguments as sent: camelCase keys, whole numbers as int, secrets as "[secret]"."""
    provider: str
    """URN of the explicit provider the invoke was made with; "" for the default provider."""


DEFAULT_KUBERNETES_VERSION: str = ClusterSettings.model_fields["kubernetes_version"].default
EKS_CLUSTER = "aws:eks/cluster:Cluster"


@dataclass
class Plan:
    project: str
    stack: str
    stack_file: Path | None
    """The stack file the config came from (None for resources built by a function, see testing.py)."""
    settings: StackSettings | None
    """This project's stack settings, for a program of this project (runmcp-gateway); None for a
    consumer's program, whose components validate their own args."""
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    invokes: list[PlannedInvoke] = field(default_factory=list)
    preview: bool = False
    """Run as `pulumi preview` runs: values the cloud computes are unknown ("[unknown]")."""
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    """The Kubernetes version the plan's objects are validated against (see kubernetes_version_of)."""

    def custom_resources(self, type_prefix: str = "") -> list[PlannedResource]:
        return [r for r in self.resources if r.custom and r.type.startswith(type_prefix)]

    @classmethod
    def of_run(
        cls,
        monitor: RecordingMonitor,
        warnings: list[str],
        *,
        project: str,
        stack: str,
        stack_file: Path | None,
        settings: StackSettings | None,
        preview: bool = False,
    ) -> Plan:
        """What one run of a program (run_program, run_in_mocks) recorded, as a Plan."""
        return cls(
            project=project,
            stack=stack,
            stack_file=stack_file,
            settings=settings,
            resources=list(monitor.recorded),
            outputs=dict(monitor.stack_outputs),
            warnings=list(warnings),
            invokes=list(monitor.invokes),
            preview=preview,
            kubernetes_version=kubernetes_version_of(monitor.recorded, settings),
        )


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
    if value == _WIRE_UNKNOWN:
        return UNKNOWN
    return value


def contains_unknowns(value: Any) -> bool:
    """Whether a plain value (inputs of a preview) holds a value not known yet."""
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return isinstance(value, str) and value == UNKNOWN


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return SECRET


def _struct(message: struct_pb2.Struct, redact: bool = True) -> dict[str, Any]:
    data = json_format.MessageToDict(message)
    plain = to_plain(data) if redact else _unwrapped(data)
    assert isinstance(plain, dict)
    return plain


def _unwrapped(value: Any) -> Any:
    """Like to_plain, but secrets as their values and unknowns as the wire's marker: what a
    provider sees when it checks inputs."""
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SIG_SECRET:
            return _unwrapped(value.get("value"))
        if sig == _SIG_RESOURCE:
            return value.get("urn", "")
        return {k: _unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrapped(v) for v in value]
    return value


class RecordingMonitor(MockMonitor):
    """MockMonitor that also keeps what the engine is told: parent, dependencies, provider, options,
    invokes; and refuses what the engine refuses (duplicate URNs).

    ``preview``: answer as the engine does during `pulumi preview`: a create returns its inputs,
    an empty ID and no other output, so everything the cloud computes is unknown to the program.
    """

    def __init__(self, mocks: CloudMocks, preview: bool = False) -> None:
        super().__init__(mocks)
        self.preview = preview
        self.recorded: list[PlannedResource] = []
        self.invokes: list[PlannedInvoke] = []
        self.stack_outputs: dict[str, Any] = {}
        self.engine_urns: dict[str, str] = {}
        self.alias_urns: dict[str, tuple[str, ...]] = {}
        """Engine URN -> the engine URNs it was known by (its aliases, its ancestors' multiplied in)."""
        self._seen: set[str] = set()
        self._seen_lock = threading.Lock()  # the SDK registers from several worker threads

    def _engine_urn(self, kind: str, name: str, parent: str) -> str:
        parent = self.engine_urns.get(parent) or self._from_mock_prefix(parent)
        if parent and "::pulumi:pulumi:Stack::" not in parent:
            kind = f"{parent.split('::')[2]}${kind}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{kind}::{name}"

    def _from_mock_prefix(self, urn: str) -> str:
        """The engine's form of a URN the program built from a mock one (pulumi.resource.create_urn
        with a parent): the mock's URNs name only the parent's type (pulumi:pulumi:Stack at the top),
        the engine's every ancestor's, the stack's none."""
        parts = urn.split("::")
        if len(parts) != 4:
            return urn
        stack, project, qualified, name = parts
        parent_type, found, kind = qualified.rpartition("$")
        # A copy: the SDK registers resources from several threads, and another registration may
        # add its URN while this one looks (seen under mutmut: "dictionary changed size").
        for mock, engine in list(self.engine_urns.items()) if found else ():
            if mock.split("::")[2] == parent_type:
                return f"{stack}::{project}::{engine.split('::')[2]}${kind}::{name}"
        return urn

    def _alias_urns(self, request: Any, engine_urn: str) -> list[str]:
        """Engine URNs of a registration's aliases, resolved from their specs as the engine does,
        and multiplied by its parent's: a child of a moved component is moved with it (pulumi/pulumi
        pkg/resource/deploy/step_generator.go, generateAliases and inheritedChildAlias; the engine
        takes the one parent alias the state matched, here every one the parent declares)."""
        own = self._declared_aliases(request)
        urns = list(own)
        parent = self.engine_urns.get(request.parent, request.parent)
        parent_name = parent.rsplit("::", 1)[-1]
        for parent_alias in self.alias_urns.get(parent, ()):
            for alias in [engine_urn, *own]:
                kind, name = alias.split("::")[2].rsplit("$", 1)[-1], alias.rsplit("::", 1)[-1]
                if name.startswith(parent_name):
                    name = parent_alias.rsplit("::", 1)[-1] + name.removeprefix(parent_name)
                urns.append(self._engine_urn(kind, name, parent_alias))
        urns = list(dict.fromkeys(urns))
        self.alias_urns[engine_urn] = tuple(urns)
        return urns

    def _declared_aliases(self, request: Any) -> list[str]:
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
        self.invokes.append(
            PlannedInvoke(
                token=request.tok,
                args=_struct(request.args),
                provider=_provider_urn(request.provider),
            )
        )
        response = super().Invoke(request)  # type: ignore[no-untyped-call]
        # The SDK gives each worker thread that answers an invoke an event loop of its own.
        _remember_event_loop()
        return response

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        engine_urn = self._engine_urn(request.type, request.name, request.parent)
        stack = request.type == "pulumi:pulumi:Stack"
        # The engine's URNs, not the mock's: the mock's name only the parent's type, so two
        # resources the engine tells apart may share one (and the mock keeps the second). The
        # stack is left out: set_mocks registers one before the program registers its own.
        if not stack:
            with self._seen_lock:
                if engine_urn in self._seen:
                    raise DuplicateUrnError(engine_urn)
                self._seen.add(engine_urn)
        if request.type.startswith("pulumi:providers:"):
            mocks = self.mocks
            assert isinstance(mocks, CloudMocks)
            urn = self.make_urn(request.parent, request.type, request.name)
            mocks.note_provider(urn, request.type, _struct(request.object, redact=False))
        if self.preview and not stack:
            response = self._preview_register(request)
        else:
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        _remember_event_loop()
        self.engine_urns[response.urn] = engine_urn
        if not stack:
            self.recorded.append(self._planned(request, response, engine_urn))
        return response

    def _preview_register(self, request: Any) -> Any:
        """A create as `pulumi preview` answers it: the inputs (unknowns kept), an empty ID (unknown),
        plus the names the provider assigns when it checks the inputs (auto-names), which a preview
        shows; every other output is missing, so the SDK resolves it as unknown (rpc.resolve_properties)."""
        urn = self.make_urn(request.parent, request.type, request.name)
        state = struct_pb2.Struct()
        state.CopyFrom(request.object)
        mocks = self.mocks
        assert isinstance(mocks, CloudMocks)
        if request.custom:
            inputs = _struct(request.object, redact=False)
            for path, value in mocks.checked_names(request.type, request.name, inputs, request.provider).items():
                _set_path(state, path, value)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, "", json_format.MessageToDict(state))
        return resource_pb2.RegisterResourceResponse(urn=urn, id="", object=state)

    def _planned(self, request: Any, response: Any, engine_urn: str) -> PlannedResource:
        # Only the name is taken from the answer: mock state echoes inputs with secrets unwrapped.
        assigned = _string_at(response.object, ("metadata", "name"))
        dependencies = sorted(set(request.dependencies))
        # The request carries all dependencies and, per input property, those the property brings
        # (pulumi/runtime/resource.py: prepare_resource); the rest come from depends_on.
        from_inputs = {urn for deps in request.propertyDependencies.values() for urn in deps.urns}
        return PlannedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            inputs=_struct(request.object),
            dependencies=dependencies,
            provider=_provider_urn(request.provider),
            protect=bool(request.protect),
            assigned_name=assigned if assigned != _WIRE_UNKNOWN else "",
            resource_id=str(response.id),
            engine_urn=engine_urn,
            aliases=tuple(self._alias_urns(request, engine_urn)),
            depends_on=tuple(urn for urn in dependencies if urn not in from_inputs),
            replace_on_changes=tuple(request.replaceOnChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            import_id=str(request.importId),
        )

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = _struct(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


def _string_at(state: struct_pb2.Struct, path: tuple[str, ...]) -> str:
    """The string at ``path`` in a property struct; "" when there is none."""
    node = state
    for key in path[:-1]:
        child = node.fields.get(key)
        if child is None or child.WhichOneof("kind") != "struct_value":
            return ""
        node = child.struct_value
    leaf = node.fields.get(path[-1])
    return leaf.string_value if leaf is not None and leaf.WhichOneof("kind") == "string_value" else ""


def _set_path(state: struct_pb2.Struct, path: tuple[str, ...], value: str) -> None:
    """Set ``value`` at ``path`` in a property struct whose parents are known objects."""
    node = state
    for key in path[:-1]:
        child = node.fields.get(key)
        if child is None or child.WhichOneof("kind") != "struct_value":
            return  # missing, or itself unknown: nothing to name
        node = child.struct_value
    node[path[-1]] = value


def _provider_urn(reference: str) -> str:
    """The URN of a provider reference ("<urn>::<id>"); "" for the default provider."""
    return reference.rsplit("::", 1)[0] if reference else ""


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

    A run the program stopped (bad settings, a refused resource) leaves registrations pending; they
    are cancelled and let finish first, or their garbage collection at exit prints "Task was
    destroyed but it is pending!" after the one-line error.
    """
    for loop in _idle_loops():
        _cancel_pending(loop)
        loop.close()
    _EVENT_LOOPS.clear()


def _idle_loops() -> list[asyncio.AbstractEventLoop]:
    return [loop for loop in list(_EVENT_LOOPS) if not (loop.is_running() or loop.is_closed())]


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


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


def locate_stack_file(project_dir: Path, stack: str) -> Path:
    """The stack file of ``stack`` in the project at ``project_dir`` (its stackConfigDir, if set)."""
    return _locate(load_program(project_dir, require_project_file=False), stack)


def kubernetes_version_of(resources: list[PlannedResource], settings: StackSettings | None) -> str:
    """The version the plan's Kubernetes objects are for: the stack settings' for this project's
    program; else the EKS cluster's own (when the program makes one, of one version); else the
    version the settings default to."""
    if settings is not None:
        return settings.cluster.kubernetes_version
    versions = {r.inputs.get("version") for r in resources if r.type == EKS_CLUSTER}
    if len(versions) == 1:
        (version,) = versions
        if isinstance(version, str) and version:
            return version
    return DEFAULT_KUBERNETES_VERSION


def run_plan(project_dir: Path, stack: str, stack_file: Path | None = None, *, preview: bool = False) -> Plan:
    """Plan one stack of the Pulumi program in ``project_dir`` (its Pulumi.yaml) offline.

    A program of this project (named runmcp-gateway) has its stack settings validated first: bad
    settings raise SettingsError before the runtime even starts. Any other program is a consumer's,
    with config under its own namespace: its components validate their args as they run. Two
    resources with one URN raise DuplicateUrnError, as the engine refuses them.

    ``preview``: run as `pulumi preview` does (see RecordingMonitor), not as `pulumi up`."""
    program = load_program(project_dir)
    path = stack_file.resolve() if stack_file is not None else _locate(program, stack)
    loaded = read_stack_file(path, program.name)
    settings = settings_from_stack_file(loaded) if program.name == PROJECT else None
    monitor, warnings = run_program(program, stack, loaded, preview=preview)
    return Plan.of_run(
        monitor, warnings, project=program.name, stack=stack, stack_file=path, settings=settings, preview=preview
    )


def run_program(
    project_dir: Path | Program,
    stack: str,
    stack_file: StackFile,
    monitor: RecordingMonitor | None = None,
    *,
    preview: bool = False,
) -> tuple[RecordingMonitor, list[str]]:
    """Run the program (``__main__.py``, or the project file's ``main``) with the stack file's
    config, as `pulumi up` (or with ``preview``, `pulumi preview`) would, against the mocks.

    Returns the monitor (what was registered) and the warnings the program logged. Whatever the
    program raises (SettingsError for bad settings, DuplicateUrnError) propagates.
    """
    program = project_dir if isinstance(project_dir, Program) else load_program(project_dir, require_project_file=False)
    main = program.main

    def body() -> None:
        runpy.run_path(str(main), run_name="__main__")

    # Under `pulumi up` the program runs in its directory. A stack file from elsewhere (--stack-file)
    # is read from its own folder: this project's program reads Pulumi.<stack>.yaml beside it.
    own = stack_file.path.parent.resolve() == program.stack_dir.resolve()
    with own_imports(program.program_dir), _working_directory(program.program_dir if own else stack_file.path.parent):
        return run_in_mocks(body, program.name, stack, stack_file.config, stack_file.secret_keys, monitor, preview)


def run_in_mocks(
    body: Callable[[], None],
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str] | None = None,
    monitor: RecordingMonitor | None = None,
    preview: bool = False,
) -> tuple[RecordingMonitor, list[str]]:
    """Run ``body`` as the program of stack ``stack`` of ``project`` under the mock runtime, with
    ``config`` (full keys; ``secret_keys`` read as secrets). Returns the monitor and the warnings."""
    if monitor is None:
        monitor = RecordingMonitor(CloudMocks(region=config.get(AWS_REGION_KEY)), preview=preview)
    preview = monitor.preview
    mocks = monitor.mocks
    assert isinstance(mocks, CloudMocks)
    # As Pulumi's language host does (pulumi/pulumi sdk/python/cmd/pulumi-language-python-exec): a
    # program stopped by an error (a setting refused when its Output resolves, say) leaves futures
    # nobody awaits, which asyncio would report one traceback each; the error itself is the report.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    collect = _Collect()
    logger = logging.getLogger(f"runmcp.offline.{stack}")
    logger.propagate = False
    logger.handlers = [collect]
    # What a previous run of this process left pending (after a failure) must not join this one:
    # clear it, as pulumi/runtime/mocks.py's test decorator does.
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    set_mocks(mocks, project=project, stack=stack, preview=preview, logger=logger, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys or [])
    # set_mocks installs a finished root stack; run_in_stack makes the program's own, as `pulumi up` does.
    runtime_settings.set_root_resource(None)  # type: ignore[arg-type]
    try:
        _sync_await(runtime_stack.run_in_stack(body))
    except BaseException:
        # The loops serve the next run of this process too: what this stopped run left pending
        # (outputs of a refused resource) must not fail that one.
        _remember_event_loop()
        for loop in _idle_loops():
            _cancel_pending(loop)
        raise
    finally:
        _remember_event_loop()
    return monitor, list(collect.messages)
