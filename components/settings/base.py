"""What every settings model shares: the stack file's conventions (camelCase keys, unknown keys
refused), how a model reports a problem under a key path, and the rules for list entries that each
make a resource."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

from ..outputs import OrOutput, entry_name_part


class _Model(BaseModel):
    """Stack-file keys are camelCase; unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        validate_default=True,
        # The docstrings under each field become its description (the JSON Schema's hover text),
        # but only where a schema is made (components/schema.py: with_field_docstrings): reading
        # them costs every run a tenth of a second.
    )

    SWITCH: ClassVar[str | None] = None
    """An optional section's switch (``enabled``, ``install``): the boolean key that turns the
    section on or off. Off, no other key of the section means anything, so none may be set. The
    one definition the typed args (a tagged union of an on and an off TypedDict,
    components/args_codegen.py) and the stack file's JSON Schema (``oneOf`` the two,
    components/schema.py) are made from; :meth:`_switched_off_alone` is the run-time rule."""

    @model_validator(mode="after")
    def _switched_off_alone(self) -> Self:
        switch = type(self).SWITCH
        if switch is not None and not getattr(self, switch):
            _refuse(
                Problem(to_camel(field), f"has no effect with {to_camel(switch)}: false; remove it")
                for field in sorted(self.model_fields_set - {switch})
            )
        return self


def switch_of(model: type[BaseModel]) -> tuple[str, bool] | None:
    """An optional section's switch key and its default (True: on unless the stack file turns it
    off), or None for a model that is no optional section (see _Model.SWITCH)."""
    switch = getattr(model, "SWITCH", None)
    if switch is None:
        return None
    default = model.model_fields[switch].default
    if model.model_fields[switch].annotation is not bool or not isinstance(default, bool):
        raise TypeError(f"{model.__name__}.SWITCH names {switch!r}, which is no boolean with a default")
    return switch, default


@dataclass(frozen=True)
class Problem:
    """One thing wrong with settings (a stack file's, or a component's arguments): where (a key path) and what."""

    key: str
    message: str


class _CrossFieldError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def bounds_problems(low_key: str, low: int, high_key: str, high: int) -> list[Problem]:
    """A lower bound above its upper bound (replicas, node group sizes), keyed at the lower one."""
    if low <= high:
        return []
    return [Problem(low_key, f"{low_key.rsplit('.', 1)[-1]} ({low}) is greater than {high_key} ({high})")]


def _refuse(problems: Iterable[Problem]) -> None:
    """Raise the problems a model validator found (none: return), for _problems_from to report
    each under its key path below the model's own."""
    found = list(problems)
    if found:
        raise _CrossFieldError(found)


# --- List settings that make one resource per entry ---------------------------------------------
# Each entry becomes part of a resource's logical name, so two entries with one name part would be
# two resources with one URN, which the engine refuses mid-update ("Duplicate resource URN").
# Each section's name parts sit beside its model (cluster.role_name_part, load_balancer.cidr_name_part,
# alarms.name_slug and https_name_part), the ones the components use; tests/test_strict.py holds them together.


def _duplicates(key: str, values: Sequence[OrOutput[str]], name_part: Any, what: str) -> Iterable[Problem]:
    """Entries that would name their resources alike. An entry given as an Output is named by its
    position (outputs.entry_name_part); two Outputs that resolve to one value are not caught here
    (for admin roles EKS refuses the second access entry; SNS keeps one subscription)."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        part = entry_name_part(value, index, name_part)
        if part not in first:
            first[part] = index
            continue
        earlier = values[first[part]]
        if earlier == value:
            message = f"{value!r} is listed twice (also entry {first[part]}); keep one"
        else:
            message = (
                f"{_entry(value, index)} and entry {first[part]} ({_entry(earlier, first[part])}) would both make "
                f"{what} named '...-{part}' (Pulumi refuses two resources with one URN); keep one"
            )
        yield Problem(f"{key}.{index}", message)


def _entry(value: OrOutput[str], index: int) -> str:
    return repr(value) if isinstance(value, str) else f"the Output at entry {index}"
