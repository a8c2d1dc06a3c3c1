"""Settings that may come from another resource: Pulumi Outputs among the settings.

Ids, ARNs, names of things made elsewhere, kubeconfigs, secret values and subscriber endpoints often
come from another resource or a StackReference, as Outputs. Such a setting is marked
:data:`FROM_RESOURCE` in the settings model (``OrOutput[T]`` or ``SecretValue``) and takes either a
known value, validated before anything is registered, or an Output, validated by the same rules when
it resolves, with the same message naming the source and the key. Every other setting decides what
is made and how (counts, names, flags), so it must be known when the program runs; an Output there is
refused, naming the key and the keys that do take Outputs.

How: ``settings.load_settings`` replaces each Output in its input by a :class:`Pending`. A first
validation pass finds where each one is (pydantic reports the key path of the error a Pending raises
at a FROM_RESOURCE field, and of the type error it causes anywhere else); the second pass makes each
a ``output.apply(<the field's own rules>)``, which the model then holds. ``apply`` keeps the Output's
secretness and dependencies, and is skipped for a value a preview does not know yet.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar, Union, get_args, get_origin

import pulumi
from pydantic import BaseModel, GetCoreSchemaHandler, SecretStr, ValidationError, ValidationInfo
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError, SchemaValidator, core_schema

T = TypeVar("T")

LOCATE_OUTPUTS = "runmcp.locate-outputs"
"""Validation context key: this pass only finds where the Outputs are (see load_settings)."""
SOURCE = "runmcp.source"
"""Validation context key: the file or component the settings come from, for messages."""
OUTPUT_HERE = "output_here"
"""The pydantic error type a Pending raises at a FROM_RESOURCE field in the locating pass."""


@dataclass(eq=False)
class Pending:
    """An Output found among the settings while they are validated."""

    output: pulumi.Output[Any]
    loc: tuple[str, ...] = ()
    """Its key path below the project namespace, as pydantic reports it (camelCase)."""
    source: str = ""
    settled: bool = False
    """Set once the settings as a whole are accepted. Until then a resolved value is not judged:
    settings refused for another reason stop the program with their own message."""


def mark_outputs(node: Any, source: str, found: list[Pending]) -> Any:
    """A copy of ``node`` (mappings and lists) with every Output (or other awaitable, which
    ``pulumi.Input`` also allows) replaced by a Pending (appended to ``found``); anything else stays
    as it is."""
    if inspect.isawaitable(node) and not isinstance(node, pulumi.Output):
        node = pulumi.Output.from_input(node)
    if isinstance(node, pulumi.Output):
        pending = Pending(node, source=source)
        found.append(pending)
        return pending
    if isinstance(node, Mapping):
        return {key: mark_outputs(value, source, found) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [mark_outputs(value, source, found) for value in node]
    return node


def is_output(value: Any) -> bool:
    """An Output, or one on its way through validation."""
    return isinstance(value, pulumi.Output | Pending)


@dataclass(frozen=True)
class FromResource:
    """Marks a setting whose value may come from another resource or a StackReference (a Pulumi
    Output). Typed args offer it as ``pulumi.Input[...]`` and the package schema as a non-plain
    input; a known value is validated before anything is registered, an Output when it resolves,
    with the same message.

    As pydantic metadata it wraps the schema made from the annotations before it (the field's own
    rules): a known value goes through them now, an Output through them when it resolves."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        rules = _Rules(handler(source))
        return core_schema.with_info_wrap_validator_function(
            rules.validate,
            rules.known,
            # A model holding an Output dumps it as it is (platform_args hands it on as an arg).
            serialization=core_schema.wrap_serializer_function_ser_schema(_dump, schema=rules.known),
        )


FROM_RESOURCE = FromResource()

if TYPE_CHECKING:
    OrOutput: TypeAlias = Union[T, pulumi.Output[T]]  # noqa: UP007 - a generic alias needs Union
    SecretValue: TypeAlias = SecretStr | pulumi.Output[str]
else:

    class OrOutput:
        """``OrOutput[T]``: a setting of type T that may also be an Output of one. Type checkers see
        ``T | pulumi.Output[T]``; pydantic sees T marked FROM_RESOURCE."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Annotated[item, FROM_RESOURCE]

    SecretValue = Annotated[SecretStr, FROM_RESOURCE]
    """A secret text: a SecretStr when known (never shown), else an Output of the text."""


class _Rules:
    """One FROM_RESOURCE field's own rules (``known``: the schema made from its annotations), applied
    to a known value at once and to an Output's value when it resolves."""

    def __init__(self, known: core_schema.CoreSchema) -> None:
        self.known = known

    @functools.cached_property
    def _validator(self) -> SchemaValidator:
        return SchemaValidator(self.known)

    def validate(self, value: Any, handler: Callable[[Any], Any], info: ValidationInfo) -> Any:
        context = info.context or {}
        if isinstance(value, Pending):
            if context.get(LOCATE_OUTPUTS):
                raise PydanticCustomError(OUTPUT_HERE, "an Output")
            return value.output.apply(functools.partial(self._resolved, value))
        if isinstance(value, pulumi.Output):
            # A settings model built directly, not through load_settings: the key is the field's.
            source = str(context.get(SOURCE) or "settings")
            pending = Pending(value, (to_camel(info.field_name or ""),), source, settled=True)
            return value.apply(functools.partial(self._resolved, pending))
        return handler(value)

    async def _resolved(self, pending: Pending, value: Any) -> Any:
        """The resolved value, checked (``apply`` awaits what its function returns)."""
        if not pending.settled:
            return value
        try:
            checked = self._validator.validate_python(value)
        except ValidationError as err:
            # Imported here: settings imports this module for its field types.
            from .settings.loading import SettingsError, _problems_from

            # The value of a secret Output stays out of the message, as a stack file's secrets do.
            secret = await pending.output.is_secret()
            raise SettingsError(pending.source, _problems_from(err, pending.loc, secret=secret)) from None
        return checked.get_secret_value() if isinstance(checked, SecretStr) else checked


def _dump(value: Any, dump_known: Callable[[Any], Any]) -> Any:
    return value if isinstance(value, pulumi.Output) else dump_known(value)


def secret_text(value: SecretValue) -> pulumi.Output[str]:
    """A secret setting as a secret Output of its text, whether it was known or an Output."""
    return pulumi.Output.secret(value.get_secret_value() if isinstance(value, SecretStr) else value)


def entry_name_part(value: OrOutput[str], index: int, name_part: Callable[[str], str]) -> str:
    """The part of a resource's logical name that a list entry gives the resource made for it: from
    its value when known; from its position when it is an Output, whose value is not known when
    resources are named (so moving such an entry renames, and replaces, what it made)."""
    return name_part(value) if isinstance(value, str) else str(index)


def output_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """The key paths below ``model`` that take Outputs ('*': any entry of a list or mapping)."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        if any(isinstance(m, FromResource) for m in field.metadata):
            keys.append(key)
        keys += _keys_in(field.annotation, key)
    # An entry of a list that takes an Output whole goes without saying.
    return [k for k in dict.fromkeys(keys) if k.removesuffix(".*") == k or k.removesuffix(".*") not in keys]


def _keys_in(annotation: Any, key: str) -> list[str]:
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        here = [key] if any(isinstance(m, FromResource) for m in metadata) else []
        return here + _keys_in(inner, key)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return output_keys(annotation, key + ".")
    if origin in (list, dict, Sequence, Mapping):
        return _keys_in(get_args(annotation)[-1], key + ".*")
    if origin in (Union, UnionType):
        return [k for arg in get_args(annotation) for k in _keys_in(arg, key)]
    return []
