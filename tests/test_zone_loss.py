"""Losing one zone: the nodes a made cluster holds at its minimum must still run scaling.minReplicas
gateway pods until the node autoscaler adds nodes (issue 14, item 3); the plan warns by how much
they fall short, and says which minimum would hold them."""

from __future__ import annotations

import re

import pytest

from components.capacity import nodes_left_after_zone_loss
from components.config import read_stack_file, settings_from_stack_file
from components.settings import StackSettings, zone_loss_advisory
from tests.conftest import PROJECT_DIR


def stack(name: str) -> StackSettings:
    return settings_from_stack_file(read_stack_file(PROJECT_DIR / f"Pulumi.{name}.yaml"))


@pytest.mark.parametrize(
    ("size", "zones", "left"),
    # An Auto Scaling group spreads its nodes evenly; the zone lost is the one holding the most.
    [(3, 3, 2), (1, 2, 0), (2, 2, 1), (4, 3, 2), (6, 3, 4), (5, 2, 2)],
)
def test_nodes_left_when_the_fullest_zone_is_lost(size: int, zones: int, left: int) -> None:
    assert nodes_left_after_zone_loss(size, zones) == left


@pytest.mark.parametrize("name", ["prod", "staging"])
def test_prod_and_staging_survive_a_zone_at_their_minimum(name: str) -> None:
    assert zone_loss_advisory(stack(name)) is None


def test_dev_is_told_it_does_not() -> None:
    assert zone_loss_advisory(stack("dev")) == (
        "scaling.minReplicas: losing one of 2 zones leaves general: 0 x t3.large, which hold 0 of the 1 gateway "
        "pods scaling.minReplicas asks for (short by 1) until the node autoscaler adds nodes; raise "
        "cluster.eks.nodeGroups.general.minSize to 2"
    )


def with_min(settings: StackSettings, *, replicas: int | None = None, min_size: int | None = None) -> StackSettings:
    data = settings.model_dump(by_alias=True, exclude_unset=True)
    if replicas is not None:
        data["scaling"]["minReplicas"] = replicas
        data["scaling"]["maxReplicas"] = max(replicas, data["scaling"]["maxReplicas"])
    if min_size is not None:
        data["cluster"]["eks"]["nodeGroups"]["general"]["minSize"] = min_size
        data["cluster"]["eks"]["nodeGroups"]["general"]["maxSize"] = max(
            min_size, data["cluster"]["eks"]["nodeGroups"]["general"]["maxSize"]
        )
    return StackSettings.model_validate(data)


def test_the_minimum_it_suggests_is_the_smallest_that_holds() -> None:
    crowded = with_min(stack("prod"), replicas=10)
    message = zone_loss_advisory(crowded)
    assert message is not None
    suggested = int(re.search(r"minSize to (\d+)$", message).group(1))  # type: ignore[union-attr]
    assert zone_loss_advisory(with_min(crowded, min_size=suggested)) is None
    assert zone_loss_advisory(with_min(crowded, min_size=suggested - 1)) is not None


def test_the_plan_warns_with_the_advisory() -> None:
    from tests.conftest import planned

    assert any(w.startswith("scaling.minReplicas: losing one of 2 zones") for w in planned("dev").warnings)
    assert not any("losing one of" in w for w in planned("prod").warnings)
