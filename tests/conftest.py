"""Shared fixtures: the real program planned offline for every stack file in the repository."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from functools import _lru_cache_wrapper, cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

import tests.package_alias  # noqa: F401  (first: `runmcp_gateway` is this checkout's components/)
from components import drills, headroom
from components.offline.kubernetes import manifests
from components.offline.runner import Plan, PlannedResource, run_plan, stacks_in
from components.settings import SettingsError

PROJECT_DIR = Path(__file__).resolve().parents[1]
TEST_STACKS_DIR = Path(__file__).resolve().parent / "stacks"
REPO_STACKS = stacks_in(PROJECT_DIR)
TEST_STACKS = stacks_in(TEST_STACKS_DIR)
ALL_STACKS = REPO_STACKS + TEST_STACKS
PLAN_CHECKS = ["duplicate-urns", "kubernetes-schema", "crd-schema", "policy-pack", "aws-api-models"]
"""The validators `runmcp-infra plan` runs, in the order whose first failure decides the exit code."""
IMAGE = "hapimcp/hapi-cli:0.6.0"
"""A valid gateway image for settings written by tests."""


CLI_OF_THIS_CHECKOUT = (
    "import runpy, tests.package_public; runpy.run_module('runmcp_gateway.offline.cli', run_name='__main__')"
)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`runmcp-infra ARGS` as a user runs it, in the project directory, with this checkout's code
    imported as the installed package (tests/package_public.py), not whichever checkout the
    virtualenv's editable install points at; so a program with a `components` package of its own
    (--program) gets its own."""
    return subprocess.run(
        [sys.executable, "-c", CLI_OF_THIS_CHECKOUT, *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def first_line_of_server(*command: str, cwd: Path = PROJECT_DIR) -> str:
    """Start a gRPC server Pulumi talks to (policy pack, provider), read the port it prints first,
    stop it. `timeout` bounds it should it never print. SIGTERM, which `timeout` passes on to the
    server: SIGKILL would stop `timeout` alone and leave the server running."""
    process = subprocess.Popen(
        ["timeout", "120", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    try:
        assert process.stdout is not None
        return process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait()


def stack_path(stack: str) -> Path:
    path = PROJECT_DIR / f"Pulumi.{stack}.yaml"
    return path if path.is_file() else TEST_STACKS_DIR / f"Pulumi.{stack}.yaml"


T = TypeVar("T")
_PLAN_CACHES: list[_lru_cache_wrapper[Any]] = []


def plan_cache(function: Callable[..., T]) -> _lru_cache_wrapper[T]:
    """functools.cache for what runs the program (a plan, its resources): emptied under mutmut, see
    pytest_runtest_setup."""
    cached = cache(function)
    _PLAN_CACHES.append(cached)
    return cached


@plan_cache
def planned(stack: str) -> Plan:
    return run_plan(PROJECT_DIR, stack, stack_path(stack))


_PLANS_EMPTIED = pytest.StashKey[bool]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under mutmut (`make mutants`, which sets MUTANT_UNDER_TEST), never judge by a plan the
    unmutated code made. mutmut runs its first pass ("stats": which tests call which function) and
    then forks every mutant's test run from that same process, where the caches are already full.
    In the stats pass each test plans afresh, so that every test that reads a plan is recorded as
    covering the code that made it (not only the first one); in a mutant's run the caches are
    emptied once, then shared by its tests, which all see the same mutant. A plain `pytest` run,
    without the variable, keeps its caches for the whole session."""
    phase = os.environ.get("MUTANT_UNDER_TEST")
    if phase is None:
        return
    if phase == "stats" or not item.session.stash.get(_PLANS_EMPTIED, False):
        for cached in _PLAN_CACHES:
            cached.cache_clear()
        item.session.stash[_PLANS_EMPTIED] = True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a mutant's run (which stops at the first failure), the tests that read a shared plan go
    first: most mutants fail one of them within seconds, before any test plans a stack of its own."""
    if os.environ.get("MUTANT_UNDER_TEST") in (None, "stats"):
        return
    items.sort(key=lambda item: not ({"plan", "repo_stack"} & set(getattr(item, "fixturenames", ()))))


def stack_config(stack: str) -> dict[str, Any]:
    """The stack file's own data, read independently of the program, to compare against."""
    doc = yaml.safe_load(stack_path(stack).read_text())
    return {k.split(":", 1)[1]: v for k, v in doc["config"].items() if k.startswith("runmcp-gateway:")}


# The component labels of the staging drills' objects and of the headroom's placeholders (a second
# Deployment, of pause pods): tested in test_drills*.py and test_headroom.py, and left out where the
# gateway's tests look for the gateway's objects, whatever else a stack runs.
DRILLS_COMPONENT = drills.COMPONENT
DRILLS_TYPE = drills.TYPE_TOKEN
HEADROOM_COMPONENT = headroom.COMPONENT


def objects(plan: Plan, kind: str) -> list[dict[str, Any]]:
    """The plan's Kubernetes objects of ``kind``, the drills' and the headroom's left out."""
    return [
        o
        for o in manifests(plan)
        if o["kind"] == kind
        and (o["metadata"].get("labels") or {}).get("app.kubernetes.io/component")
        not in (DRILLS_COMPONENT, HEADROOM_COMPONENT)
    ]


def without_drills(plan: Plan) -> Plan:
    """The plan without the staging drills' resources (the FIS role, its log group, ...): the
    GatewayDrills component and everything below it, by parent."""
    drills = {r.urn for r in plan.resources if r.type == DRILLS_TYPE}
    for resource in plan.resources:  # parents are registered before their children
        if resource.parent in drills:
            drills.add(resource.urn)
    return dataclasses.replace(plan, resources=[r for r in plan.resources if r.urn not in drills])


def one(plan: Plan, kind: str) -> dict[str, Any]:
    found = objects(plan, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def gateway_namespace(plan: Plan) -> dict[str, Any]:
    """The gateway's Namespace object (the controllers have one of their own)."""
    (found,) = [o for o in objects(plan, "Namespace") if o["metadata"]["name"] == plan.settings.gateway.namespace]
    return found


def of_type(plan: Plan, type_token: str) -> list[PlannedResource]:
    """The plan's resources of exactly this type token, components included."""
    return [r for r in plan.resources if r.type == type_token]


def single(plan: Plan, type_token: str) -> PlannedResource:
    found = of_type(plan, type_token)
    assert len(found) == 1, f"expected one {type_token}, found {len(found)}"
    return found[0]


def assert_refused(path: Path, key: str, fragment: str) -> None:
    """Planning the stack file at ``path`` stops with a line naming the file and ``key`` (below the
    project namespace) whose message contains ``fragment``."""
    with pytest.raises(SettingsError) as caught:
        run_plan(PROJECT_DIR, "bad", path)
    lines = caught.value.lines()
    matching = [line for line in lines if line.startswith(f"Pulumi.bad.yaml: runmcp-gateway:{key}: ")]
    assert matching, f"no line names {key}: {lines}"
    assert any(fragment in line for line in matching), matching


def container(plan: Plan) -> dict[str, Any]:
    """The gateway container of the Deployment (there is exactly one)."""
    containers = one(plan, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


@pytest.fixture(params=ALL_STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=REPO_STACKS)
def repo_stack(request: pytest.FixtureRequest) -> str:
    """Each stack file committed at the repository root (dev, prod)."""
    return str(request.param)


@pytest.fixture
def plan(stack: str) -> Plan:
    return planned(stack)


WriteStack = Callable[..., Path]
REGION = "us-east-1"


@pytest.fixture
def write_stack(tmp_path: Path) -> WriteStack:
    """Write a stack file named Pulumi.bad.yaml and return its path: a mapping of settings under
    runmcp-gateway (with aws:region, unless ``region=None``), or raw text."""

    def write(config: dict[str, Any] | str, region: str | None = REGION) -> Path:
        path = tmp_path / "Pulumi.bad.yaml"
        if isinstance(config, str):
            path.write_text(config)
        else:
            data = {f"runmcp-gateway:{k}": v for k, v in config.items()}
            if region is not None:
                data["aws:region"] = region
            path.write_text(yaml.safe_dump({"config": data}))
        return path

    return write
