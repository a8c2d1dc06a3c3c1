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
  append ``Args`` themselves;
- the property descriptions of a union's merged type (the session store, an optional section):
  the analyzer cannot read the docstrings of a class indented under ``else:``.

Defaults are written in each property's description and not as the schema's ``default``: the SDKs
would send a ``default`` as an explicit value (nodejs codegen's ``...ProvideDefaults``,
pulumi/pulumi pkg/codegen/nodejs/gen.go), and the settings model treats an explicitly set key as
set: with ``enabled: false`` or ``kind: none`` a set key is refused as having no effect.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case
from pulumi.runtime import rpc

from . import PACKAGE_NAME, __version__
from .alarms import GatewayAlarms
from .args_codegen import ArgsSpec, EnumSpec, args_specs
from .gateway_cluster import ClusterHandle, GatewayCluster
from .gateway_service import Gateway
from .load_balancer import GatewayLoadBalancer
from .platform import GatewayPlatform
from .scaled_workload import ScaledGatewayWorkload

SCHEMA_PATH = Path("provider") / "schema.json"
PUBLIC_COMPONENTS: list[type[pulumi.ComponentResource]] = [
    GatewayPlatform,
    GatewayCluster,
    Gateway,
    ScaledGatewayWorkload,
    GatewayLoadBalancer,
    GatewayAlarms,
]
"""The components served to other languages; the rest are Python-only building blocks. One
environment: GatewayPlatform; one cluster with several gateways: GatewayCluster, whose ``handle``
output each Gateway takes as its ``cluster`` input; a gateway composed of its pieces:
ScaledGatewayWorkload (on the handle), GatewayLoadBalancer (its target group bound by the
workload) and GatewayAlarms (on both)."""
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
        if key.doc and "description" not in prop:
            # A union's merged TypedDict sits indented under `else:` in args.py, where the analyzer's
            # inspect.getsource + ast.parse fails (and is swallowed): its keys' docstrings come from here.
            prop["description"] = key.doc
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

    def map_inputs(self, inputs: Any, component_def: Any) -> Any:
        """The analyzer's mapping, after spreading an object input that arrives as one Output (a
        Gateway's ``cluster: ${shared.handle}``) over its properties: the analyzer would map it to
        an empty object (pulumi/provider/experimental/component.py), and a Gateway needs its
        cluster's facts when it is constructed."""
        spread = dict(inputs)
        for name, prop in component_def.inputs.items():
            if name in inputs and prop.ref and ":" in prop.ref and not prop.ref.startswith("/"):
                found = self.get_type_definition(prop)
                plain = {key for key, inner in found.properties.items() if inner.plain} if found else set()
                spread[name] = _spread(inputs[name], name, component_def.name, plain)
        return super().map_inputs(spread, component_def)

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


def _spread(value: Any, name: str, component: str, plain: set[str]) -> Any:
    """An object that arrived as one Output, as an object of Outputs with its dependencies and
    secrecy. The engine sends a property that comes from another resource as one output value, and
    the host's deserializer has already settled it (pulumi/runtime/rpc.py deserialize_output_value,
    pulumi/provider/server.py _select_value): its data is read here without waiting. ``plain``:
    the properties the object's type marks plain."""
    if not isinstance(value, pulumi.Output):
        return value
    data = value._data
    settled = data.result() if data.done() else None
    if settled is None or not settled.is_known or not isinstance(settled.value, dict):
        raise InputPropertyError(
            name,
            f"{component}: '{name}' is unknown when the component is constructed (a preview before the "
            "resource it comes from exists); its properties are needed then",
        )

    def carried(inner: Any) -> Any:
        if isinstance(inner, pulumi.Output):  # an output value of its own, with its own dependencies
            return inner
        if isinstance(inner, list):
            return [carried(item) for item in inner]
        secret = settled.is_secret or rpc.is_rpc_secret(inner)
        return pulumi.Output(set(settled.resources), _done(rpc.unwrap_rpc_secret(inner)), _done(True), _done(secret))

    # What the schema marks plain is taken as the plain value it is (a name, a version).
    return {
        key: rpc.unwrap_rpc_secret(inner) if key in plain else carried(inner) for key, inner in settled.value.items()
    }


def _done(value: Any) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
    future.set_result(value)
    return future
