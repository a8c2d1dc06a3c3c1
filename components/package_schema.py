"""The Pulumi package schema of the public components (what `pulumi package add` generates the SDKs of
other languages from), committed as provider/schema.json and served by provider/__main__.py.

Pulumi's component analyzer (pulumi.provider.experimental) reads the typed args (components/args.py)
and makes a named object type per settings model, with descriptions, required properties and
non-plain (Output-accepting) properties wherever the args say ``pulumi.Input``. What it cannot read
is completed here from the settings model, in :func:`completed`:

- enums: the analyzer reads only Enum classes, and the args keep ``Literal`` for the type checker,
  so each Literal becomes a named enum type here;
- secrets: properties whose values are Pulumi secrets (a kubeconfig, secretEnv) are ``secret``;
- type names: the schema's types are the settings models' names (``GatewaySettings``); the SDKs
  append ``Args`` themselves.

Defaults are written in each property's description and not as the schema's ``default``: the SDKs
would send a ``default`` as an explicit value (nodejs codegen's ``...ProvideDefaults``,
pulumi/pulumi pkg/codegen/nodejs/gen.go), and the settings model treats an explicitly set key as
set: with ``enabled: false`` or ``kind: none`` a set key is refused as having no effect.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case

from . import PACKAGE_NAME, __version__
from .args_codegen import ArgsSpec, EnumSpec, args_specs
from .gateway_cluster import ClusterHandle, GatewayCluster
from .gateway_service import Gateway
from .platform import GatewayPlatform

SCHEMA_PATH = Path("provider") / "schema.json"
PUBLIC_COMPONENTS: list[type[pulumi.ComponentResource]] = [GatewayPlatform, GatewayCluster, Gateway]
"""The components served to other languages; the rest are Python-only building blocks. One
environment: GatewayPlatform; one cluster with several gateways: GatewayCluster, whose ``handle``
output each Gateway takes as its ``cluster`` input."""
HANDLE_TYPE = "ClusterHandle"
"""The schema's name of the handle's facts (components.gateway_cluster.ClusterHandleArgs)."""
HANDLE_SECRETS = ("kubeconfig",)
HANDLE_DOC = (
    "The facts of this cluster a Gateway needs: pass it whole as each Gateway's `cluster` input "
    "(`cluster: ${cluster.handle}` in YAML)."
)


def type_token(name: str) -> str:
    return f"{PACKAGE_NAME}:index:{name}"


def _ref(name: str) -> str:
    return f"#/types/{type_token(name)}"


def _renamed(node: Any, names: dict[str, str]) -> Any:
    """Every type token and reference to it under its settings model's name; descriptions as
    Markdown without the docstrings' indentation, once per property (not again on its entries)."""
    if isinstance(node, dict):
        node = dict(node)
        for inner in ("items", "additionalProperties"):
            if isinstance(node.get(inner), dict):
                node[inner] = {k: v for k, v in node[inner].items() if k != "description"}
        if isinstance(node.get("description"), str):
            node["description"] = inspect.cleandoc(node["description"])
        return {names.get(k, k): _renamed(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, names) for v in node]
    if isinstance(node, str):
        return names.get(node, node)
    return node


def _enum_type(spec: EnumSpec) -> dict[str, Any]:
    def member(value: str | int) -> dict[str, Any]:
        word = "".join(part[:1].upper() + part[1:] for part in str(value).replace(".", "_").split("-"))
        return {"name": word if word[:1].isalpha() else f"V{word}", "value": value}

    return {"type": "integer" if spec.base == "int" else "string", "enum": [member(v) for v in spec.values]}


def _complete(spec: ArgsSpec, properties: dict[str, Any]) -> None:
    for key in spec.keys:
        prop = properties[camel_case(key.name)]
        if key.secret:
            prop["secret"] = True
        if key.enum is not None:
            node = prop
            for step in key.enum_at:
                node = node[step]
            node.pop("type")
            node["$ref"] = _ref(key.enum.name)


def _complete_handle(schema: dict[str, Any], uses: dict[EnumSpec, list[str]]) -> None:
    """The cluster handle's type (not a settings model): its secret, its enum, its description."""
    handle = schema["types"].get(type_token(HANDLE_TYPE))
    if handle is not None:
        for secret in HANDLE_SECRETS:
            handle["properties"][secret]["secret"] = True
        version = handle["properties"]["kubernetesVersion"]
        version.pop("type")
        version["$ref"] = _ref("KubernetesVersion")
        (enum,) = [e for e in uses if e.name == "KubernetesVersion"]
        uses[enum].append(f"`{HANDLE_TYPE}.kubernetesVersion`")
    cluster = schema.get("resources", {}).get(type_token(GatewayCluster.__name__))
    if cluster is not None:  # its docstring sits where the analyzer does not look (see GatewayCluster)
        cluster["properties"]["handle"]["description"] = HANDLE_DOC


def completed(schema: dict[str, Any], specs: list[ArgsSpec] | None = None) -> dict[str, Any]:
    """The analyzer's schema with what it cannot read from the args: enums, secrets, type names."""
    specs = args_specs() if specs is None else specs
    renames = {s.name: s.model.__name__ for s in specs} | {f"{HANDLE_TYPE}Args": HANDLE_TYPE}
    names = {type_token(old): type_token(new) for old, new in renames.items()}
    names |= {_ref(old): _ref(new) for old, new in renames.items()}
    schema = _renamed(schema, names)
    types: dict[str, Any] = schema.setdefault("types", {})
    uses: dict[EnumSpec, list[str]] = {}
    for spec in specs:
        found = types.get(type_token(spec.model.__name__))
        if found is None:  # a model no public component takes
            continue
        _complete(spec, found["properties"])
        for key in spec.keys:
            if key.enum is not None:
                uses.setdefault(key.enum, []).append(f"`{spec.model.__name__}.{camel_case(key.name)}`")
    _complete_handle(schema, uses)
    for enum, where in uses.items():
        types[type_token(enum.name)] = {**_enum_type(enum), "description": f"The values of {', '.join(where)}."}
    return schema


class PackageProvider(ComponentProvider):
    """The analyzer's provider (it maps other languages' inputs onto the args), serving the
    completed schema."""

    def __init__(self) -> None:
        super().__init__(PUBLIC_COMPONENTS, PACKAGE_NAME, None, __version__)
        assert self.schema is not None
        self.schema = json.dumps(completed(json.loads(self.schema)))

    def map_complex_output(self, instance_val: Any, type_def: Any) -> Any:
        """GatewayCluster's ``handle`` is a Python ClusterHandle: other languages get its facts."""
        if isinstance(instance_val, ClusterHandle):
            instance_val = instance_val.facts()
        return super().map_complex_output(instance_val, type_def)


def package_schema() -> dict[str, Any]:
    provider = PackageProvider()
    assert provider.schema is not None
    schema: dict[str, Any] = json.loads(provider.schema)
    return schema


def render() -> str:
    return json.dumps(package_schema(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    path = Path.cwd() / SCHEMA_PATH
    path.write_text(render())
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
