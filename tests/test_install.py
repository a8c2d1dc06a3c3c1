"""What a consumer installs: the runtime package alone is the Pulumi SDKs and pydantic; the offline
plan's validators come with the `plan` extra, the test tools with `dev`."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from packaging.requirements import Requirement

from components.offline.entry import PLAN_EXTRA_MODULES
from tests.conftest import PROJECT_DIR

RUNTIME = {"pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumi-random", "pydantic", "pyyaml"}
"""pyyaml is a dependency of pulumi itself; it is named because the settings read YAML."""
VALIDATORS = {"kubernetes-validate", "jsonschema", "pulumi-policy", "botocore", "checkov"}
TEST_TOOLS = {"pytest", "hypothesis", "mypy", "ruff", "mutmut", "check-jsonschema", "zizmor"}


def project() -> dict[str, object]:
    return tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def names(requirements: object) -> set[str]:
    assert isinstance(requirements, list)
    return {Requirement(r).name.lower() for r in requirements}


def test_the_runtime_package_needs_only_the_sdks_and_pydantic() -> None:
    assert names(project()["dependencies"]) == RUNTIME
    extras = project()["optional-dependencies"]
    assert isinstance(extras, dict)
    assert names(extras["plan"]) == {"kubernetes-validate", "jsonschema", "pulumi-policy"}
    assert not (names(extras["plan"]) & TEST_TOOLS)


# Imports every module of the runtime package (not offline/, not policy/) with the plan's validators
# and the test tools made unimportable, then runs the console script's entry point.
WITHOUT_EXTRAS = """
import importlib, pkgutil, sys
BLOCKED = set(sys.argv[1].split(","))
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not installed")
sys.meta_path.insert(0, Block())
import tests.package_alias
import runmcp_gateway
for module in pkgutil.iter_modules(runmcp_gateway.__path__):
    if module.name not in ("offline", "policy"):
        importlib.import_module("runmcp_gateway." + module.name)
from runmcp_gateway.offline import entry
sys.exit(entry.main(["plan", "dev"]))
"""


def test_the_runtime_package_imports_without_the_extras_and_the_plan_says_what_to_install() -> None:
    blocked = {name.replace("-", "_") for name in VALIDATORS | TEST_TOOLS} | set(PLAN_EXTRA_MODULES)
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS, ",".join(sorted(blocked))],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("runmcp-infra: the offline plan needs the package's plan extra (missing: ")
    assert "pip install 'runmcp-gateway[plan]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_console_script_goes_through_the_check() -> None:
    scripts = project()["scripts"]
    assert isinstance(scripts, dict)
    assert scripts["runmcp-infra"] == "runmcp_gateway.offline.entry:main"
