"""The HorizontalPodAutoscaler that owns the gateway's replica count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .kube import object_name, object_namespace
from .settings import ScalingRules, ScalingSettings

hpa = k8s.autoscaling.v2
TYPE_TOKEN = "runmcp:index:GatewayAutoscaler"


def _rules(rules: ScalingRules) -> k8s.autoscaling.v2.HPAScalingRulesArgs:
    return hpa.HPAScalingRulesArgs(
        stabilization_window_seconds=rules.stabilization_window_seconds,
        select_policy=rules.select_policy,
        policies=[
            hpa.HPAScalingPolicyArgs(type=p.type, value=p.value, period_seconds=p.period_seconds)
            for p in rules.policies
        ],
    )


def _utilization(resource: str, percent: int) -> k8s.autoscaling.v2.MetricSpecArgs:
    # Utilization is a percentage of the pods' *requests*, which the workload always sets.
    return hpa.MetricSpecArgs(
        type="Resource",
        resource=hpa.ResourceMetricSourceArgs(
            name=resource, target=hpa.MetricTargetArgs(type="Utilization", average_utilization=percent)
        ),
    )


class GatewayAutoscaler(pulumi.ComponentResource):
    """Scales the gateway Deployment on CPU (and optionally memory) with explicit behaviour."""

    hpa_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: ScalingSettings | Mapping[str, Any],
        deployment: k8s.apps.v1.Deployment,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings = ArgsCheck(TYPE_TOKEN, name).settings(ScalingSettings, settings)
        super().__init__(TYPE_TOKEN, name, None, opts)
        metrics = [_utilization("cpu", settings.target_cpu_utilization)]
        if settings.target_memory_utilization is not None:
            metrics.append(_utilization("memory", settings.target_memory_utilization))
        autoscaler = hpa.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=object_name(deployment),
                namespace=object_namespace(deployment),
                labels=labels,
            ),
            spec=hpa.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=hpa.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1",
                    kind="Deployment",
                    name=object_name(deployment),
                ),
                min_replicas=settings.min_replicas,
                max_replicas=settings.max_replicas,
                metrics=metrics,
                behavior=hpa.HorizontalPodAutoscalerBehaviorArgs(
                    scale_up=_rules(settings.scale_up), scale_down=_rules(settings.scale_down)
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.hpa_name = object_name(autoscaler)
        self.register_outputs({"hpaName": self.hpa_name})
