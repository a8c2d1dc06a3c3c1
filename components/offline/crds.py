"""JSON Schemas for the custom resources the program creates, which kubernetes-validate has none of.

Each covers the fields of the CRD that the project uses, with the CRD's types, enums and required
fields, and refuses any other field (as strict validation does for built-in kinds), so a typo or a
field from another version fails the offline plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_METADATA = {
    "type": "object",
    "required": ["name", "namespace"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 253},
        "namespace": {"type": "string", "minLength": 1, "maxLength": 63},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}

TARGET_GROUP_BINDING: Mapping[str, Any] = {
    # aws-load-balancer-controller v2.17, CRD targetgroupbindings.elbv2.k8s.aws, version v1beta1.
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "elbv2.k8s.aws/v1beta1"},
        "kind": {"const": "TargetGroupBinding"},
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["serviceRef", "targetGroupARN"],
            "properties": {
                "targetGroupARN": {"type": "string", "pattern": "^arn:aws[a-z-]*:elasticloadbalancing:"},
                "targetType": {"enum": ["instance", "ip"]},
                "ipAddressType": {"enum": ["ipv4", "ipv6"]},
                "serviceRef": {
                    "type": "object",
                    "required": ["name", "port"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "port": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "string"}]},
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

_INT32 = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}


def _closed(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": dict(properties), "additionalProperties": False}


_HPA_RULES = _closed(
    {
        "stabilizationWindowSeconds": {**_INT32, "minimum": 0, "maximum": 3600},
        "selectPolicy": {"enum": ["Max", "Min", "Disabled"]},
        "policies": {
            "type": "array",
            "items": _closed(
                {
                    "type": {"enum": ["Pods", "Percent"]},
                    "value": {**_INT32, "minimum": 1},
                    "periodSeconds": {**_INT32, "minimum": 1, "maximum": 1800},
                },
                ("type", "value", "periodSeconds"),
            ),
        },
    }
)
# The cloudwatch scaler's metadata keys (pkg/scalers/aws_cloudwatch_scaler.go, awsCloudwatchMetadata);
# a key it does not know is silently ignored by KEDA, so a misspelt one is refused here.
_CLOUDWATCH_METADATA = _closed(
    {
        key: {"type": "string", "minLength": 1}
        for key in (
            "namespace",
            "metricName",
            "dimensionName",
            "dimensionValue",
            "expression",
            "targetMetricValue",
            "activationTargetMetricValue",
            "minMetricValue",
            "ignoreNullValues",
            "metricCollectionTime",
            "metricStat",
            "metricUnit",
            "metricStatPeriod",
            "metricEndTimeOffset",
            "awsAccountId",
            "awsRegion",
            "awsEndpoint",
        )
    },
    ("targetMetricValue", "minMetricValue", "awsRegion"),
)
_RESOURCE_METADATA = _closed({"value": {"type": "string", "pattern": "^[0-9]+$"}}, ("value",))

SCALED_OBJECT: Mapping[str, Any] = {
    # KEDA v2.20.2, CRD scaledobjects.keda.sh, version v1alpha1 (config/crd/bases/keda.sh_scaledobjects.yaml).
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": _METADATA,
        "spec": _closed(
            {
                "scaleTargetRef": _closed(
                    {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": {"type": "string", "minLength": 1},
                        "envSourceContainerName": {"type": "string"},
                    },
                    ("name",),
                ),
                "pollingInterval": {**_INT32, "minimum": 1},
                "cooldownPeriod": {**_INT32, "minimum": 0},
                "minReplicaCount": {**_INT32, "minimum": 0},
                "maxReplicaCount": {**_INT32, "minimum": 1},
                "advanced": _closed(
                    {
                        "horizontalPodAutoscalerConfig": _closed(
                            {
                                "name": {"type": "string", "minLength": 1, "maxLength": 253},
                                "behavior": _closed({"scaleUp": _HPA_RULES, "scaleDown": _HPA_RULES}),
                            }
                        ),
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                    }
                ),
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "oneOf": [
                            _closed(
                                {
                                    "type": {"enum": ["cpu", "memory"]},
                                    "name": {"type": "string"},
                                    # The cpu and memory scalers take Utilization or AverageValue.
                                    "metricType": {"enum": ["Utilization", "AverageValue"]},
                                    "metadata": _RESOURCE_METADATA,
                                },
                                ("type", "metricType", "metadata"),
                            ),
                            _closed(
                                {
                                    "type": {"const": "aws-cloudwatch"},
                                    "name": {"type": "string"},
                                    "metricType": {"enum": ["Value", "AverageValue"]},
                                    "useCachedMetrics": {"type": "boolean"},
                                    "metadata": _CLOUDWATCH_METADATA,
                                    "authenticationRef": _closed(
                                        {
                                            "name": {"type": "string", "minLength": 1},
                                            "kind": {"enum": ["TriggerAuthentication", "ClusterTriggerAuthentication"]},
                                        },
                                        ("name",),
                                    ),
                                },
                                ("type", "metadata"),
                            ),
                        ]
                    },
                },
            },
            ("scaleTargetRef", "triggers"),
        ),
    },
    "additionalProperties": False,
    # The CRD's own rule minReplicaCount <= maxReplicaCount (x-kubernetes-validations) is the
    # settings' (scaling.minReplicas within maxReplicas): JSON Schema cannot compare two fields.
}

TRIGGER_AUTHENTICATION: Mapping[str, Any] = {
    # KEDA v2.20.2, CRD triggerauthentications.keda.sh, version v1alpha1.
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "TriggerAuthentication"},
        "metadata": _METADATA,
        "spec": _closed(
            {
                "podIdentity": _closed(
                    {
                        "provider": {"enum": ["azure-workload", "gcp", "aws", "aws-eks", "none"]},
                        "roleArn": {"type": "string"},
                        "identityOwner": {"enum": ["keda", "workload"]},
                    },
                    ("provider",),
                )
            },
            ("podIdentity",),
        ),
    },
    "additionalProperties": False,
}

SCHEMAS: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("elbv2.k8s.aws/v1beta1", "TargetGroupBinding"): TARGET_GROUP_BINDING,
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION,
}
