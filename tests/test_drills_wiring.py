"""The drills in the stacks: staging plans with them (issue 16), prod and dev without; the outputs
the drill runner reads come out of the plan in the shape its contract parses."""

from __future__ import annotations

import pytest

from components.drill.contract import parse_outputs
from components.platform import STOP_ALARMS
from components.settings import DrillSettings
from tests.conftest import IMAGE, WriteStack, assert_refused, planned

FIS_TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"


def test_staging_plans_with_its_drills_and_the_runner_can_read_them() -> None:
    plan = planned("staging")
    templates = [r for r in plan.resources if r.type == FIS_TEMPLATE]
    assert len(templates) == 3
    outputs = parse_outputs(plan.outputs, "staging")
    assert set(outputs.experiments) == {"podLoss", "nodeLoss", "zoneLoss"}
    assert outputs.cluster_name == plan.outputs["clusterName"]
    assert (outputs.namespace, outputs.deployment_name) == (plan.outputs["namespace"], plan.outputs["deploymentName"])
    # Every experiment stops on the stack's own availability alarms, which the runner checks by name
    # before each drill.
    alarms = {r.name: r for r in plan.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"}
    stops = [alarms[f"runmcp-alarms-{key}"] for key in STOP_ALARMS]
    assert [name.rsplit("-", 1)[0] for name in outputs.stop_alarm_names] == [a.name for a in stops]
    for template in templates:
        assert [c["source"] for c in template.inputs["stopConditions"]] == ["aws:cloudwatch:alarm"] * len(stops)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_dev_and_prod_have_no_drills(stack: str) -> None:
    plan = planned(stack)
    assert not [r for r in plan.resources if r.type.startswith("aws:fis/")]
    assert "drills" not in plan.outputs


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"cluster": {"existing": {}}, "loadBalancer": {"kind": "none"}}, "needs cluster.eks"),
        ({"loadBalancer": {"kind": "none"}}, "needs loadBalancer.kind: alb"),
        ({"alarms": {"enabled": False}}, "needs alarms.enabled"),
        ({}, "needs alarms.thresholds.latencyP99Seconds"),
    ],
)
def test_drills_without_what_they_stand_on_are_refused(
    write_stack: WriteStack, extra: dict[str, object], fragment: str
) -> None:
    path = write_stack({"gateway": {"image": IMAGE}, "drills": {"enabled": True}, **extra})
    assert_refused(path, "drills.enabled", fragment)


def test_the_drills_predict_what_the_plans_timeline_shows() -> None:
    """One definition: the scale-out and node-loss drills are judged against the timeline's worst case
    for the same event, unless the stack file sets a prediction of its own."""
    from components.config import read_stack_file, settings_from_stack_file
    from components.platform import predicted_from_timeline
    from components.timeline import timeline
    from tests.conftest import PROJECT_DIR

    settings = settings_from_stack_file(read_stack_file(PROJECT_DIR / "Pulumi.staging.yaml"))
    figures = timeline(settings)
    drills = planned("staging").outputs["drills"]
    assert drills["scaleOut"]["withinSeconds"] == figures.scale_out_new_node.worst
    assert drills["nodeLoss"]["recoverWithinSeconds"] == figures.node_loss.worst
    # A prediction the stack file sets wins.
    written = {**settings.drills.model_dump(by_alias=True, exclude_unset=True), "predicted": {"nodeLossSeconds": 600}}
    own = settings.model_copy(update={"drills": DrillSettings.model_validate(written)})
    assert predicted_from_timeline(own).predicted.node_loss_seconds == 600
    assert predicted_from_timeline(own).predicted.scale_out_seconds == figures.scale_out_new_node.worst
