"""A pytest plugin: unit-test your own Pulumi program with the offline plan's mocks.

Enable it in your ``conftest.py``::

    pytest_plugins = ["runmcp_gateway.offline.testing"]

and use the ``offline_plan`` fixture::

    def test_nodes_use_my_subnets(offline_plan):
        plan = offline_plan.program("infra", "dev")     # runs infra/__main__.py with Pulumi.dev.yaml
        ...

    def test_a_component_alone(offline_plan):
        plan = offline_plan.build(lambda: GatewayPlatform("mcp", {...}), config={"aws:region": "eu-west-1"})
        ...

Both run under the mocks `runmcp-infra plan` uses (components/offline/mocks.py: IDs, ARNs and zone
mappings like AWS's, which refuse what AWS refuses), and return a :class:`Plan`: every resource
with its inputs (secrets as "[secret]"), provider, parent and options, the stack outputs, and every
invoke. Planning needs only the runtime package; ``offline_plan.checks(plan)``, which runs the
plan's validators (Kubernetes and CRD schemas, the policy pack, AWS's API models) as the command
does, needs the ``plan`` extra (``pip install "runmcp-gateway[plan]"``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..config import full_key
from ..settings import AWS_REGION_KEY
from .entry import missing_modules
from .runner import Plan, run_in_mocks, run_plan

if TYPE_CHECKING:
    from .checks import CheckReport

DEFAULT_REGION = "us-east-1"


class OfflinePlanner:
    """What the ``offline_plan`` fixture gives a test: plans made under the package's mocks."""

    def program(self, directory: Path | str, stack: str, *, preview: bool = False) -> Plan:
        """Plan stack ``stack`` of the Pulumi program in ``directory`` (its Pulumi.yaml and
        Pulumi.<stack>.yaml), as `runmcp-infra plan STACK --program DIRECTORY` does."""
        return run_plan(Path(directory), stack, preview=preview)

    def build(
        self,
        program: Callable[[], object],
        *,
        config: Mapping[str, Any] | None = None,
        secrets: tuple[str, ...] = (),
        project: str = "test",
        stack: str = "test",
        preview: bool = False,
    ) -> Plan:
        """Run ``program`` (a function that creates resources, as a Pulumi program's body does) as
        stack ``stack`` of ``project``. ``config``: full keys (``aws:region``; a key without a
        namespace is the project's), values as in a stack file; ``aws:region`` defaults to
        us-east-1. ``secrets``: the keys whose values are secrets (``config.require_secret``)."""
        full = {full_key(key, project): value for key, value in (config or {}).items()}
        full.setdefault(AWS_REGION_KEY, DEFAULT_REGION)
        values = {key: value if isinstance(value, str) else json.dumps(value) for key, value in full.items()}
        secret_keys = [full_key(key, project) for key in secrets]

        def body() -> None:  # what the program returns is no business of the runtime's
            program()

        monitor, warnings = run_in_mocks(body, project, stack, values, secret_keys, preview=preview)
        return Plan.of_run(
            monitor, warnings, project=project, stack=stack, stack_file=None, settings=None, preview=preview
        )

    def checks(self, plan: Plan, policy_config: Mapping[str, Any] | None = None) -> list[CheckReport]:
        """The validators of `runmcp-infra plan` on ``plan``, the policy pack at its default levels
        unless ``policy_config`` (as policy/config/<stack>.json holds) says otherwise."""
        missing = missing_modules()
        if missing:
            raise ImportError(
                f"the plan's checks need the plan extra (missing: {', '.join(missing)}): "
                "pip install 'runmcp-gateway[plan]'"
            )
        from .cli import CHECKS, Checked
        from .policies import evaluate

        checked = Checked(plan, evaluate(plan, dict(policy_config or {})))
        return [check.run(checked) for check in CHECKS]


@pytest.fixture
def offline_plan() -> OfflinePlanner:
    """Plan a program directory, or a function that builds resources, under the offline plan's mocks."""
    return OfflinePlanner()
