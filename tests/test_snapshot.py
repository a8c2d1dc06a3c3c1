"""Stable resource names: a rename or re-parent without an alias fails here before it replaces a
live cluster or load balancer."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from components.config import StackFile
from components.offline.runner import Plan, run_program
from components.offline.snapshot import drift, explain, read_snapshot, snapshot_path, urns
from tests.conftest import ALL_STACKS, PROJECT_DIR, planned


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_urns_match_the_committed_snapshot(stack: str) -> None:
    path = snapshot_path(PROJECT_DIR, stack)
    assert path.is_file(), f"{path} is missing: run `make snapshot`"
    found = drift(read_snapshot(path), planned(stack))
    assert found.clean, explain(stack, found)


def renamed(plan: Plan, old_name: str, new_name: str, alias: bool) -> Plan:
    resources = []
    for r in plan.resources:
        if r.name == old_name:
            head, _, _ = r.engine_urn.rpartition("::")
            r = dataclasses.replace(
                r, name=new_name, engine_urn=f"{head}::{new_name}", aliases=(r.engine_urn,) if alias else ()
            )
        resources.append(r)
    return dataclasses.replace(plan, resources=resources)


def test_renaming_the_cluster_without_an_alias_is_caught() -> None:
    prod = planned("prod")
    snapshot = urns(prod)
    found = drift(snapshot, renamed(prod, "runmcp-cluster-eks", "runmcp-eks", alias=False))
    assert not found.clean
    assert [u.rsplit("::", 1)[-1] for u in found.lost] == ["runmcp-cluster-eks"]
    assert "would be DELETED" in explain("prod", found)


def test_an_alias_turns_the_rename_into_a_move() -> None:
    prod = planned("prod")
    found = drift(urns(prod), renamed(prod, "runmcp-load-balancer-tg", "runmcp-tg", alias=True))
    assert found.lost == []
    assert [u.rsplit("::", 1)[-1] for u in found.moved] == ["runmcp-load-balancer-tg"]
    # The new URN still has to enter the snapshot on purpose.
    assert [u.rsplit("::", 1)[-1] for u in found.added] == ["runmcp-tg"]
    assert not found.clean


def test_aliases_are_recorded_as_the_engine_resolves_them(tmp_path: Path) -> None:
    """A real program under the mock runtime: the recorder turns alias specs into engine URNs,
    with every ancestor's type, as `pulumi up` would match them against the state."""
    (tmp_path / "__main__.py").write_text(
        textwrap.dedent(
            """
            import pulumi

            class Box(pulumi.ComponentResource):
                def __init__(self, name, opts=None):
                    super().__init__("runmcp:test:Box", name, None, opts)

            outer = Box("outer")
            inner = Box("inner", pulumi.ResourceOptions(parent=outer))
            Box("new-name", pulumi.ResourceOptions(parent=inner, aliases=[pulumi.Alias(name="old-name")]))
            moved = Box("moved", pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=inner)]))
            Box("moved-child", pulumi.ResourceOptions(parent=moved))
            """
        )
    )
    stack_file = StackFile(path=tmp_path / "Pulumi.t.yaml", config={})
    monitor, _ = run_program(tmp_path, "t", stack_file)
    by_name = {r.name: r for r in monitor.recorded}
    prefix = "urn:pulumi:t::runmcp-gateway::"
    assert by_name["new-name"].engine_urn == f"{prefix}runmcp:test:Box$runmcp:test:Box$runmcp:test:Box::new-name"
    assert by_name["new-name"].aliases == (f"{prefix}runmcp:test:Box$runmcp:test:Box$runmcp:test:Box::old-name",)
    assert by_name["moved"].engine_urn == f"{prefix}runmcp:test:Box::moved"
    assert by_name["moved"].aliases == (f"{prefix}runmcp:test:Box$runmcp:test:Box$runmcp:test:Box::moved",)
    # A child moves with its parent: the engine derives its old URN from the parent's alias
    # (pulumi/pulumi step_generator.go, inheritedChildAlias), so moving a component moves its tree.
    assert by_name["moved-child"].engine_urn == f"{prefix}runmcp:test:Box$runmcp:test:Box::moved-child"
    assert by_name["moved-child"].aliases == (f"{prefix}{'$'.join(['runmcp:test:Box'] * 4)}::moved-child",)
