"""Zonal autoshift (issue 14, item 3): AWS shifts an impaired zone away by itself and practises it
weekly; each practice run is judged by the gateway's availability alarms. Staging has it on, for
the load balancer and the cluster; settings AWS would refuse, or that a practice run would turn into
an outage, are refused before anything is registered."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.runtime import MockResourceArgs

from components.alarms import AVAILABILITY_ALARMS
from components.offline.aws_mocks import AwsAnswers, AwsRefusal
from components.offline.runner import Plan
from components.settings import ClusterScopeSettings, SettingsError, validated
from tests.conftest import WriteStack, assert_refused, of_type, planned, single, stack_config

CONFIG = "aws:arczonalshift/zonalAutoshiftConfiguration:ZonalAutoshiftConfiguration"


@pytest.fixture(scope="module")
def staging() -> Plan:
    return planned("staging")


def availability_alarm_arns(plan: Plan) -> list[str]:
    """The ARNs the mock cloud gave the gateway's availability alarms, found by their own names."""
    alarms = {r.name: r for r in of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    found = []
    for key in AVAILABILITY_ALARMS:
        (alarm,) = [a for name, a in alarms.items() if name == f"runmcp-alarms-{key}"]
        found.append(f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm.resource_id}")
    return found


def test_staging_autoshifts_its_load_balancer_judged_by_the_availability_alarms(staging: Plan) -> None:
    (config,) = [c for c in of_type(staging, CONFIG) if c.name == "runmcp-zonal-autoshift"]
    alb = single(staging, "aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["enableZonalShift"] is True
    assert config.inputs["resourceArn"] == alb.resource_id  # an ALB's ID is its ARN
    assert config.inputs["zonalAutoshiftStatus"] == "ENABLED"
    assert [a["alarmIdentifier"] for a in config.inputs["outcomeAlarms"]] == availability_alarm_arns(staging)
    assert {a["type"] for a in config.inputs["outcomeAlarms"]} == {"CLOUDWATCH"}


def test_staging_autoshifts_its_cluster_too(staging: Plan) -> None:
    (config,) = [c for c in of_type(staging, CONFIG) if c.name == "runmcp-cluster-zonal-autoshift"]
    cluster = single(staging, "aws:eks/cluster:Cluster")
    assert cluster.inputs["zonalShiftConfig"] == {"enabled": True}
    assert config.inputs["resourceArn"] == f"arn:aws:eks:us-east-1:123456789012:cluster/{cluster.resource_id}"
    assert [a["alarmIdentifier"] for a in config.inputs["outcomeAlarms"]] == availability_alarm_arns(staging)


def test_prod_and_dev_do_not_autoshift() -> None:
    for name in ("prod", "dev"):
        assert not of_type(planned(name), CONFIG), name


def staging_with(change: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(stack_config("staging"))
    for path, value in change.items():
        *parents, leaf = path.split(".")
        node = config
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return config


@pytest.mark.parametrize(
    ("change", "key", "fragment"),
    [
        ({"loadBalancer.zonalShift": None}, "loadBalancer.zonalAutoshift", "needs zonalShift: true"),
        ({"cluster.eks.zonalShift": None}, "cluster.eks.zonalAutoshift", "needs zonalShift: true"),
        (
            {"alarms.enabled": False, "drills.enabled": False},
            "cluster.eks.zonalAutoshift",
            "availability alarms are the practice runs' outcome alarms",
        ),
        (
            {"alarms.enabled": False, "drills.enabled": False},
            "loadBalancer.zonalAutoshift",
            "availability alarms are the practice runs' outcome alarms",
        ),
        # A practice run takes a zone away: the nodes left cannot hold 4 pods of 1 CPU.
        (
            {"scaling.minReplicas": 4, "scaling.maxReplicas": 4, "gateway.resources.requests.cpu": "1000m"},
            "cluster.eks.zonalAutoshift",
            "practice runs take a zone away every week, but scaling.minReplicas: losing one of",
        ),
    ],
)
def test_autoshift_that_aws_or_a_practice_run_would_break_is_refused(
    write_stack: WriteStack, change: dict[str, Any], key: str, fragment: str
) -> None:
    config = staging_with(change)
    if change.get("alarms.enabled") is False:
        config["alarms"] = {"enabled": False}  # its other keys have no effect then, and are refused
    if change.get("drills.enabled") is False:
        config["drills"] = {"enabled": False}  # likewise
    assert_refused(write_stack(config), key, fragment)


def test_gateway_cluster_alone_refuses_cluster_autoshift_instead_of_ignoring_it() -> None:
    # Its practice runs need the gateways' alarms, made after the cluster: GatewayPlatform makes it.
    with pytest.raises(SettingsError) as caught:
        validated(ClusterScopeSettings, {"cluster": {"eks": {"zonalShift": True, "zonalAutoshift": True}}}, "c")
    (line,) = caught.value.lines()
    assert line.startswith("c: runmcp-gateway:cluster.eks.zonalAutoshift: is made by GatewayPlatform")


def test_the_mock_cloud_refuses_autoshift_for_a_resource_without_zonal_shift() -> None:
    # ARC manages a load balancer only once zonal shift is enabled on it.
    aws = AwsAnswers("us-east-1")

    def make(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return aws.new_resource(MockResourceArgs(typ=typ, name=name, inputs=inputs, custom=True))[1]

    plain = make("aws:lb/loadBalancer:LoadBalancer", "plain", {"name": "plain", "loadBalancerType": "application"})
    shifted = make("aws:lb/loadBalancer:LoadBalancer", "shifted", {"name": "shifted", "enableZonalShift": True})
    alarms = [{"alarmIdentifier": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", "type": "CLOUDWATCH"}]
    with pytest.raises(AwsRefusal, match="not a managed resource"):
        make(CONFIG, "plain-autoshift", {"resourceArn": plain["arn"], "outcomeAlarms": alarms})
    made = make(CONFIG, "shifted-autoshift", {"resourceArn": shifted["arn"], "outcomeAlarms": alarms})
    assert made["resourceArn"] == shifted["arn"]


def test_the_configuration_is_never_made_without_an_outcome_alarm() -> None:
    """ARC refuses autoshift without a practice run's outcome alarm; the settings refuse it first, and
    the block itself refuses it too, before it registers anything, for a program that calls it."""
    import pulumi

    from components.zonal_autoshift import zonal_autoshift

    with pytest.raises(ValueError, match=r"^zonal autoshift needs at least one outcome alarm$"):
        zonal_autoshift(
            "autoshift", "arn:aws:elasticloadbalancing:us-east-1:123456789012:x", [], pulumi.ResourceOptions()
        )
