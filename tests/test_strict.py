"""The offline run is as strict as the engine: duplicate URNs, invokes, preview, resource options,
and the checks every plan reports."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.config import read_stack_file
from components.offline import cli as offline_cli
from components.offline.checks import CheckReport
from components.offline.crds import SCHEMAS as CRD_SCHEMAS
from components.offline.mocks import CloudMocks
from components.offline.runner import (
    UNKNOWN,
    DuplicateUrnError,
    Plan,
    RecordingMonitor,
    contains_unknowns,
    run_plan,
    run_program,
)
from components.settings import cidr_name_part, name_slug, role_name_part
from tests.conftest import (
    ALL_STACKS,
    IMAGE,
    PLAN_CHECKS,
    PROJECT_DIR,
    WriteStack,
    assert_refused,
    cli,
    of_type,
    planned,
    single,
    stack_path,
)

# --- Duplicate entries and duplicate URNs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "key", "fragment"),
    [
        (
            {"loadBalancer": {"allowedCidrs": ["10.0.0.0/8", "192.0.2.0/24", "10.0.0.0/8"]}},
            "loadBalancer.allowedCidrs.2",
            "listed twice",
        ),
        # Two spellings of one network are one CIDR, and so one pair of rules.
        (
            {"loadBalancer": {"allowedCidrs": ["10.0.0.0/8", "10.0.0.0/08"]}},
            "loadBalancer.allowedCidrs.1",
            "listed twice",
        ),
        ({"alarms": {"emails": ["ops@example.com", "ops@example.com"]}}, "alarms.emails.1", "listed twice"),
        # Different addresses, one logical name: the slug drops case and punctuation.
        (
            {"alarms": {"emails": ["ops.team@example.com", "Ops-Team@example.com"]}},
            "alarms.emails.1",
            "'...-ops-team-example-com'",
        ),
        (
            {"alarms": {"httpsEndpoints": ["https://hooks.example.com/a", "https://hooks.example.com/a/"]}},
            "alarms.httpsEndpoints.1",
            "one URN",
        ),
        (
            {
                "cluster": {
                    "eks": {
                        "adminRoleArns": [
                            "arn:aws:iam::111111111111:role/team/ops",
                            "arn:aws:iam::222222222222:role/ops",
                        ]
                    }
                }
            },
            "cluster.eks.adminRoleArns.1",
            "'...-ops'",
        ),
    ],
)
def test_a_list_entry_that_would_repeat_a_resource_name_is_refused(
    write_stack: WriteStack, settings: dict[str, Any], key: str, fragment: str
) -> None:
    assert_refused(write_stack({"gateway": {"image": IMAGE}, **settings}), key, fragment)


def test_the_settings_name_parts_are_the_ones_the_components_use(write_stack: WriteStack) -> None:
    """Entries the settings tell apart make resources the components tell apart, named as the
    settings expect (so the duplicate check above guards the names the program really gives)."""
    emails = ["ops.team@example.com", "oncall@example.org"]
    hooks = ["https://hooks.example.com/T0/B1?x=1"]
    cidrs = ["203.0.113.0/24", "2001:db8::/32"]
    roles = ["arn:aws:iam::111111111111:role/team/ops", "arn:aws:iam::111111111111:role/admin"]
    path = write_stack(
        {
            "gateway": {"image": IMAGE},
            "alarms": {"emails": emails, "httpsEndpoints": hooks},
            "loadBalancer": {"allowedCidrs": cidrs},
            "cluster": {"eks": {"adminRoleArns": roles}},
        }
    )
    plan = run_plan(PROJECT_DIR, "bad", path)
    subscriptions = {r.name for r in of_type(plan, "aws:sns/topicSubscription:TopicSubscription")}
    assert len(subscriptions) == 3
    for part in [name_slug(e) for e in emails] + [name_slug(h.removeprefix("https://")) for h in hooks]:
        assert any(n.endswith(f"-{part}") for n in subscriptions), (part, subscriptions)
    rules = {r.name for r in of_type(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    for cidr in cidrs:
        assert any(n.endswith(f"-{cidr_name_part(cidr)}") for n in rules), (cidr, rules)
    entries = {r.name for r in of_type(plan, "aws:eks/accessEntry:AccessEntry")}
    assert {role_name_part(r) for r in roles} == {n.rsplit("-admin-", 1)[1] for n in entries}


def _tiny_project(tmp_path: Path, program: str, stack_config: dict[str, Any] | None = None) -> Path:
    """A project of its own: Pulumi.yaml, __main__.py and a stack file Pulumi.test.yaml."""
    (tmp_path / "Pulumi.yaml").write_text("name: runmcp-gateway\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(program))
    stack_file = tmp_path / "Pulumi.test.yaml"
    stack_file.write_text(yaml.safe_dump({"config": stack_config or {}}))
    return stack_file


TWO_WITH_ONE_NAME = """
    import pulumi

    pulumi.ComponentResource("test:index:Thing", "same")
    pulumi.ComponentResource("test:index:Thing", "same")
"""


def test_the_monitor_refuses_a_second_resource_with_the_same_urn(tmp_path: Path) -> None:
    stack_file = _tiny_project(tmp_path, TWO_WITH_ONE_NAME)
    with pytest.raises(DuplicateUrnError) as caught:
        run_program(tmp_path, "test", read_stack_file(stack_file))
    urn = "urn:pulumi:test::runmcp-gateway::test:index:Thing::same"
    assert str(caught.value) == f"Duplicate resource URN '{urn}'; try giving it a unique name"


def test_urns_the_engine_tells_apart_are_not_duplicates(tmp_path: Path) -> None:
    """The mock's URNs name only the parent's type; the engine's name every ancestor's. These two
    grandchildren share a mock URN but not an engine URN, and the engine accepts them."""
    stack_file = _tiny_project(
        tmp_path,
        """
        import pulumi

        for top in ("test:index:A", "test:index:B"):
            parent = pulumi.ComponentResource(top, top.rsplit(":", 1)[1])
            below = pulumi.ResourceOptions(parent=parent)
            middle = pulumi.ComponentResource("test:index:C", f"c-{parent._name}", opts=below)
            pulumi.ComponentResource("test:index:T", "x", opts=pulumi.ResourceOptions(parent=middle))
        """,
    )
    monitor, _ = run_program(tmp_path, "test", read_stack_file(stack_file))
    leaves = sorted(r.engine_urn for r in monitor.recorded if r.type == "test:index:T")
    assert leaves == [
        "urn:pulumi:test::runmcp-gateway::test:index:A$test:index:C$test:index:T::x",
        "urn:pulumi:test::runmcp-gateway::test:index:B$test:index:C$test:index:T::x",
    ]


def test_plan_prints_one_line_for_a_duplicate_urn(tmp_path: Path) -> None:
    _tiny_project(
        tmp_path,
        TWO_WITH_ONE_NAME,
        {"runmcp-gateway:gateway": {"image": IMAGE}, "aws:region": "us-east-1"},
    )
    result = cli("plan", "test", "--project-dir", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: Duplicate resource URN 'urn:pulumi:test::runmcp-gateway::test:index:Thing::same'; "
        "try giving it a unique name"
    ]
    assert result.stdout == ""


# --- Invokes -------------------------------------------------------------------------------------


class CountingMocks(CloudMocks):
    def __init__(self, region: str) -> None:
        super().__init__(region)
        self.calls = 0

    def call(self, args: Any) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        self.calls += 1
        return super().call(args)


def test_every_invoke_is_recorded_with_its_arguments_and_provider() -> None:
    stack_file = read_stack_file(stack_path("prod"))
    mocks = CountingMocks(stack_file.config["aws:region"])
    monitor, _ = run_program(PROJECT_DIR, "prod", stack_file, RecordingMonitor(mocks))
    assert len(monitor.invokes) == mocks.calls > 0
    zones = [i for i in monitor.invokes if i.token == "aws:index/getAvailabilityZones:getAvailabilityZones"]
    assert len(zones) == 1
    # Only the region's standard zones: Local and Wavelength Zones need an opt-in.
    assert zones[0].args == {
        "state": "available",
        "filters": [{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
    }
    # All asked of the stack's default AWS provider (the region and credentials of the stack).
    assert {i.provider for i in monitor.invokes} == {""}


def test_prod_asks_the_default_version_of_each_unpinned_addon() -> None:
    plan = planned("prod")
    asked = sorted(i.args["addonName"] for i in plan.invokes if i.token == "aws:eks/getAddonVersion:getAddonVersion")
    pinned = set(plan.settings.cluster.eks.addon_versions)
    assert asked, "no add-on version was asked"
    assert not pinned & set(asked)
    assert all(
        i.args["kubernetesVersion"] == plan.settings.cluster.kubernetes_version
        for i in plan.invokes
        if i.token == "aws:eks/getAddonVersion:getAddonVersion"
    )


# --- Preview -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def previews() -> dict[str, Plan]:
    return {stack: run_plan(PROJECT_DIR, stack, stack_path(stack), preview=True) for stack in ALL_STACKS}


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_a_preview_registers_what_an_update_registers(stack: str, previews: dict[str, Plan]) -> None:
    preview, update = previews[stack], planned(stack)
    assert preview.preview
    assert not update.preview
    assert sorted((r.engine_urn, r.type) for r in preview.resources) == sorted(
        (r.engine_urn, r.type) for r in update.resources
    )
    assert [i.token for i in preview.invokes] == [i.token for i in update.invokes]
    assert preview.warnings == update.warnings
    # Every output is there; each is the update's value or not known yet.
    assert sorted(preview.outputs) == sorted(update.outputs)
    assert {k for k, v in preview.outputs.items() if v not in (update.outputs[k], UNKNOWN)} == set()
    # The cloud has computed nothing yet: no resource has an ID.
    assert {r.resource_id for r in preview.resources if r.custom} == {""}


def test_a_preview_leaves_what_the_cloud_computes_unknown(previews: dict[str, Plan]) -> None:
    preview = previews["prod"]
    assert preview.outputs["albDnsName"] == UNKNOWN
    assert preview.outputs["namespace"] == "runmcp-gateway"  # settings stay known
    binding = single(preview, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")
    assert binding.inputs["spec"]["targetGroupARN"] == UNKNOWN
    update = planned("prod")
    assert not any(contains_unknowns(r.inputs) for r in update.resources)
    # Known inputs are the same in both runs.
    # (prod has two Deployments: the gateway's and the headroom's placeholders)
    deployments = [d.inputs for d in of_type(preview, "kubernetes:apps/v1:Deployment")]
    assert len(deployments) == 2
    assert deployments == [d.inputs for d in of_type(update, "kubernetes:apps/v1:Deployment")]


def test_plan_preview_option(tmp_path: Path) -> None:
    result = cli("plan", "prod", "--preview", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["preview"] is True
    assert doc["outputs"]["albDnsName"] == UNKNOWN
    crd = next(c for c in doc["checks"] if c["name"] == "crd-schema")
    assert "not checked" in crd["checked"]


# --- Options that decide replacement and deletion ------------------------------------------------

OPTIONS = """
    import pulumi
    import pulumi_kubernetes as k8s

    first = k8s.core.v1.ConfigMap("first", data={"a": "1"})
    k8s.core.v1.ConfigMap(
        "second",
        data={"from": first.metadata.name},
        opts=pulumi.ResourceOptions(
            depends_on=[first],
            replace_on_changes=["data"],
            delete_before_replace=True,
            retain_on_delete=True,
            ignore_changes=["metadata.labels"],
            import_="default/second",
            protect=True,
            aliases=[pulumi.Alias(name="old-second")],
        ),
    )
    third = k8s.core.v1.ConfigMap("third", data={"a": "3"})
    k8s.core.v1.ConfigMap("fourth", data={"a": "4"}, opts=pulumi.ResourceOptions(depends_on=[third]))
"""


def test_options_are_recorded_as_the_engine_receives_them(tmp_path: Path) -> None:
    stack_file = _tiny_project(tmp_path, OPTIONS)
    monitor, _ = run_program(tmp_path, "test", read_stack_file(stack_file))
    by_name = {r.name: r for r in monitor.recorded}
    second, first = by_name["second"], by_name["first"]
    assert second.replace_on_changes == ("data",)
    assert second.delete_before_replace
    assert second.retain_on_delete
    assert second.protect
    assert second.ignore_changes == ("metadata.labels",)
    assert second.import_id == "default/second"
    assert second.aliases == ("urn:pulumi:test::runmcp-gateway::kubernetes:core/v1:ConfigMap::old-second",)
    # `first` is both an input (data.from) and depends_on: the engine sees one dependency, which
    # an input accounts for; `third` is only depends_on.
    assert second.dependencies == [first.urn]
    assert second.depends_on == ()
    assert by_name["fourth"].depends_on == (by_name["third"].urn,)
    assert (first.replace_on_changes, first.delete_before_replace, first.retain_on_delete, first.import_id) == (
        (),
        False,
        False,
        "",
    )


def test_the_json_plan_lists_options_invokes_and_checks() -> None:
    result = cli("plan", "prod", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    node_group = next(r for r in doc["resources"] if r["type"] == "aws:eks/nodeGroup:NodeGroup")
    assert node_group["ignoreChanges"] == ["scalingConfig.desiredSize"]  # the autoscaler owns it
    assert node_group["protect"] is True
    nat = [r["urn"] for r in doc["resources"] if r["type"] == "aws:ec2/natGateway:NatGateway"]
    cluster = next(r for r in doc["resources"] if r["type"] == "aws:eks/cluster:Cluster")
    assert set(nat) <= set(cluster["dependsOn"]) <= set(cluster["dependencies"])
    for resource in doc["resources"]:
        assert {
            "replaceOnChanges",
            "deleteBeforeReplace",
            "retainOnDelete",
            "ignoreChanges",
            "import",
            "aliases",
        } <= set(resource)
    assert any(i["token"] == "aws:index/getAvailabilityZones:getAvailabilityZones" for i in doc["invokes"])
    assert [c["name"] for c in doc["checks"]] == PLAN_CHECKS
    assert all(c["problems"] == [] for c in doc["checks"])
    kubernetes = doc["checks"][1]
    assert kubernetes["coverage"]["objects"] == sum(
        1
        for r in doc["resources"]
        if r["type"].startswith("kubernetes:")
        and "kind" in r["inputs"]
        and (r["inputs"].get("apiVersion"), r["inputs"]["kind"]) not in CRD_SCHEMAS
    )


def test_the_text_plan_lists_the_checks() -> None:
    result = cli("plan", "dev")
    assert result.returncode == 0, result.stderr
    checks = result.stdout.split("\nChecks:\n", 1)[1]
    for name in ("duplicate-urns", "kubernetes-schema", "crd-schema", "policy-pack"):
        assert f"ok  {name}: " in checks


def test_a_further_check_is_one_entry_and_decides_the_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def always(run: offline_cli.Checked) -> CheckReport:
        return CheckReport("always-fails", f"{len(run.plan.resources)} resources", problems=["broken"])

    monkeypatch.setattr(offline_cli, "CHECKS", [*offline_cli.CHECKS, offline_cli.Check(always, 5, "{n} from always")])
    args = offline_cli._parser().parse_args(["plan", "dev", "--format", "json", "--project-dir", str(PROJECT_DIR)])
    assert offline_cli._plan(args) == 5
    out, err = capsys.readouterr()
    assert [c["name"] for c in json.loads(out)["checks"]][-1] == "always-fails"
    assert "error: always-fails: broken\n" in err
    assert err.endswith("error: 1 from always\n")


def test_the_stack_file_schema_flags_a_repeated_entry_as_you_type() -> None:
    schema = json.loads((PROJECT_DIR / "schema" / "stack-settings.schema.json").read_text())
    doc = {
        "config": {
            "runmcp-gateway:gateway": {"image": IMAGE},
            "runmcp-gateway:alarms": {"emails": ["ops@example.com", "ops@example.com"]},
        }
    }
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    # alarms is oneOf its on and off variants (an optional section): an editor shows the problems of
    # the variant that fits best (vscode-json-languageservice's bestMatch), as best_match picks here.
    best = jsonschema.exceptions.best_match(errors)
    assert best is not None
    assert list(best.absolute_path) == ["config", "runmcp-gateway:alarms", "emails"]
    assert "non-unique" in best.message


def test_an_invoke_made_with_an_explicit_provider_names_it(tmp_path: Path) -> None:
    stack_file = _tiny_project(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        west = aws.Provider("west", region="us-west-2")
        aws.get_region(opts=pulumi.InvokeOptions(provider=west))
        aws.get_partition()
        """,
        {"aws:region": "us-east-1"},
    )
    monitor, _ = run_program(tmp_path, "test", read_stack_file(stack_file))
    provider = single_recorded(monitor, "pulumi:providers:aws")
    assert [(i.token, i.provider) for i in monitor.invokes] == [
        ("aws:index/getRegion:getRegion", provider),
        ("aws:index/getPartition:getPartition", ""),
    ]


def single_recorded(monitor: RecordingMonitor, type_token: str) -> str:
    found = [r.urn for r in monitor.recorded if r.type == type_token]
    assert len(found) == 1, found
    return found[0]
