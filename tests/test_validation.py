"""Every Kubernetes object passes the official OpenAPI schema, strict, for every supported version."""

from __future__ import annotations

import copy

import pytest

from components.offline.kubernetes import manifests, validate, validate_plan
from components.offline.runner import Plan
from components.settings import SUPPORTED_KUBERNETES_VERSIONS
from tests.conftest import objects, one, planned


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_every_object_is_valid_for_every_supported_version(plan: Plan, version: str) -> None:
    assert manifests(plan), "the plan has no Kubernetes objects"
    assert validate_plan(plan, version) == []


def test_a_misspelt_field_is_caught_with_object_and_field(plan: Plan) -> None:
    deployment = copy.deepcopy(one(plan, "Deployment"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    violations = validate(deployment, plan.settings.cluster.kubernetes_version)
    assert len(violations) == 1
    text = str(violations[0])
    assert text.startswith(f"Deployment {deployment['metadata']['namespace']}/{deployment['metadata']['name']}: ")
    assert "spec.template.spec.containers[0]" in text
    assert "readinesProbe" in text


def test_a_wrong_type_is_caught(plan: Plan) -> None:
    # A stack scaling through KEDA has no HPA object of its own: take dev's.
    hpas = objects(plan, "HorizontalPodAutoscaler") or objects(planned("dev"), "HorizontalPodAutoscaler")
    hpa = copy.deepcopy(hpas[0])
    hpa["spec"]["minReplicas"] = "two"
    assert [v.field for v in validate(hpa, "1.33")] == ["spec.minReplicas"]
