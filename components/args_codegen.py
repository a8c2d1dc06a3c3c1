"""Writes components/args.py: the typed args of every settings section, generated from the settings
model so that each key, type, requirement and description is defined once (in the model).

One TypedDict per settings model (Pulumi's Python convention for args dicts: snake_case keys,
``total=False``, ``Required[...]`` where the model requires the key, a docstring per key), with
``pulumi.Input[T]`` where the setting is marked FROM_RESOURCE (its value may come from another
resource) and plain types elsewhere: those are validated before any resource is registered.

Pulumi's component analyzer (pulumi/provider/experimental/analyzer.py) reads these classes to make
the package schema; it understands str/int/float/bool, Input, Sequence, Mapping and TypedDicts, but
not ``Literal``. So each enum is a ``Literal`` for the type checker and its base type at run time;
components/package_schema.py turns those properties into named enum types from :func:`args_specs`.

Regenerate with `make args` (``python -m components.args_codegen``); a test fails while the
committed file differs from what this writes.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import json
import re
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticUndefined

from .schema import field_docstrings
from .settings import FromResource, StackSettings, switch_of

ARGS_PATH = Path("components") / "args.py"
"""Where the generated module lives, from the repository's root."""

Position = tuple[str, ...]
"""Where, inside a property's schema, a value sits: () the property itself, ("items",) a list's
entries, ("additionalProperties",) a map's values."""


@dataclass(frozen=True)
class EnumSpec:
    """A Literal of the settings model: a ``Literal`` alias in args.py, a named enum type in the schema."""

    name: str
    values: tuple[str | int, ...]

    @property
    def base(self) -> str:
        return "int" if all(isinstance(v, int) for v in self.values) else "str"


@dataclass(frozen=True)
class KeySpec:
    """One key of an args TypedDict, and what the package schema needs to know about it."""

    name: str
    """The Python (snake_case) key; the schema's property is its camelCase."""
    annotation: str
    required: bool
    doc: str
    enum: EnumSpec | None = None
    enum_at: Position = ()
    secret: bool = False
    from_resource: bool = False
    literals: tuple[EnumSpec, ...] = ()


@dataclass(frozen=True)
class ArgsSpec:
    model: type[BaseModel]
    name: str
    doc: str
    keys: tuple[KeySpec, ...]
    union_of: tuple[str, ...] = ()
    """A tagged union of these args (by name): the type checker sees the union, the analyzer (which
    takes no unions) one object with every option's keys, whose tag the settings model checks."""
    variants: tuple[ArgsSpec, ...] = ()
    """An optional section's (a model with a SWITCH) on and off TypedDicts, its switch the tag: the
    type checker sees their union under this spec's name, the analyzer this spec's own keys (every
    key, the switch a plain bool), whose mixing the settings model refuses (_Model.SWITCH)."""

    @property
    def members(self) -> tuple[str, ...]:
        """What the type checker sees a union of under this spec's name (none: this TypedDict)."""
        return self.union_of or tuple(variant.name for variant in self.variants)


def args_name(model: type[BaseModel]) -> str:
    """The TypedDict of a settings model; its schema type is the model's own name."""
    return f"{model.__name__}Args"


@dataclass
class _Rendered:
    text: str
    enum: EnumSpec | None = None
    enum_at: Position = ()
    secret: bool = False
    from_resource: bool = False
    models: list[type[BaseModel]] = field(default_factory=list)
    literals: list[EnumSpec] = field(default_factory=list)
    """Every Literal in the annotation (a map's keys too), each a Literal alias in args.py."""
    path_suffix: str = ""
    """How the key path goes on to a nested model: "[]" through a list, ".<name>" through a map."""


class UnsupportedSettingError(TypeError):
    """A settings annotation the generator (or Pulumi's analyzer) cannot express yet."""


def _enum(literal: Any, model: type[BaseModel], key: str) -> EnumSpec:
    """A Literal's name: the settings module's alias for it (``KubernetesVersion``), else model and key."""
    module = sys.modules[model.__module__]
    for name, value in vars(module).items():
        if name[:1].isupper() and not isinstance(value, type) and value == literal:
            return EnumSpec(name, get_args(literal))
    camel = to_camel(key)
    return EnumSpec(model.__name__.removesuffix("Settings") + camel[:1].upper() + camel[1:], get_args(literal))


def _render(annotation: Any, model: type[BaseModel], key: str, *, from_resource: bool = False) -> _Rendered:
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        marked = any(isinstance(m, FromResource) for m in metadata)
        return _render(inner, model, key, from_resource=from_resource or marked)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) == 1 and get_origin(options[0]) is Annotated:
            tagged = _tagged_union(options[0], model)
            if tagged is not None:
                return tagged
        if len(options) != 1:
            raise UnsupportedSettingError(f"{model.__name__}.{key}: a union of {options} has no args type yet")
        return _render(options[0], model, key, from_resource=from_resource)
    rendered = _plain(annotation, model, key)
    if from_resource and not rendered.text.startswith("pulumi.Input["):  # a list of Inputs is one already
        rendered.text = f"pulumi.Input[{rendered.text}]"
    rendered.from_resource = rendered.from_resource or from_resource
    return rendered


def _tagged_union(annotation: Any, model: type[BaseModel]) -> _Rendered | None:
    """A discriminated union of settings models, named by its alias in the settings module
    (``SessionStoreSettings``): its args are ``<alias>Args``, rendered by :func:`_union_spec`."""
    inner = get_args(annotation)[0]
    members = [a for a in get_args(inner)] if get_origin(inner) in (Union, types.UnionType) else []
    if not members or not all(isinstance(m, type) and issubclass(m, BaseModel) for m in members):
        return None
    module = sys.modules[model.__module__]
    for name, value in vars(module).items():
        if name[:1].isupper() and value == annotation:
            union = _union_spec(name, members)
            return _Rendered(union.name, models=[*members, union.model])
    raise UnsupportedSettingError(f"{model.__name__}: name the union {annotation!r} in its settings module")


_UNIONS: dict[str, ArgsSpec] = {}


def _union_spec(alias: str, members: list[type[BaseModel]]) -> ArgsSpec:
    """The merged args of a tagged union: every member's keys (required where every member requires
    them), the tag an enum of every member's value."""
    if alias in _UNIONS:
        return _UNIONS[alias]
    keys: dict[str, KeySpec] = {}
    for member in members:
        docs = field_docstrings(member)
        for name in member.model_fields:
            key, _ = _key(member, name, docs)
            if name in keys:
                continue
            keys[name] = key
    tag_values: list[str | int] = []
    for member in members:
        for name, info in member.model_fields.items():
            if get_origin(info.annotation) is Literal and name == "kind":
                tag_values += list(get_args(info.annotation))
    tag = EnumSpec(alias.removesuffix("Settings") + "Kind", tuple(tag_values))
    for name in keys:
        required = all(name in m.model_fields and m.model_fields[name].is_required() for m in members)
        key = keys[name]
        if name == "kind":
            key = KeySpec(
                name,
                f"Required[{tag.name}]",
                True,
                "Which kind of store: " + ", ".join(map(str, tag_values)) + ".",
                enum=tag,
                literals=(tag,),
            )
        elif key.required and not required:
            key = KeySpec(
                key.name,
                key.annotation.removeprefix("Required[")[:-1],
                False,
                key.doc,
                key.enum,
                key.enum_at,
                key.secret,
                key.from_resource,
                key.literals,
            )
        keys[name] = key
    names = tuple(args_name(m) for m in members)
    model = type(alias, (BaseModel,), {"__doc__": f"One of {', '.join(m.__name__ for m in members)}, by `kind`."})
    spec = ArgsSpec(model, f"{alias}Args", model.__doc__ or "", tuple(keys.values()), union_of=names)
    _UNIONS[alias] = spec
    return spec


def _plain(annotation: Any, model: type[BaseModel], key: str) -> _Rendered:
    origin = get_origin(annotation)
    if origin is Literal:
        spec = _enum(annotation, model, key)
        return _Rendered(spec.name, enum=spec, literals=[spec])
    if annotation is SecretStr:
        return _Rendered("str", secret=True)
    if annotation in (str, int, float, bool):
        return _Rendered(annotation.__name__)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _Rendered(args_name(annotation), models=[annotation])
    if origin in (list, collections.abc.Sequence):
        (item,) = get_args(annotation)
        inner = _render(item, model, key)
        text = f"Sequence[{inner.text}]"
        return _Rendered(
            f"pulumi.Input[{text}]" if inner.from_resource else text,
            enum=inner.enum,
            enum_at=("items", *inner.enum_at),
            secret=inner.secret,
            # A list of values from other resources may itself come from one (a VPC's subnet ids).
            from_resource=inner.from_resource,
            models=inner.models,
            literals=inner.literals,
            path_suffix="[]",
        )
    if origin is dict:
        key_type, value = get_args(annotation)
        keys = _render(key_type, model, key)
        if keys.from_resource or keys.models:
            raise UnsupportedSettingError(f"{model.__name__}.{key}: map keys must be plain text")
        inner = _render(value, model, key)
        return _Rendered(
            f"Mapping[{keys.text}, {inner.text}]",
            enum=inner.enum,
            enum_at=("additionalProperties", *inner.enum_at) if inner.enum else (),
            secret=inner.secret,
            # Its values may come from other resources (secretEnv); its keys are names known when
            # the program runs, so the map itself stays plain.
            from_resource=inner.from_resource,
            models=inner.models,
            literals=keys.literals + inner.literals,
            path_suffix=".<name>",
        )
    raise UnsupportedSettingError(f"{model.__name__}.{key}: no args type for {annotation!r}")


def _default(info: Any) -> str | None:
    """The model's default, as a stack file would write it; None when there is none worth saying
    (a nested section's defaults are on its own keys)."""
    if info.default_factory is not None:
        value = info.default_factory()
    elif info.default is PydanticUndefined or info.default is None:
        return None
    else:
        value = info.default
    if isinstance(value, BaseModel):
        if not value.model_fields_set:
            return None
        value = value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):  # pragma: no cover - none today
        value = [v.model_dump(mode="json", by_alias=True) for v in value]
    if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
        value = {k: v.model_dump(mode="json", by_alias=True) for k, v in value.items()}
    return json.dumps(value, separators=(", ", ": "))


def _key(model: type[BaseModel], name: str, docs: dict[str, str]) -> tuple[KeySpec, _Rendered]:
    info = model.model_fields[name]
    annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    rendered = _render(annotation, model, name)
    required = info.is_required()
    text = f"Required[{rendered.text}]" if required else rendered.text
    doc = docs.get(name, "")
    default = _default(info)
    if default is not None:
        doc = f"{doc}\n\nDefault: `{default}`." if doc else f"Default: `{default}`."
    key = KeySpec(
        name=name,
        annotation=text,
        required=required,
        doc=doc,
        enum=rendered.enum,
        enum_at=rendered.enum_at,
        secret=rendered.secret,
        from_resource=rendered.from_resource,
        literals=tuple(rendered.literals),
    )
    return key, rendered


ARGS_ROOTS: tuple[type[BaseModel], ...] = (StackSettings,)
"""The settings models whose args are generated, with every model they hold. StackSettings: a
stack file's runmcp-gateway namespace; a component whose settings are another model adds it here."""


def args_specs(roots: tuple[type[BaseModel], ...] = ARGS_ROOTS) -> list[ArgsSpec]:
    """Every settings model reachable from ``roots``, nested ones first (the analyzer follows real
    classes, not forward references), with the key path where each first appears."""
    done: dict[type[BaseModel], ArgsSpec] = {}

    def visit(model: type[BaseModel], root: type[BaseModel], path: str) -> None:
        if model in done:
            return
        union = next((u for u in _UNIONS.values() if u.model is model), None)
        if union is not None:
            where = (
                f"Stack file: `runmcp-gateway:{path}`."
                if root is StackSettings
                else f"Key `{path}` of {root.__name__}."
            )
            done[model] = dataclasses.replace(union, doc=f"{union.doc}\n\n{where}")
            return
        docs = field_docstrings(model)
        keys = []
        for name, info in model.model_fields.items():
            key, rendered = _key(model, name, docs)
            keys.append(key)
            step = (info.alias or to_camel(name)) + rendered.path_suffix
            for inner in rendered.models:
                visit(inner, root, f"{path}.{step}" if path else step)
        if not path:
            where = "A stack file's settings." if model is StackSettings else f"The settings of {model.__name__}."
        elif root is StackSettings:
            where = f"Stack file: `runmcp-gateway:{path}`."
        else:
            where = f"Key `{path}` of {root.__name__}."
        own = model.__dict__.get("__doc__") or ""
        doc = f"{inspect.cleandoc(own)}\n\n{where}" if own else where
        done[model] = _switched(ArgsSpec(model, args_name(model), doc, tuple(keys)))

    for root in roots:
        visit(root, root, "")
    return list(done.values())


def _switched(spec: ArgsSpec) -> ArgsSpec:
    """An optional section's args as a tagged union on its switch (settings.base._Model.SWITCH):
    ``<Model>OnArgs`` (every key, the switch ``Literal[True]``, required unless on by default) and
    ``<Model>OffArgs`` (the switch ``Literal[False]``, required unless off by default, and nothing
    else), so the type checker refuses ``{"enabled": False, "requests_per_five_minutes": 3000}``.
    The spec itself stays the analyzer's one object with every key, its description saying so."""
    found = switch_of(spec.model)
    if found is None:
        return spec
    switch, on_by_default = found
    camel = to_camel(switch)
    (tag,) = [key for key in spec.keys if key.name == switch]
    # Each variant's tag is its value: the model's default is the variant docstrings' to say.
    tag = dataclasses.replace(tag, doc=re.sub(r"(\n\n)?Default: `[^`]*`\.$", "", tag.doc))
    name = spec.model.__name__
    on_tag = dataclasses.replace(
        tag,
        annotation="Literal[True]" if on_by_default else "Required[Literal[True]]",
        required=not on_by_default,
    )
    off_tag = dataclasses.replace(
        tag,
        annotation="Literal[False]" if not on_by_default else "Required[Literal[False]]",
        required=on_by_default,
    )
    default = "on" if on_by_default else "off"
    on = ArgsSpec(
        spec.model,
        f"{name}OnArgs",
        f"{name} switched on (`{camel}: true`; {default} by default): every key.",
        tuple(on_tag if key.name == switch else key for key in spec.keys),
    )
    off = ArgsSpec(
        spec.model,
        f"{name}OffArgs",
        f"{name} switched off (`{camel}: false`; {default} by default): no other key.",
        (off_tag,),
    )
    doc = (
        f"{spec.doc}\n\nAn optional section, switched by `{camel}` ({default} by default): with `{camel}: false` "
        "it admits no other key."
    )
    return dataclasses.replace(spec, doc=doc, variants=(on, off))


def enums(specs: list[ArgsSpec]) -> dict[str, EnumSpec]:
    found: dict[str, EnumSpec] = {}
    for spec in specs:
        for key in spec.keys:
            for literal in key.literals:
                known = found.setdefault(literal.name, literal)
                if known.values != literal.values:
                    raise UnsupportedSettingError(f"two Literals named {literal.name} with different values")
    return found


def _docstring(text: str, indent: str) -> list[str]:
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    lines = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(paragraph, 120 - len(indent), break_long_words=False, break_on_hyphens=False)
        lines.extend(wrapped or [""])
    if len(lines) == 1 and len(indent) + len(lines[0]) + 6 <= 120:
        return [f'{indent}"""{lines[0]}"""']
    body = [f"{indent}{line}" if line else "" for line in lines]
    body[0] = f'{indent}"""{lines[0]}'
    return [*body, f'{indent}"""']


HEADER = '''"""Typed args of the settings, at every depth: one TypedDict per settings model.

Generated from the settings model by `make args` (python -m components.args_codegen); do not edit.
Keys are snake_case (the stack file's camelCase works in a plain dict too); ``pulumi.Input`` marks
the settings whose value may come from another resource.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads these annotations as
# real types to make the package schema (components/package_schema.py).
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Required, TypeAlias, TypedDict

import pulumi
'''


def _literal(spec: EnumSpec) -> list[str]:
    values = ", ".join(json.dumps(v) for v in spec.values)
    line = f"    {spec.name}: TypeAlias = Literal[{values}]"
    if len(line) <= 120:
        return [line]
    return [f"    {spec.name}: TypeAlias = Literal[", *(f"        {json.dumps(v)}," for v in spec.values), "    ]"]


UNION_ELSE = "else:  # the analyzer takes no unions: one object with every kind's keys (the settings refuse mixing)"
SWITCH_ELSE = "else:  # the analyzer takes no unions: one object with every key (the settings refuse them when off)"


def render(specs: list[ArgsSpec] | None = None) -> str:
    specs = args_specs() if specs is None else specs
    found = enums(specs)
    lines = [HEADER, "if TYPE_CHECKING:"]
    for literal in found.values():
        lines.extend(_literal(literal))
    lines.append("else:  # the analyzer reads the base types; the schema gets the enums from the settings model")
    lines.extend(f"    {literal.name} = {literal.base}" for literal in found.values())
    for spec in specs:
        for variant in spec.variants:  # real classes at run time too: a consumer's annotations name them
            lines.extend(["", "", *_typed_dict(variant, "")])
        indent = "    " if spec.members else ""
        if spec.members:
            lines.extend(["", "", "if TYPE_CHECKING:", f"    {spec.name}: TypeAlias = {' | '.join(spec.members)}"])
            lines.extend([UNION_ELSE if spec.union_of else SWITCH_ELSE, ""])
        else:
            lines.extend(["", ""])
        lines.extend(_typed_dict(spec, indent))
    names = sorted([*found, *(spec.name for spec in specs), *(v.name for spec in specs for v in spec.variants)])
    lines.extend(["", "", "__all__ = [", *(f'    "{name}",' for name in names), "]", ""])
    text = "\n".join(lines)
    return re.sub(r"\n{4,}", "\n\n\n", text)


def _typed_dict(spec: ArgsSpec, indent: str) -> list[str]:
    lines = [f"{indent}class {spec.name}(TypedDict, total=False):", *_docstring(spec.doc, indent + "    "), ""]
    for key in spec.keys:
        lines.append(f"{indent}    {key.name}: {key.annotation}")
        if key.doc:
            lines.extend(_docstring(key.doc, indent + "    "))
    return lines


def main() -> int:
    path = Path.cwd() / ARGS_PATH
    path.write_text(render())
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
