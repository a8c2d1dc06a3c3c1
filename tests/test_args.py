"""The typed args (components/args.py): generated from the settings model, so that the type checker
catches a misspelt or mistyped key at any depth, and the same dicts validate through the model."""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path

import pulumi
import pytest
from pydantic import BaseModel

from components import args
from components.args_codegen import ARGS_PATH, args_specs, render
from components.platform import SETTINGS_KEYS, GatewayPlatformArgs, settings_from_args
from components.settings import FromResource, StackSettings
from tests.conftest import IMAGE, PROJECT_DIR

TOKEN = "runmcp:index:GatewayPlatform"


def test_the_committed_args_are_what_the_settings_model_generates() -> None:
    assert (PROJECT_DIR / ARGS_PATH).read_text() == render(), "the settings changed: run `make args`"


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if model not in seen:
        seen.add(model)
        for info in model.model_fields.values():
            for inner in re.findall(r"[A-Za-z]+", str(info.annotation)):
                nested = getattr(sys.modules[model.__module__], inner, None)
                nested = nested or getattr(sys.modules["components.settings"], inner, None)
                if isinstance(nested, type) and issubclass(nested, BaseModel):
                    _models(nested, seen)
    return seen


def test_every_settings_model_has_its_typed_args_with_the_same_keys() -> None:
    specs = {spec.model: spec for spec in args_specs() if not spec.union_of}
    assert set(specs) == _models(StackSettings, set())
    for model, spec in specs.items():
        typed = getattr(args, spec.name)
        assert typing.is_typeddict(typed)
        assert set(typed.__annotations__) == set(model.model_fields), model.__name__
        required = {name for name, info in model.model_fields.items() if info.is_required()}
        assert typed.__required_keys__ == required, model.__name__


def test_a_tagged_union_is_a_union_for_the_type_checker_and_every_kind_s_keys_for_the_analyzer() -> None:
    """sessionStore: ValkeyStoreSettingsArgs | ExistingStoreSettingsArgs where types are checked;
    at run time (what Pulumi's analyzer reads) one object with both kinds' keys, kind an enum of both."""
    from components.settings import ExistingStoreSettings, ValkeyStoreSettings

    text = Path(args.__file__).read_text()
    assert "SessionStoreSettingsArgs: TypeAlias = ValkeyStoreSettingsArgs | ExistingStoreSettingsArgs" in text
    merged = args.SessionStoreSettingsArgs
    assert set(merged.__annotations__) == set(ValkeyStoreSettings.model_fields) | set(
        ExistingStoreSettings.model_fields
    )
    assert merged.__required_keys__ == {"kind", "env"}
    (union,) = [spec for spec in args_specs() if spec.union_of]
    (kind,) = [key for key in union.keys if key.name == "kind"]
    assert kind.enum is not None
    assert set(kind.enum.values) == {"valkey", "existing"}
    assert [key.secret for key in union.keys if key.name == "password"] == [True]


def test_a_setting_from_another_resource_takes_an_output_and_others_do_not() -> None:
    hints = _hints(args.ExistingVpcArgs)
    assert hints["vpc_id"] == pulumi.Input[str]
    assert hints["private_subnet_ids"] == pulumi.Input[Sequence[pulumi.Input[str]]]
    assert _hints(args.ScalingSettingsArgs)["min_replicas"] is int
    assert _hints(args.GatewaySettingsArgs)["secret_env"] == Mapping[str, pulumi.Input[str]]
    for spec in args_specs():
        if spec.union_of:
            continue  # its keys are its members'
        for key in spec.keys:
            info = spec.model.model_fields[key.name]
            assert ("pulumi.Input" in key.annotation) == _marked([*info.metadata, info.annotation]), (
                f"{spec.model.__name__}.{key.name}"
            )


def _hints(typed: type) -> dict[str, object]:
    """A TypedDict's annotations without Required (pulumi.Input holds a forward reference to Output
    that typing.get_type_hints cannot resolve)."""
    return {
        key: typing.get_args(value)[0] if typing.get_origin(value) is typing.Required else value
        for key, value in typed.__annotations__.items()
    }


def _marked(parts: list[object]) -> bool:
    """Whether FROM_RESOURCE appears anywhere in an annotation (a list's entries, a map's values)."""
    return any(isinstance(p, FromResource) or _marked(list(typing.get_args(p))) for p in parts)


def test_the_platform_args_are_the_stack_settings_sections() -> None:
    hints = _hints(GatewayPlatformArgs)
    assert set(hints) == {*SETTINGS_KEYS, "instance"} == {*StackSettings.model_fields, "instance"}
    stack = _hints(args.StackSettingsArgs)
    assert {key: hints[key] for key in SETTINGS_KEYS} == stack
    assert GatewayPlatformArgs.__required_keys__ == args.StackSettingsArgs.__required_keys__ == {"gateway"}


def test_typed_args_in_snake_case_validate_through_the_settings_model() -> None:
    typed: GatewayPlatformArgs = {
        "gateway": {
            "image": IMAGE,
            "network_policy": {"egress": [{"cidr": "10.1.0.0/16", "except_": ["10.1.2.0/24"], "ports": [443]}]},
        },
        "scaling": {
            "min_replicas": 3,
            "max_replicas": 9,
            "scale_down": {
                "stabilization_window_seconds": 60,
                "policies": [{"type": "Pods", "value": 1, "period_seconds": 60}],
            },
        },
        "load_balancer": {"health_check": {"interval_seconds": 15}, "deletion_protection": False},
        "cluster": {"eks": {"node_groups": {"general": {"instance_types": ["m6i.large"], "max_size": 9}}}},
    }
    settings = settings_from_args(dict(typed), f"{TOKEN} mcp")
    assert settings.scaling.min_replicas == 3
    assert settings.gateway.network_policy.egress[0].except_ == ["10.1.2.0/24"]
    assert settings.load_balancer.health_check.interval_seconds == 15
    assert settings.cluster.eks.node_groups["general"].max_size == 9


CONSUMER = """\
import pulumi

from runmcp_gateway import GatewayPlatform

config = pulumi.Config()
certificate = pulumi.Output.from_input("arn:aws:acm:eu-west-1:123456789012:certificate/abc")
GatewayPlatform(
    "mcp",
    {{
        "gateway": {{"image": "hapimcp/hapi-cli:0.6.0", "secret_env": {{"TOKEN": config.require_secret("token")}}}},
        "scaling": {{{scaling}}},
        "load_balancer": {{"certificate_arn": certificate, "health_check": {{"interval_seconds": {interval}}}}},
        "cluster": {{"eks": {{"network": {{"nat_gateways": {nat}}}}}}},
    }},
)

# A gateway composed of the building blocks, each output typed for the next block's input.
from runmcp_gateway import GatewayAlarms, GatewayCluster, GatewayLoadBalancer, ScaledGatewayWorkload
from runmcp_gateway.args import GatewaySettingsArgs

shared = GatewayCluster("shared", {{"cluster": {{"eks": {{"protect": False}}}}}})
gateway: GatewaySettingsArgs = {{"image": "hapimcp/hapi-cli:0.6.0", "namespace": "mcp-blocks"}}
vpc = pulumi.Output.from_input("vpc-0123456789abcdef0")
lb = GatewayLoadBalancer(
    "lb",
    {{
        "gateway": gateway,
        "{vpc_key}": vpc,
        "subnet_ids": [vpc, vpc],
        "target_security_group_id": vpc,
        "load_balancer": {{"scheme": "internal"}},
    }},
)
workload = ScaledGatewayWorkload(
    "blocks", {{"cluster": shared.handle, "gateway": gateway, "target_group_arn": lb.target_group_arn}}
)
GatewayAlarms(
    "alarms",
    {{
        "scaling": {{{scaling}}},
        "namespace": workload.namespace,
        "service_name": workload.service_name,
        "load_balancer_arn_suffix": lb.arn_suffix,
        "target_group_arn_suffix": lb.target_group_arn_suffix,
    }},
)
"""


# Optional sections (settings with a SWITCH) are a union of an on and an off TypedDict: the switch
# off admits no other key. Each line marked `# refused` must have an error of its own.
SECTIONS_BAD = """\
from runmcp_gateway import GatewayPlatform
from runmcp_gateway.args import AlarmSettingsArgs, WafSettingsArgs

waf_mixed: WafSettingsArgs = {"enabled": False, "requests_per_five_minutes": 3000}  # refused
waf_untagged: WafSettingsArgs = {"requests_per_five_minutes": 3000}  # refused: off by default, so on says so
alarms_mixed: AlarmSettingsArgs = {"enabled": False, "emails": ["ops@example.com"]}  # refused
GatewayPlatform(
    "mcp",
    {
        "gateway": {"image": "hapimcp/hapi-cli:0.6.0"},
        "load_balancer": {"access_logs": {"enabled": False, "retention_days": 30}},  # refused
        "cluster": {"eks": {"cluster_autoscaler": {"enabled": False, "chart_version": "9.46.6"}}},  # refused
    },
)
"""
SECTIONS_GOOD = """\
from runmcp_gateway import GatewayPlatform
from runmcp_gateway.args import AlarmSettingsArgs, WafSettingsArgs, WafSettingsOffArgs, WafSettingsOnArgs

waf_on: WafSettingsArgs = {"enabled": True, "requests_per_five_minutes": 3000}
waf_off: WafSettingsArgs = {"enabled": False}
waf_default: WafSettingsArgs = {}
waf_variant_on: WafSettingsOnArgs = {"enabled": True}
waf_variant_off: WafSettingsOffArgs = {"enabled": False}
alarms_on: AlarmSettingsArgs = {"emails": ["ops@example.com"]}
alarms_explicit: AlarmSettingsArgs = {"enabled": True, "runbook_url": "docs/runbooks.md"}
alarms_off: AlarmSettingsArgs = {"enabled": False}
GatewayPlatform(
    "mcp",
    {
        "gateway": {"image": "hapimcp/hapi-cli:0.6.0"},
        "load_balancer": {"waf": waf_on, "access_logs": {"enabled": False}, "stickiness": {}},
        "alarms": alarms_off,
        "cluster": {"eks": {"cluster_autoscaler": {"enabled": False}}},
        "drills": {"enabled": True, "zone_loss_minutes": 5},
    },
)
"""
CONSUMERS = ("bad", "good", "sections_bad", "sections_good")


@pytest.fixture(scope="module")
def mypy_on_consumers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """mypy --strict on consumer programs importing `runmcp_gateway` (this checkout's components/,
    through a symlink on MYPYPATH): with mistakes at depth and without, and the same for optional
    sections. One run for all: it reads the Pulumi SDKs' types, which takes a while."""
    root = tmp_path_factory.mktemp("mypy")
    (root / "path").mkdir()
    (root / "path" / "runmcp_gateway").symlink_to(PROJECT_DIR / "components", target_is_directory=True)
    (root / "bad.py").write_text(
        CONSUMER.format(
            scaling='"max_replica": 3, "min_replicas": "two"',
            interval="pulumi.Output.from_input(10)",
            nat='"perzone"',
            vpc_key="vpcid",
        )
    )
    (root / "good.py").write_text(
        CONSUMER.format(
            scaling='"max_replicas": 3, "min_replicas": 2', interval="10", nat='"perZone"', vpc_key="vpc_id"
        )
    )
    (root / "sections_bad.py").write_text(SECTIONS_BAD)
    (root / "sections_good.py").write_text(SECTIONS_GOOD)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(root / "cache"), *(f"{n}.py" for n in CONSUMERS)],
        cwd=root,
        env={"MYPYPATH": str(root / "path"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "error: Cannot find" not in result.stdout, result.stdout
    lines = result.stdout.splitlines()
    return {name: "\n".join(line for line in lines if line.startswith(f"{name}.py:")) for name in CONSUMERS}


def test_mypy_refuses_a_misspelt_or_mistyped_nested_key(mypy_on_consumers: dict[str, str]) -> None:
    bad = mypy_on_consumers["bad"]
    assert 'Extra key "max_replica" for TypedDict "ScalingSettingsArgs"' in bad
    assert 'expression has type "str", TypedDict item "min_replicas" has type "int"' in bad
    # An Output where the value must be known when the program runs (it is validated before any resource).
    assert 'expression has type "Output[int]", TypedDict item "interval_seconds" has type "int"' in bad
    assert "TypedDict item \"nat_gateways\" has type \"Literal['single', 'perZone']\"" in bad
    # The building blocks' args are typed as deeply: a misspelt id, and the scaling section again.
    assert 'Extra key "vpcid" for TypedDict "GatewayLoadBalancerArgs"' in bad
    assert 'TypedDict item "scaling" has type "ScalingSettings | ScalingSettingsArgs"' in bad


def test_mypy_accepts_the_right_keys_and_outputs_where_they_may_come_from_resources(
    mypy_on_consumers: dict[str, str],
) -> None:
    assert mypy_on_consumers["good"] == ""


def test_mypy_refuses_an_optional_section_switched_off_with_other_keys(mypy_on_consumers: dict[str, str]) -> None:
    bad = mypy_on_consumers["sections_bad"]
    refused = [n for n, line in enumerate(SECTIONS_BAD.splitlines(), 1) if "# refused" in line]
    flagged = {int(line.split(":")[1]) for line in bad.splitlines()}
    assert flagged == set(refused), bad
    # The off variant takes `enabled: False` alone; the on variant takes the other keys with True.
    assert 'TypedDict item "enabled" has type "Literal[True]"' in bad
    assert 'variable has type "WafSettingsOnArgs | WafSettingsOffArgs"' in bad


def test_mypy_accepts_an_optional_section_on_off_or_left_to_its_default(mypy_on_consumers: dict[str, str]) -> None:
    assert mypy_on_consumers["sections_good"] == ""


def test_an_optional_section_is_an_on_or_off_union_for_the_type_checker_and_one_object_for_the_analyzer() -> None:
    from components.settings import WafSettings

    text = Path(args.__file__).read_text()
    assert "WafSettingsArgs: TypeAlias = WafSettingsOnArgs | WafSettingsOffArgs" in text
    # At run time (what the analyzer reads, and what a consumer's annotations name) all three exist.
    assert set(args.WafSettingsArgs.__annotations__) == set(WafSettings.model_fields)
    assert set(args.WafSettingsOnArgs.__annotations__) == set(WafSettings.model_fields)
    assert set(args.WafSettingsOffArgs.__annotations__) == {"enabled"}
    # Off by default: on needs the tag, off may leave it out; on by default the other way round.
    assert args.WafSettingsOnArgs.__required_keys__ == {"enabled"}
    assert args.WafSettingsOffArgs.__required_keys__ == set()
    assert args.AccessLogSettingsOnArgs.__required_keys__ == set()
    assert args.AccessLogSettingsOffArgs.__required_keys__ == {"enabled"}
    (waf,) = [spec for spec in args_specs() if spec.model is WafSettings]
    assert [v.name for v in waf.variants] == ["WafSettingsOnArgs", "WafSettingsOffArgs"]
    assert "with `enabled: false` it admits no other key" in waf.doc
