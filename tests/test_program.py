"""`runmcp-infra plan STACK --program DIR`: a consumer's own Pulumi program planned offline, under the
same mocks and checks as this repository's; and the pytest plugin consumers test their programs with."""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import SECRET_PLACEHOLDER
from components.offline.program import ProgramError
from components.offline.runner import DEFAULT_KUBERNETES_VERSION, PlannedResource, kubernetes_version_of, run_plan
from tests.conftest import IMAGE, PLAN_CHECKS, PROJECT_DIR, cli

pytest_plugins = ["pytester"]

OWN_VPC = PROJECT_DIR / "examples" / "consumer-own-vpc"
PLAIN = PROJECT_DIR / "tests" / "programs" / "plain-ids"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LISTENER = "aws:lb/listener:Listener"


def planned_json(program: Path, stack: str = "dev") -> tuple[dict[str, Any], str]:
    """The JSON plan document of the program, and the text plan: both must have succeeded."""
    as_json = cli("plan", stack, "--program", str(program), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    as_text = cli("plan", stack, "--program", str(program))
    assert as_text.returncode == 0, as_text.stderr
    for output in (as_json, as_text):
        assert "Traceback" not in output.stderr
        assert SECRET_PLACEHOLDER not in output.stdout + output.stderr, "the secret's value leaked"
    return json.loads(as_json.stdout), as_text.stdout


def of_type(doc: dict[str, Any], type_token: str) -> list[dict[str, Any]]:
    return [r for r in doc["resources"] if r["type"] == type_token]


def https_listener(doc: dict[str, Any]) -> dict[str, Any]:
    (listener,) = [r for r in of_type(doc, LISTENER) if r["inputs"].get("protocol") == "HTTPS"]
    return listener


def test_a_consumer_program_with_plain_ids_plans_with_its_own_names_and_components() -> None:
    """The program has a `components` package of its own (tests/programs/plain-ids/components) and
    hands the gateway the ids, certificate ARN and secret of its own config."""
    doc, text = planned_json(PLAIN)
    config = yaml.safe_load((PLAIN / "Pulumi.dev.yaml").read_text())["config"]
    assert (doc["project"], doc["stack"]) == ("mcp-plain", "dev")
    assert all(r["urn"].startswith("urn:pulumi:dev::mcp-plain::") for r in doc["resources"])
    assert "mcp-plain-dev" in text  # the stack's row of the tree
    node_groups = of_type(doc, NODE_GROUP)
    assert node_groups
    for group in node_groups:
        assert group["inputs"]["subnetIds"] == config["mcp-plain:network"]["privateSubnetIds"]
    assert https_listener(doc)["inputs"]["certificateArn"] == config["mcp-plain:certificateArn"]
    (secret,) = of_type(doc, "kubernetes:core/v1:Secret")
    assert secret["inputs"]["stringData"] == {"UPSTREAM_API_TOKEN": "[secret]"}
    # The same checks as for this repository's stacks; the pack at its default levels, said so.
    assert [c["name"] for c in doc["checks"]] == PLAN_CHECKS
    assert all(not c["problems"] for c in doc["checks"])
    assert "levels: the pack's defaults, no policy/config/dev.json" in text


def test_a_consumer_program_hands_its_own_network_certificate_and_secret_as_outputs() -> None:
    """examples/consumer-own-vpc: its own VPC, subnets and certificate (its components/network.py)
    and a secret from config.require_secret, all passed to GatewayPlatform as Outputs."""
    doc, _ = planned_json(OWN_VPC)
    assert doc["project"] == "mcp-edge"
    own = {r["urn"]: r for r in doc["resources"] if r["type"] == "aws:ec2/subnet:Subnet"}
    private = sorted(r["id"] for r in own.values() if "-private-" in r["name"])
    assert len(private) == 2
    assert all(i.startswith("subnet-") for i in private)
    for group in of_type(doc, NODE_GROUP):
        assert sorted(group["inputs"]["subnetIds"]) == private
    (vpc,) = of_type(doc, "aws:ec2/vpc:Vpc")
    assert doc["outputs"]["vpcId"] == vpc["id"]
    (validation,) = of_type(doc, "aws:acm/certificateValidation:CertificateValidation")
    assert https_listener(doc)["inputs"]["certificateArn"] == validation["inputs"]["certificateArn"]
    (secret,) = of_type(doc, "kubernetes:core/v1:Secret")
    assert secret["inputs"]["stringData"] == {"UPSTREAM_API_TOKEN": "[secret]"}


def test_the_example_network_alone_plans(tmp_path: Path) -> None:
    """The example's own package plans on its own (the test above adds the gateway)."""
    program = tmp_path / "network"
    shutil.copytree(OWN_VPC, program)
    (program / "__main__.py").write_text(
        textwrap.dedent(
            """
            import pulumi
            from components.network import Network

            config = pulumi.Config()
            network = Network(
                "edge", config.require("vpcCidr"), config.require("domain"), config.require("hostedZoneId")
            )
            pulumi.export("privateSubnetIds", [s.id for s in network.private_subnets])
            pulumi.export("certificateArn", network.certificate_arn)
            """
        )
    )
    doc, _ = planned_json(program)
    private = sorted(r["id"] for r in of_type(doc, "aws:ec2/subnet:Subnet") if "-private-" in r["name"])
    assert sorted(doc["outputs"]["privateSubnetIds"]) == private
    assert doc["outputs"]["certificateArn"].startswith("arn:aws:acm:eu-west-1:")


def _program(directory: Path, main: str, config: dict[str, Any] | None = None, project: str = "mine") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {project}\nruntime: python\n")
    (directory / "__main__.py").write_text(textwrap.dedent(main))
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config or {}}))
    return directory


def one_error(program: Path, *args: str) -> str:
    result = cli("plan", "dev", "--program", str(program), *args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_directory_without_a_project_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("import pulumi\n")
    project_file = tmp_path / "Pulumi.yaml"
    expected = f"error: {project_file}: no such file; a Pulumi project directory has one (name, runtime: python)"
    assert one_error(tmp_path) == expected


def test_a_program_in_another_language_is_refused(tmp_path: Path) -> None:
    _program(tmp_path, "")
    (tmp_path / "Pulumi.yaml").write_text("name: web\nruntime:\n  name: nodejs\n")
    assert one_error(tmp_path) == (
        f"error: {tmp_path / 'Pulumi.yaml'}: runtime: 'nodejs'; the offline plan runs Python programs (runtime: python)"
    )


def test_a_missing_stack_file_lists_the_stacks(tmp_path: Path) -> None:
    _program(tmp_path, "")
    result = cli("plan", "prod", "--program", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"error: Pulumi.prod.yaml: no such stack file in {tmp_path} (stacks here: dev)\n"


@pytest.mark.parametrize(
    ("main", "error"),
    [
        ("import pulumi\n\nratio = 1 / 0\n", "__main__.py:3: the program raised ZeroDivisionError: division by zero"),
        ("import pulumi_nowhere\n", "__main__.py:1: the program raised ModuleNotFoundError: No module named"),
        ("import pulumi\n\ndef broken(:\n", "__main__.py:3: the program raised SyntaxError:"),
    ],
)
def test_what_the_program_raises_names_its_file_and_line(tmp_path: Path, main: str, error: str) -> None:
    """An error of the program's own code is the program's (exit 2), not a bug of runmcp-gateway."""
    _program(tmp_path, main)
    assert one_error(tmp_path).startswith(f"error: {error}")


def test_missing_config_names_the_stack_file_and_key(tmp_path: Path) -> None:
    _program(tmp_path, "import pulumi\n\npulumi.Config().require('team')\n")
    assert one_error(tmp_path) == "error: Pulumi.dev.yaml: mine:team: is missing (pulumi config set mine:team ...)"


def test_bad_component_args_of_a_consumer_stop_with_the_component_named(tmp_path: Path) -> None:
    """A consumer's program is validated by the component itself (not as a runmcp-gateway stack)."""
    main = f"""
        from runmcp_gateway import GatewayPlatform

        GatewayPlatform("mcp", {{"gateway": {{"image": "{IMAGE}"}}, "scaling": {{"maxReplica": 3}}}})
        """
    _program(tmp_path, main, {"aws:region": "us-east-1"})
    result = cli("plan", "dev", "--program", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error: runmcp:index:GatewayPlatform mcp: runmcp-gateway:scaling.maxReplica: unknown key" in result.stderr


def test_keys_without_a_namespace_are_the_consumers_and_its_policy_config_applies(tmp_path: Path) -> None:
    main = """
        import pulumi
        import pulumi_aws as aws

        aws.sns.Topic("alerts", display_name=pulumi.Config().require("team"))
        """
    _program(tmp_path, main, {"aws:region": "us-east-1"})
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n  team: payments\n")
    # Without a pack config the defaults apply: an SNS topic without KMS breaks a mandatory rule.
    result = cli("plan", "dev", "--program", str(tmp_path))
    assert result.returncode == 4, result.stderr
    assert "encryption-at-rest" in result.stderr
    (tmp_path / "policy" / "config").mkdir(parents=True)
    (tmp_path / "policy" / "config" / "dev.json").write_text('{"encryption-at-rest": "advisory"}')
    doc, text = planned_json(tmp_path)
    (topic,) = of_type(doc, "aws:sns/topic:Topic")
    assert topic["inputs"]["displayName"] == "payments"
    assert "levels from policy/config/dev.json" in text
    assert [p["level"] for p in doc["policies"]] == ["advisory"]


def test_this_projects_program_still_has_its_stack_settings_validated() -> None:
    plan = run_plan(PROJECT_DIR, "dev")
    assert plan.project == "runmcp-gateway"
    assert plan.settings is not None
    assert plan.kubernetes_version == plan.settings.cluster.kubernetes_version


MODULE = """
    import pulumi
    from helpers import WHO

    pulumi.export("who", WHO)
    """


def test_each_program_imports_its_own_modules_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two programs, each with a module `helpers` of its own, planned in one process (as a test
    session does), where a module `helpers` from elsewhere was imported before: each program gets
    its own; afterwards sys.path and sys.modules are as before."""
    outsider = types.ModuleType("helpers")
    outsider.WHO = "outsider"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "helpers", outsider)
    path_before, modules_before = list(sys.path), set(sys.modules)
    outputs = []
    for who in ("first", "second"):
        program = _program(tmp_path / who, MODULE)
        (program / "helpers.py").write_text(f"WHO = {who!r}\n")
        outputs.append(run_plan(program, "dev").outputs["who"])
    assert outputs == ["first", "second"]
    assert sys.path == path_before
    assert sys.modules["helpers"] is outsider
    new = set(sys.modules) - modules_before
    assert [m for m in new if str(tmp_path) in str(getattr(sys.modules[m], "__file__", ""))] == []


def test_in_this_checkout_a_program_package_named_like_the_source_folder_is_refused() -> None:
    """Here the package is imported as `components` (its source folder); a program with its own
    `components` must then be planned by the installed command (as `cli()` does), never mixed."""
    with pytest.raises(ProgramError, match=r"components: the program's own package has the name"):
        run_plan(PLAIN, "dev")
    assert "components.wiring" not in sys.modules


THIS_CHECKOUT = f"import sys\nsys.path.insert(0, {str(PROJECT_DIR)!r})\nimport tests.package_public  # noqa\n\n"
"""What a consumer has installed: `runmcp_gateway`, here this checkout's (tests/package_public.py)."""

CONSUMER_TESTS = """
    from pathlib import Path

    import pulumi
    import pytest
    from runmcp_gateway import GatewayPlatform
    from runmcp_gateway.settings import SettingsError

    PROGRAM = Path({program!r})


    def test_my_program(offline_plan):
        plan = offline_plan.program(PROGRAM, "dev")
        groups = plan.custom_resources("aws:eks/nodeGroup")
        assert groups and all(g.inputs["subnetIds"][0].startswith("subnet-0aaa") for g in groups)
        assert all(report.passed for report in offline_plan.checks(plan))


    def test_a_component_alone(offline_plan):
        def program():
            GatewayPlatform("mcp", {{"gateway": {{"image": "{image}", "secretEnv": {{"T": "s3cr3t-value"}}}}}})

        plan = offline_plan.build(program, config={{"aws:region": "eu-west-1"}})
        assert plan.project == "test"
        (cluster,) = plan.custom_resources("aws:eks/cluster:Cluster")
        subnets = plan.custom_resources("aws:ec2/subnet:Subnet")
        assert {{s.inputs["availabilityZoneId"][:4] for s in subnets}} == {{"euw1"}}
        assert "s3cr3t-value" not in repr(plan.resources)


    def test_bad_args_are_refused(offline_plan):
        with pytest.raises(SettingsError, match="maxReplica"):
            args = {{"gateway": {{"image": "{image}"}}, "scaling": {{"maxReplica": 1}}}}
            offline_plan.build(lambda: GatewayPlatform("mcp", args))
    """


def test_the_pytest_plugin_plans_a_consumers_program_and_functions(pytester: pytest.Pytester) -> None:
    """As a consumer uses it: `pytest_plugins = ["runmcp_gateway.offline.testing"]` in conftest.py.
    (The conftest's first line points `runmcp_gateway` at this checkout; consumers have it installed.)"""
    pytester.makeconftest(THIS_CHECKOUT + 'pytest_plugins = ["runmcp_gateway.offline.testing"]\n')
    pytester.makepyfile(test_mine=textwrap.dedent(CONSUMER_TESTS.format(program=str(PLAIN), image=IMAGE)))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


SECTION = "### Planning and testing your own program offline"


def readme_blocks(language: str) -> list[str]:
    """The fenced blocks of one language in the README's section on planning your own program."""
    text = (PROJECT_DIR / "README.md").read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ")]
    return re.findall(rf"^```{language}\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)


def test_the_readme_plans_the_example_the_tests_plan() -> None:
    (commands,) = readme_blocks("sh")
    program = OWN_VPC.relative_to(PROJECT_DIR)
    assert commands.splitlines() == [
        f".venv/bin/runmcp-infra plan dev --program {program}",
        f".venv/bin/runmcp-infra plan dev --program {program} --format json",
    ]  # what test_a_consumer_program_hands_its_own_network_certificate_and_secret_as_outputs runs


def test_the_readme_snippets_test_a_consumers_program_as_printed(pytester: pytest.Pytester) -> None:
    """The conftest.py and the test file of the README, in a consumer's project (the plain-ids
    program, with its own `components` package), pass as printed."""
    conftest, tests = readme_blocks("python")
    shutil.copytree(PLAIN, pytester.path, dirs_exist_ok=True)
    pytester.makeconftest(THIS_CHECKOUT + conftest)
    pytester.makepyfile(test_infra=tests)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def _cluster(version: str) -> PlannedResource:
    return PlannedResource("urn", "aws:eks/cluster:Cluster", "c", "", True, {"version": version}, [], "", False)


def test_a_consumers_objects_are_checked_for_its_clusters_version() -> None:
    assert kubernetes_version_of([_cluster("1.35")], None) == "1.35"
    # No cluster made here (an existing one), or clusters of several versions: the default.
    assert kubernetes_version_of([], None) == DEFAULT_KUBERNETES_VERSION
    assert kubernetes_version_of([_cluster("1.34"), _cluster("1.35")], None) == DEFAULT_KUBERNETES_VERSION


def test_a_consumers_subnets_may_name_their_zone_and_a_zone_not_in_the_region_is_refused() -> None:
    """Consumers make subnets by zone name as often as by zone ID; the mocks answer both as AWS does."""
    import pulumi
    import pulumi_aws as aws

    from components.offline.testing import OfflinePlanner

    def network(zone: str) -> None:
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        subnet = aws.ec2.Subnet("a", vpc_id=vpc.id, cidr_block="10.0.0.0/20", availability_zone=zone)
        pulumi.export("zoneId", subnet.availability_zone_id)

    plan = OfflinePlanner().build(lambda: network("eu-west-1b"), config={"aws:region": "eu-west-1"})
    assert plan.outputs["zoneId"].startswith("euw1-az")
    with pytest.raises(pulumi.RunError, match="InvalidParameterValue: no zone eu-west-1q in eu-west-1"):
        OfflinePlanner().build(lambda: network("eu-west-1q"), config={"aws:region": "eu-west-1"})


def test_main_and_stack_config_dir_of_the_project_file_are_followed(tmp_path: Path) -> None:
    """Pulumi.yaml's `main` (the program in a subdirectory, first on sys.path) and `stackConfigDir`
    (where the stack files are), both relative to Pulumi.yaml."""
    (tmp_path / "Pulumi.yaml").write_text("name: moved\nruntime: python\nmain: src/\nstackConfigDir: stacks\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "naming.py").write_text("def prefixed(name):\n    return open('prefix').read() + name\n")
    (tmp_path / "src" / "prefix").write_text("edge-")  # read from the working directory, the program's
    (tmp_path / "src" / "__main__.py").write_text(
        "import pulumi\nfrom naming import prefixed\n\n"
        "pulumi.export('name', prefixed(pulumi.Config().require('team')))\n"
    )
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  team: payments\n")
    plan = run_plan(tmp_path, "dev")
    assert (plan.project, plan.outputs) == ("moved", {"name": "edge-payments"})
    assert plan.stack_file == tmp_path / "stacks" / "Pulumi.dev.yaml"
