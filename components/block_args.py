"""What every building block does first: check its name and what it is given, before it registers
anything, so a block used on its own refuses what the platform refuses, with the same messages.

A block takes its settings as the settings model or as a mapping of the stack file's keys; either
way they pass through the one settings model (components/settings/), whose validators hold the
section's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import pulumi
from pydantic import BaseModel, TypeAdapter, ValidationError

from .names import BLOCK_NAME_LIMIT, component_name_problem
from .settings import Problem, validate_section
from .settings.loading import _problems_from

M = TypeVar("M", bound=BaseModel)


class ComponentArgsError(pulumi.RunError):
    """Bad arguments to a component: one line per problem, "<type token> <name>: <key>: <message>".
    Pulumi prints a RunError's message without a traceback."""

    def __init__(self, type_token: str, name: object, problems: list[Problem]) -> None:
        self.component = f"{type_token} {name}"
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.component}: {p.key}: {p.message}" for p in self.problems]


class ArgsCheck:
    """The problems of one component's arguments, gathered, then refused at once.

    Construct it first thing in ``__init__`` (it checks the name), check the plain arguments, then
    the settings: ``settings()`` returns the validated model, or refuses with every problem found so
    far. Rules between arguments go through ``add``; ``done()`` refuses whatever was added."""

    def __init__(self, type_token: str, name: object) -> None:
        self.type_token = type_token
        self.name = name
        problem = component_name_problem(name, BLOCK_NAME_LIMIT)
        self.problems = [] if problem is None else [Problem("name", problem)]

    def value(self, annotation: Any, value: object, key: str) -> None:
        """A plain argument checked against a settings field type (KubernetesVersion, Port, ...),
        with that type's message."""
        try:
            TypeAdapter(annotation).validate_python(value)
        except ValidationError as err:
            self.problems += [Problem(key, p.message) for p in _problems_from(err)]

    def settings(self, model: type[M], value: object, key: str = "") -> M:
        """``value`` (a ``model`` or a mapping of its stack-file keys) validated through ``model``;
        problems are keyed below ``key`` (the section's own keys when empty)."""
        validated, found = validate_section(model, value)
        for p in found:
            inner = "" if p.key == "(top level)" else p.key
            self.problems.append(Problem(".".join(filter(None, [key, inner])) or "settings", p.message))
        self.done()
        assert validated is not None
        return validated

    def switched_off(self, key: str, why: str) -> None:
        """The settings turn this component off (``key`` says so, ``why`` how): it has nothing to
        make, and a caller who builds it anyway has a mistake to hear about."""
        self.problems.append(Problem(key, f"{why}; leave this component out"))

    def add(self, problems: Iterable[Problem], prefix: str = "") -> None:
        self.problems += [Problem(".".join(filter(None, [prefix, p.key])), p.message) for p in problems]

    def done(self) -> None:
        """Raise ComponentArgsError naming the component and each key, if there is any problem."""
        if self.problems:
            raise ComponentArgsError(self.type_token, self.name, self.problems)
