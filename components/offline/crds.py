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

SCHEMAS: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("elbv2.k8s.aws/v1beta1", "TargetGroupBinding"): TARGET_GROUP_BINDING,
}
