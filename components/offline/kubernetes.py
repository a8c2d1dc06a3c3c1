"""The Kubernetes objects of a plan: rendered as the API server would receive them, validated
against the official OpenAPI schema of the stack's Kubernetes version (strict), written as YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError

from .crds import SCHEMAS
from .runner import Plan, PlannedResource


@dataclass(frozen=True)
class Violation:
    object: str
    """Kind namespace/name, e.g. "Deployment runmcp-gateway/runmcp-gateway"."""
    field: str
    """Dotted path to the offending field, e.g. "spec.template.spec.containers[0]"."""
    message: str

    def __str__(self) -> str:
        return f"{self.object}: {self.field or '(object)'}: {self.message}"


def is_kubernetes_object(resource: PlannedResource) -> bool:
    return resource.custom and resource.type.startswith("kubernetes:") and "kind" in resource.inputs


def manifests(plan: Plan) -> list[dict[str, Any]]:
    """Every Kubernetes object of the plan, in a stable order (kind, namespace, name)."""
    objects = [_named(r) for r in plan.resources if is_kubernetes_object(r)]
    return sorted(objects, key=lambda o: (o["kind"], _meta(o, "namespace"), _meta(o, "name")))


def _named(resource: PlannedResource) -> dict[str, Any]:
    """The object as sent, with the name the provider assigns when Pulumi auto-names it."""
    obj = dict(resource.inputs)
    metadata = dict(obj.get("metadata") or {})
    if "name" not in metadata and resource.assigned_name:
        metadata["name"] = resource.assigned_name
    obj["metadata"] = metadata
    return obj


def object_id(obj: dict[str, Any]) -> str:
    namespace = _meta(obj, "namespace")
    name = _meta(obj, "name") or "(auto-named)"
    return f"{obj.get('kind')} {namespace + '/' if namespace else ''}{name}"


def _meta(obj: dict[str, Any], key: str) -> str:
    value = (obj.get("metadata") or {}).get(key)
    return str(value) if value is not None else ""


def validate(obj: dict[str, Any], kubernetes_version: str) -> list[Violation]:
    """Strict schema validation: unknown fields (typos) fail as well as wrong types."""
    try:
        kubernetes_validate.validate(obj, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as err:
        return [Violation(object_id(obj), _path(list(err.path)), err.message)]
    except SchemaNotFoundError:
        return _validate_custom(obj)
    return []


def _validate_custom(obj: dict[str, Any]) -> list[Violation]:
    """A custom resource, against the schema of crds.py; a kind without one is itself a violation."""
    schema = SCHEMAS.get((str(obj.get("apiVersion")), str(obj.get("kind"))))
    if schema is None:
        return [
            Violation(object_id(obj), "", "no schema for this custom resource; add one in components/offline/crds.py")
        ]
    validator = jsonschema.Draft202012Validator(schema)
    return [
        Violation(object_id(obj), _path(list(err.absolute_path)), err.message)
        for err in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
    ]


def validate_plan(plan: Plan, kubernetes_version: str | None = None) -> list[Violation]:
    version = kubernetes_version or plan.settings.cluster.kubernetes_version
    return [v for obj in manifests(plan) for v in validate(obj, version)]


def _path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def write_manifests(plan: Plan, directory: Path) -> list[Path]:
    """One YAML file per object, named kind-namespace-name.yaml; secret values stay "[secret]"."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for obj in manifests(plan):
        parts = [obj["kind"], _meta(obj, "namespace"), _meta(obj, "name")]
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(p for p in parts if p)).lower()
        path = directory / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
        written.append(path)
    return written
