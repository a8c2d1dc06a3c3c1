"""What owns the gateway's replica count: a HorizontalPodAutoscaler on CPU (and memory), or, when
the gateway also scales on requests (scaling.requestsPerReplica), KEDA's ScaledObject with the same
triggers plus the load balancer's RequestCountPerTarget from CloudWatch; KEDA then makes and owns
the HPA.

Sources: the ScaledObject and TriggerAuthentication CRDs (kedacore/keda v2.20.2,
config/crd/bases/keda.sh_scaledobjects.yaml, keda.sh_triggerauthentications.yaml); the CloudWatch
scaler's parameters and query window (pkg/scalers/aws_cloudwatch_scaler.go); RequestCountPerTarget
(ALB user guide, load-balancer-cloudwatch-metrics.html: per target group, statistic Sum, already an
average per target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .block_args import ArgsCheck
from .kube import object_name, object_namespace
from .settings import REQUESTS_END_OFFSET_SECONDS, Problem, ScalingRules, ScalingSettings

hpa = k8s.autoscaling.v2
TYPE_TOKEN = "runmcp:index:GatewayAutoscaler"
KEDA_API = "keda.sh/v1alpha1"
HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SCALED_OBJECT_TYPE = f"kubernetes:{KEDA_API}:ScaledObject"
KIND_CHANGE = ["apiVersion", "kind"]
"""What makes the HPA and the ScaledObject, one resource across an alias, replace each other."""
REQUESTS_METRIC = ("AWS/ApplicationELB", "RequestCountPerTarget")
REQUESTS_PERIOD_SECONDS = 60
"""RequestCountPerTarget is published per minute; the ScaledObject's target is per minute too."""
REQUESTS_COLLECTION_SECONDS = 2 * REQUESTS_PERIOD_SECONDS
"""KEDA asks for the whole minutes before its window's end (now less REQUESTS_END_OFFSET_SECONDS, at a
minute boundary) and takes the latest datapoint: two minutes, so a minute CloudWatch has not
published yet leaves the one before it instead of no value (which the scaler would read as
minMetricValue, 0)."""


@dataclass(frozen=True)
class RequestTrigger:
    """Where the requests per target are read: this gateway's target group, in the stack's region."""

    target_group_arn_suffix: pulumi.Input[str]
    """targetgroup/<name>/<id>: the TargetGroup dimension (the target group's arn_suffix output)."""
    region: str
    ready: list[pulumi.Resource]
    """What the ScaledObject waits for: KEDA's release (its CRDs and webhooks), in one program."""


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


def _behavior(settings: ScalingSettings) -> dict[str, Any]:
    """scaling.scaleUp/scaleDown as the HPA's behavior, in the ScaledObject's (camelCase) form."""

    def rules(r: ScalingRules) -> dict[str, Any]:
        return {
            "stabilizationWindowSeconds": r.stabilization_window_seconds,
            "selectPolicy": r.select_policy,
            "policies": [{"type": p.type, "value": p.value, "periodSeconds": p.period_seconds} for p in r.policies],
        }

    return {"scaleUp": rules(settings.scale_up), "scaleDown": rules(settings.scale_down)}


def _resource_trigger(resource: str, percent: int) -> dict[str, Any]:
    # KEDA's cpu and memory scalers are the HPA's Resource metrics (a percentage of the requests).
    return {"type": resource, "metricType": "Utilization", "metadata": {"value": str(percent)}}


def request_trigger_metadata(requests_per_replica: int, target_group: str, region: str) -> dict[str, str]:
    """The aws-cloudwatch trigger's metadata (all strings, as the CRD requires)."""
    namespace, metric = REQUESTS_METRIC
    return {
        "namespace": namespace,
        "metricName": metric,
        "dimensionName": "TargetGroup",
        "dimensionValue": target_group,
        "metricStat": "Sum",
        "metricStatPeriod": str(REQUESTS_PERIOD_SECONDS),
        "metricCollectionTime": str(REQUESTS_COLLECTION_SECONDS),
        "metricEndTimeOffset": str(REQUESTS_END_OFFSET_SECONDS),
        "targetMetricValue": str(requests_per_replica),
        "minMetricValue": "0",
        "awsRegion": region,
    }


def hpa_name_of(deployment_name: str) -> str:
    """The HPA KEDA makes for the gateway's ScaledObject (set explicitly: the plain HPA is named
    after the Deployment, and a switch between the two never finds the other's HPA in the way)."""
    return f"keda-hpa-{deployment_name}"


class GatewayAutoscaler(pulumi.ComponentResource):
    """Scales the gateway Deployment on CPU (and optionally memory) with explicit behaviour, and on
    requests per target through KEDA when scaling.requestsPerReplica is set."""

    hpa_name: pulumi.Output[str]
    scaled_object: k8s.apiextensions.CustomResource | None

    def __init__(
        self,
        name: str,
        settings: ScalingSettings | Mapping[str, Any],
        deployment: k8s.apps.v1.Deployment,
        labels: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
        *,
        requests: RequestTrigger | None = None,
    ) -> None:
        check = ArgsCheck(TYPE_TOKEN, name)
        settings = check.settings(ScalingSettings, settings)
        if (settings.requests_per_replica is None) != (requests is None):
            check.add(
                [
                    Problem(
                        "requests",
                        "is given without scaling.requestsPerReplica"
                        if requests is not None
                        else "is required with scaling.requestsPerReplica (the target group to read)",
                    )
                ]
            )
        check.done()
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.scaled_object = None
        if requests is not None:
            self._scaled_object(name, settings, deployment, labels, requests)
            self.register_outputs({"hpaName": self.hpa_name})
            return
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
            # A switch from KEDA back to the plain HPA: the same resource (an alias), replaced, the
            # ScaledObject first (see _scaled_object).
            opts=pulumi.ResourceOptions(
                parent=self,
                aliases=[pulumi.Alias(type_=SCALED_OBJECT_TYPE)],
                # The kubernetes provider's diff replaces only for a new name or namespace: a new kind
                # alone would be an update, which reads the old name under the new kind and fails
                # (pulumi-kubernetes provider/pkg/provider/diff.go, await.go).
                replace_on_changes=KIND_CHANGE,
                delete_before_replace=True,
            ),
        )
        self.hpa_name = object_name(autoscaler)
        self.register_outputs({"hpaName": self.hpa_name})

    def _scaled_object(
        self,
        name: str,
        settings: ScalingSettings,
        deployment: k8s.apps.v1.Deployment,
        labels: dict[str, str],
        requests: RequestTrigger,
    ) -> None:
        assert settings.requests_per_replica is not None
        namespace = object_namespace(deployment)
        deployment_name = object_name(deployment)
        after_keda = pulumi.ResourceOptions(parent=self, depends_on=requests.ready)
        # The operator's own identity (EKS Pod Identity, its role may only read metrics). The
        # trigger's identityOwner: operator is deprecated since KEDA 2.13; provider aws is its
        # replacement (pkg/scalers/aws/aws_common.go, GetAwsAuthorization).
        auth = k8s.apiextensions.CustomResource(
            f"{name}-keda-auth",
            api_version=KEDA_API,
            kind="TriggerAuthentication",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=deployment_name, namespace=namespace, labels=labels),
            spec={"podIdentity": {"provider": "aws"}},
            opts=after_keda,
        )
        triggers: list[Any] = [_resource_trigger("cpu", settings.target_cpu_utilization)]
        if settings.target_memory_utilization is not None:
            triggers.append(_resource_trigger("memory", settings.target_memory_utilization))
        triggers.append(
            {
                "type": "aws-cloudwatch",
                "name": "requests-per-target",
                # RequestCountPerTarget is a per-target figure already: the HPA compares it with the
                # target as it is (Value), not divided by the replicas (AverageValue).
                "metricType": "Value",
                # The HPA reads what KEDA fetched at its last poll (pollingInterval): one CloudWatch
                # call per interval, not per HPA sync.
                "useCachedMetrics": True,
                "metadata": pulumi.Output.from_input(requests.target_group_arn_suffix).apply(
                    lambda tg: request_trigger_metadata(settings.requests_per_replica or 0, tg, requests.region)
                ),
                "authenticationRef": {"name": deployment_name},
            }
        )
        self.scaled_object = k8s.apiextensions.CustomResource(
            # The plain HPA's logical name, aliased across the type change: switching a stack from
            # the HPA to KEDA replaces the HPA by the ScaledObject, deleting the HPA first. KEDA's
            # admission webhook refuses a ScaledObject while another HPA targets the Deployment
            # (validations.keda.sh/hpa-ownership), so create-then-delete would fail.
            f"{name}-hpa",
            api_version=KEDA_API,
            kind="ScaledObject",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=deployment_name, namespace=namespace, labels=labels),
            spec={
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment_name},
                "minReplicaCount": settings.min_replicas,
                "maxReplicaCount": settings.max_replicas,
                "pollingInterval": settings.polling_interval_seconds,
                "advanced": {
                    "horizontalPodAutoscalerConfig": {
                        "name": deployment_name.apply(hpa_name_of),
                        "behavior": _behavior(settings),
                    },
                },
                "triggers": triggers,
            },
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*requests.ready, auth],
                aliases=[pulumi.Alias(type_=HPA_TYPE)],
                replace_on_changes=KIND_CHANGE,
                delete_before_replace=True,
            ),
        )
        self.hpa_name = deployment_name.apply(hpa_name_of)
