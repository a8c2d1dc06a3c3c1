"""The Kubernetes objects of a plan: rendered as the API server would receive them, validated
against the official OpenAPI schema of the stack's Kubernetes version (strict), written as YAML."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from kubernetes_validate.utils import all_versions, major_minor
from referencing import Registry, Resource

from .checks import CheckReport
from .crds import SCHEMAS
from .runner import Plan, PlannedResource, contains_unknowns


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
    """Strict schema validation: unknown fields (typos) fail as well as wrong types. The first
    error is reported, as kubernetes_validate.validate(obj, version, strict=True) reports it."""
    validator = _builtin_validator(_schema_dir(kubernetes_version), str(obj.get("kind")), str(obj.get("apiVersion")))
    if validator is None:
        return _validate_custom(obj)
    error = next(iter(validator.iter_errors(obj)), None)
    return [] if error is None else [Violation(object_id(obj), _path(list(error.path)), error.message)]


# kubernetes_validate.validate reads and parses the 1.4 MB definitions of a version again for every
# object; these load each schema file once per process. Same files, same validator class, same
# registry (kubernetes_validate/utils.py), so the same verdicts.
_SCHEMAS = resources.files("kubernetes_validate") / "kubernetes-json-schema"


@cache
def _schema_dir(kubernetes_version: str) -> str:
    """The strict schema folder kubernetes_validate uses for a version: the newest it ships that
    is not newer than the version asked for."""
    wanted = major_minor(kubernetes_version.removeprefix("v"))
    version = [v for v in all_versions() if major_minor(v) <= wanted][-1]
    return f"v{version}-local-strict"


@cache
def _definitions(schema_dir: str) -> Resource[Any]:
    return Resource.from_contents(json.loads((_SCHEMAS / schema_dir / "_definitions.json").read_text()))


@cache
def _builtin_validator(schema_dir: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    """The validator of a built-in kind; None when the version has no schema for it (a custom resource)."""
    # rbac.authorization.k8s.io/v1 -> rbac-v1, as kubernetes_validate names its files
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _SCHEMAS / schema_dir / f"{kind.lower()}-{group_version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = _definitions(schema_dir) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


def is_custom(obj: Mapping[str, Any], kubernetes_version: str) -> bool:
    """Whether the Kubernetes version has no built-in schema for the object's kind (a custom resource)."""
    return _builtin_validator(_schema_dir(kubernetes_version), str(obj.get("kind")), str(obj.get("apiVersion"))) is None


def _validate_custom(obj: dict[str, Any]) -> list[Violation]:
    """A custom resource, against the schema of crds.py; a kind without one is itself a violation."""
    schema = SCHEMAS.get((str(obj.get("apiVersion")), str(obj.get("kind"))))
    if schema is None:
        return [
            Violation(object_id(obj), "", "no schema for this custom resource; add one in components/offline/crds.py")
        ]
    validator = _custom_validator((str(obj.get("apiVersion")), str(obj.get("kind"))))
    return [
        Violation(object_id(obj), _path(list(err.absolute_path)), err.message)
        for err in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
    ]


@cache
def _custom_validator(key: tuple[str, str]) -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(SCHEMAS[key])


def validate_plan(plan: Plan, kubernetes_version: str | None = None) -> list[Violation]:
    version = kubernetes_version or plan.kubernetes_version
    return [v for obj in manifests(plan) for v in validate(obj, version)]


def _partition(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """The plan's objects of built-in kinds and its custom resources, without those holding values
    a preview does not know yet (their unknowns are no values to check), which are counted."""
    version = plan.kubernetes_version
    groups: dict[str, list[dict[str, Any]]] = {"builtin": [], "custom": []}
    unknown = {"builtin": 0, "custom": 0}
    for obj in manifests(plan):
        group = "custom" if is_custom(obj, version) else "builtin"
        if contains_unknowns(obj):
            unknown[group] += 1
        else:
            groups[group].append(obj)
    return groups["builtin"], groups["custom"], unknown


def _unchecked(count: int) -> str:
    return f"; {count} with values unknown in a preview not checked" if count else ""


def kubernetes_schema_check(plan: Plan) -> CheckReport:
    """The plan's built-in Kubernetes objects against the official schema of the stack's version."""
    version = plan.kubernetes_version
    builtin, _, unknown = _partition(plan)
    return CheckReport(
        name="kubernetes-schema",
        checked=f"{len(builtin)} Kubernetes objects against the Kubernetes {version} OpenAPI schema "
        f"(strict){_unchecked(unknown['builtin'])}",
        problems=[str(v) for obj in builtin for v in validate(obj, version)],
        coverage={"objects": len(builtin), "kubernetesVersion": version, "unknown": unknown["builtin"]},
    )


def crd_schema_check(plan: Plan) -> CheckReport:
    """The plan's custom resources against the schema of their CRD (crds.py)."""
    _, custom, unknown = _partition(plan)
    kinds = sorted({str(o["kind"]) for o in custom})
    return CheckReport(
        name="crd-schema",
        checked=f"{len(custom)} custom resources ({', '.join(kinds) or 'none'}) against the schema of "
        f"their CRD (components/offline/crds.py){_unchecked(unknown['custom'])}",
        problems=[str(v) for obj in custom for v in _validate_custom(obj)],
        coverage={"objects": len(custom), "kinds": kinds, "unknown": unknown["custom"]},
    )


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
