"""The JSON Schema of a stack file (Pulumi.<stack>.yaml), generated from the settings model.

Editors that speak the YAML language server pick it up from the first line of each stack file
(`# yaml-language-server: $schema=schema/stack-settings.schema.json`) for completion, hover text
(the settings' docstrings) and validation as you type. The full check (patterns, cross-field rules,
the capacity arithmetic) stays in the settings models (components/settings/). Regenerate with
`make schema`; a test fails while the committed file is stale.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import sys
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic.json_schema import GenerateJsonSchema

from . import settings as settings_package
from .settings import AWS_REGION_KEY, MISSPELT_PROJECT_PREFIX, PROJECT, StackSettings, switch_of

SCHEMA_PATH = Path("schema") / "stack-settings.schema.json"
PULUMI_SECRET = {
    "type": "object",
    "description": "A Pulumi secret: `pulumi config set --secret --path <key> <value>` writes it.",
    "properties": {"secure": {"type": "string", "minLength": 1}},
    "required": ["secure"],
    "additionalProperties": False,
}


def _secrets_as_secure(node: Any) -> Any:
    """Secret settings (SecretStr) must be written as `secure:` values in a stack file."""
    if isinstance(node, dict):
        if node.get("format") == "password":
            return {"$ref": "#/$defs/PulumiSecret", **({"title": node["title"]} if "title" in node else {})}
        return {k: _secrets_as_secure(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_secrets_as_secure(v) for v in node]
    return node


def field_docstrings(cls: type) -> dict[str, str]:
    """The docstring under each annotated attribute of a class (what pydantic's
    use_attribute_docstrings reads), by attribute name."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    found = {}
    for statement, following in itertools.pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[statement.target.id] = inspect.cleandoc(following.value.value)
    return found


def with_field_docstrings() -> None:
    """Give the settings' fields their docstrings as descriptions and rebuild the models, nested
    ones before the models holding them (a model's schema holds the schemas of the models it nests)."""
    for model in settings_models():
        docs = field_docstrings(model)
        for name, info in model.model_fields.items():
            if info.description is None and name in docs:
                info.description = docs[name]
        # Every model, changed or not: a model's schema holds the schemas of the models it nests.
        model.model_rebuild(force=True)


def settings_models() -> list[type[BaseModel]]:
    """Every model of the settings package (whichever of its modules defines it), each after the
    models it nests."""
    found: dict[type[BaseModel], None] = {}

    def visit(model: type[BaseModel]) -> None:
        if model in found:
            return
        for info in model.model_fields.values():
            for inner in _models_in(info.annotation):
                visit(inner)
        found[model] = None

    for name in settings_package.__all__:
        value = getattr(settings_package, name)
        if isinstance(value, type) and issubclass(value, BaseModel) and _ours(value):
            visit(value)
    return list(found)


def _ours(model: type[BaseModel]) -> bool:
    return model.__module__.startswith(settings_package.__name__ + ".")


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    """The settings models an annotation names, at any depth (``dict[str, NodeGroupSettings] | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if _ours(annotation):
            yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _switch_key(model: type[BaseModel], switch: str) -> str:
    return model.model_fields[switch].alias or switch


def _switched_off_pruned(value: Any, dumped: Any) -> Any:
    """A default as a stack file may write it: an optional section switched off as its switch alone
    (``{"enabled": false}``), which is what its schema's off variant admits."""
    if isinstance(value, BaseModel):
        found = switch_of(type(value))
        if found is not None and not getattr(value, found[0]):
            return {_switch_key(type(value), found[0]): False}
        return {
            key: _switched_off_pruned(getattr(value, name), dumped[key]) if key in dumped else None
            for name, info in type(value).model_fields.items()
            if (key := info.alias or name) in dumped
        }
    if isinstance(value, list | tuple) and isinstance(dumped, list):
        return [_switched_off_pruned(v, d) for v, d in zip(value, dumped, strict=True)]
    if isinstance(value, dict) and isinstance(dumped, dict):
        return {k: _switched_off_pruned(value[k], dumped[k]) for k in value if k in dumped}
    return dumped


class _StackFileSchema(GenerateJsonSchema):
    """pydantic's schema generator, with defaults that are valid stack-file values: a section
    switched off is written as its switch alone (see :func:`_switched_sections`)."""

    def encode_default(self, dft: Any) -> Any:
        return _switched_off_pruned(dft, super().encode_default(dft))


def _switched_sections(defs: dict[str, Any]) -> None:
    """Each optional section (a settings model with a SWITCH, settings/base.py) as ``oneOf`` its on
    variant (every key, the switch ``true``, required unless on by default) and its off variant
    (the switch ``false``, required unless off by default, and no other key), so an editor flags
    ``{enabled: false, requestsPerFiveMinutes: 3000}`` as the settings model does."""
    for model in settings_models():
        found = switch_of(model)
        if found is None:
            continue
        switch, on_by_default = found
        key = _switch_key(model, switch)
        schema = defs[model.__name__]
        about = {k: v for k, v in schema["properties"][key].items() if k in ("title", "description")}
        on = {k: v for k, v in schema.items() if k not in ("title", "description")}
        on["title"] = f"{schema['title']} on"
        on["properties"] = {**schema["properties"], key: {**about, "const": True}}
        off: dict[str, Any] = {
            "title": f"{schema['title']} off",
            "type": "object",
            "properties": {key: {**about, "const": False}},
            "additionalProperties": False,
        }
        if on_by_default:
            on["properties"][key]["default"] = True
            off["required"] = [key]
        else:
            on["required"] = sorted({*schema.get("required", []), key})
            off["properties"][key]["default"] = False
        camel = to_camel(switch)
        note = f"An optional section, switched by `{camel}`: with `{camel}: false` it admits no other key."
        description = f"{schema['description']}\n\n{note}" if "description" in schema else note
        defs[model.__name__] = {"title": schema["title"], "description": description, "oneOf": [on, off]}


def stack_file_schema() -> dict[str, Any]:
    with_field_docstrings()
    model = _secrets_as_secure(StackSettings.model_json_schema(by_alias=True, schema_generator=_StackFileSchema))
    defs = dict(model.pop("$defs", {}))
    _switched_sections(defs)
    defs["PulumiSecret"] = PULUMI_SECRET
    ours = {f"{PROJECT}:{to_camel(name)}": schema for name, schema in model["properties"].items()}
    # A key without a namespace is the project's (Pulumi's config key parsing): the same settings.
    ours |= {to_camel(name): schema for name, schema in model["properties"].items()}
    keys = "|".join(to_camel(name) for name in StackSettings.model_fields)
    required = [to_camel(name) for name in model.get("required", [])]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{PROJECT} stack file (Pulumi.<stack>.yaml)",
        # The model's former single file: kept so the committed schema is unchanged by the split.
        "description": "Generated from components/settings.py by `make schema`; do not edit.",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": {AWS_REGION_KEY: {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-\\d$"}, **ours},
                "allOf": [{"anyOf": [{"required": [f"{PROJECT}:{key}"]}, {"required": [key]}]} for key in required],
                # Other namespaces (aws:, pulumi:) are the providers' own; unknown keys of ours, with
                # the namespace or without (a key dedented out of its section), are errors, and so is a
                # namespace that starts like ours but is not it (settings.MISSPELT_PROJECT_PREFIX).
                "patternProperties": {
                    f"^{PROJECT}:(?!({keys})$)": False,
                    f"^(?!({keys})$)[^:]+$": False,
                    f"^(?!{PROJECT}:){MISSPELT_PROJECT_PREFIX}[^:]*:": False,
                },
            },
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "$defs": defs,
    }


def render() -> str:
    return json.dumps(stack_file_schema(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    path = Path.cwd() / SCHEMA_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
