"""The headroom's placeholder pods (components/headroom.py): what prod runs, what dev leaves out, and
the capacity they take. The stack-wide tests (Kubernetes schema, checkov, Pod Security restricted,
policy pack) cover their objects too, in every stack that holds some."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.headroom import (
    COMPONENT,
    EXPENDABLE_PRIORITY_CUTOFF,
    HEADROOM_PRIORITY,
    PAUSE_IMAGE,
    TYPE_TOKEN,
)
from components.offline.kubernetes import manifests
from components.offline.policies import resources_of
from components.offline.runner import Plan
from components.policy import rules
from components.settings import StackSettings
from components.settings.stack import _cross_field_problems
from tests.conftest import (
    HEADROOM_COMPONENT,
    IMAGE,
    WriteStack,
    assert_refused,
    container,
    of_type,
    one,
    planned,
    stack_config,
)


def headroom_objects(plan: Plan, kind: str) -> list[dict[str, Any]]:
    return [
        o
        for o in manifests(plan)
        if o["kind"] == kind and (o["metadata"].get("labels") or {}).get("app.kubernetes.io/component") == COMPONENT
    ]


def placeholders(plan: Plan) -> dict[str, Any]:
    (deployment,) = headroom_objects(plan, "Deployment")
    return deployment


def test_one_component_label_everywhere() -> None:
    """The policy pack and the tests leave the placeholders out of the gateway's rules by this label."""
    assert COMPONENT == rules.PLACEHOLDER_COMPONENT == HEADROOM_COMPONENT


@pytest.mark.parametrize(("stack", "replicas"), [("prod", 2), ("staging", 1)])
def test_stacks_hold_the_headroom_their_files_set(stack: str, replicas: int) -> None:
    assert stack_config(stack)["scaling"]["headroomReplicas"] == replicas
    assert placeholders(planned(stack))["spec"]["replicas"] == replicas


def test_dev_makes_none() -> None:
    plan = planned("dev")
    assert stack_config("dev")["scaling"]["headroomReplicas"] == 0
    assert of_type(plan, TYPE_TOKEN) == []
    assert [o for o in manifests(plan) if o["kind"] in ("PriorityClass",)] == []
    assert all(
        (o["metadata"].get("labels") or {}).get("app.kubernetes.io/component") != COMPONENT for o in manifests(plan)
    )


def test_each_placeholder_requests_one_gateway_pod() -> None:
    plan = planned("prod")
    pod = placeholders(plan)["spec"]["template"]["spec"]
    (pause,) = pod["containers"]
    assert pause["resources"]["requests"] == container(plan)["resources"]["requests"]
    assert pause["resources"]["limits"] == pause["resources"]["requests"]


def test_the_priority_is_preempted_by_the_gateway_and_still_scales_the_nodes() -> None:
    plan = planned("prod")
    (priority_class,) = headroom_objects(plan, "PriorityClass")
    value = priority_class["value"]
    assert value == HEADROOM_PRIORITY
    # Below the gateway's default priority 0 (the gateway sets none), at or above the autoscaler's cutoff.
    assert "priorityClassName" not in one(plan, "Deployment")["spec"]["template"]["spec"]
    assert EXPENDABLE_PRIORITY_CUTOFF <= value < 0
    assert priority_class["preemptionPolicy"] == "Never"
    assert priority_class.get("globalDefault") is False
    pod = placeholders(plan)["spec"]["template"]["spec"]
    assert pod["priorityClassName"] == priority_class["metadata"]["name"]


def test_placeholders_spread_across_zones() -> None:
    deployment = placeholders(planned("prod"))
    spread = {c["topologyKey"]: c for c in deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]}
    zone = spread["topology.kubernetes.io/zone"]
    assert (zone["maxSkew"], zone["whenUnsatisfiable"]) == (1, "DoNotSchedule")
    assert zone["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_no_token_no_traffic_pinned_image() -> None:
    plan = planned("prod")
    deployment = placeholders(plan)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert "serviceAccountName" not in pod
    (pause,) = pod["containers"]
    assert pause["image"] == PAUSE_IMAGE
    assert PAUSE_IMAGE.startswith("registry.k8s.io/pause:3.10@sha256:")
    assert len(PAUSE_IMAGE.split("@sha256:")[1]) == 64
    (policy,) = headroom_objects(plan, "NetworkPolicy")
    assert policy["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    assert policy["spec"]["podSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in policy["spec"]
    assert "egress" not in policy["spec"]


def test_no_gateway_selector_picks_a_placeholder() -> None:
    plan = planned("prod")
    deployment = placeholders(plan)
    assert deployment["metadata"]["namespace"] == plan.settings.gateway.namespace
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selectors = [
        one(plan, "Service")["spec"]["selector"],
        one(plan, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        one(plan, "Deployment")["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert not selector.items() <= labels.items(), selector
    assert labels["app.kubernetes.io/component"] == "headroom"
    assert {"app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "app.kubernetes.io/version"} <= set(labels)


def test_placeholders_meet_pod_security_restricted() -> None:
    (placeholder,) = [
        r
        for r in resources_of(planned("prod"))
        if r.type == rules.DEPLOYMENT and r.props["metadata"]["labels"]["app.kubernetes.io/component"] == COMPONENT
    ]
    assert list(rules.pod_security_restricted([placeholder])) == []
    # The rule does look at them: a privileged placeholder is refused.
    props = copy.deepcopy(dict(placeholder.props))
    props["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
    broken = rules.Resource(placeholder.type, placeholder.urn, placeholder.name, props, ())
    assert list(rules.pod_security_restricted([broken]))


# --- Capacity -------------------------------------------------------------------------------------


def _problems(settings: StackSettings, key: str) -> list[str]:
    return [p.message for p in _cross_field_problems(settings) if p.key == key]


def test_the_capacity_check_counts_the_headroom() -> None:
    """At the largest maxReplicas prod's node groups hold, headroom 0 passes and headroom 1 is refused
    (naming headroomReplicas); one replica less leaves room for exactly one placeholder."""
    prod = planned("prod").settings

    def with_scaling(max_replicas: int, headroom: int) -> StackSettings:
        scaling = prod.scaling.model_copy(update={"max_replicas": max_replicas, "headroom_replicas": headroom})
        return prod.model_copy(update={"scaling": scaling})

    fits = prod.scaling.max_replicas
    while not _problems(with_scaling(fits + 1, 0), "scaling.maxReplicas"):
        fits += 1
        assert fits < 1000
    assert _problems(with_scaling(fits, 0), "scaling.headroomReplicas") == []
    (message,) = _problems(with_scaling(fits, 1), "scaling.headroomReplicas")
    assert message.startswith(f"maxReplicas {fits} plus headroomReplicas 1 do not fit: {fits + 1} gateway pods need")
    assert "short by" in message
    assert message.endswith("or lower scaling.headroomReplicas")
    assert _problems(with_scaling(fits - 1, 1), "scaling.headroomReplicas") == []
    assert _problems(with_scaling(fits - 1, 2), "scaling.headroomReplicas")


def test_headroom_that_does_not_fit_stops_the_plan(write_stack: WriteStack) -> None:
    path = write_stack(
        {
            "gateway": {
                "image": IMAGE,
                "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
            },
            "scaling": {"minReplicas": 1, "maxReplicas": 2, "headroomReplicas": 10},
            "cluster": {"eks": {"nodeGroups": {"web": {"instanceTypes": ["m6i.large"], "minSize": 2, "maxSize": 4}}}},
        }
    )
    assert_refused(path, "scaling.headroomReplicas", "maxReplicas 2 plus headroomReplicas 10 do not fit")


def test_a_negative_headroom_is_refused(write_stack: WriteStack) -> None:
    path = write_stack({"gateway": {"image": IMAGE}, "scaling": {"headroomReplicas": -1}})
    assert_refused(path, "scaling.headroomReplicas", "greater than or equal to 0")
