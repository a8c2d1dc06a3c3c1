"""From a stack's config (or a component's args) to StackSettings, and every problem reported as
one line naming the stack file (or component) and the key path, never as a traceback."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import pulumi
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from ..outputs import LOCATE_OUTPUTS, OUTPUT_HERE, SOURCE, Pending, is_output, mark_outputs, output_keys
from .base import Problem, _CrossFieldError
from .stack import StackSettings

M = TypeVar("M", bound=BaseModel)

PROJECT = "runmcp-gateway"
"""The Pulumi project name, and so the namespace of every config key this program reads."""

AWS_REGION_KEY = "aws:region"
"""The AWS provider's region, read from the stack file like every other setting."""

# Paths (below the project namespace) whose values must be Pulumi secrets in the stack file.
SECRET_PATHS: tuple[tuple[str, ...], ...] = (
    ("cluster", "existing", "kubeconfig"),
    ("gateway", "secretEnv", "*"),
    ("sessionStore", "password"),
)


class SettingsError(pulumi.RunError):
    """Bad settings. ``str()`` is one line per problem; Pulumi prints it without a traceback."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        # A key of another namespace (aws:region) is shown as it is.
        return [f"{self.source}: {p.key if ':' in p.key else f'{PROJECT}:{p.key}'}: {p.message}" for p in self.problems]


def stack_file_name(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def load_settings(
    config: Mapping[str, Any],
    *,
    source: str,
    secure_paths: Iterable[tuple[str, ...]] | None = None,
    needs_region: bool = True,
) -> StackSettings:
    """Parse a stack's config into StackSettings, or raise SettingsError listing every problem.

    ``config`` maps full keys (``runmcp-gateway:scaling``) to values as Pulumi hands them to the
    program: strings, structured values as JSON text. Keys of other namespaces (``aws:region``) are
    not ours and are ignored. ``secure_paths`` lists the paths that were ``secure:`` in the stack
    file; when given, a secret setting written in plain text is an error. ``needs_region``: the
    config is a whole stack's, so ``aws:region`` must be in it for an EKS cluster.
    """
    ours: dict[str, Any] = {}
    problems: list[Problem] = []
    known = [to_camel(name) for name in StackSettings.model_fields]
    for full_key, raw in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            if _misspelt_project(namespace):
                problems.append(
                    Problem(full_key, f"'{namespace}' is not this project's namespace: write {PROJECT}:{key}")
                )
            continue
        if key not in known:
            problems.append(Problem(key, "unknown key" + _did_you_mean(key, known)))
            continue
        ours[key] = _decode(raw)
    if secure_paths is not None:
        problems.extend(_plaintext_secrets(ours, set(secure_paths)))
    outputs: list[Pending] = []
    ours = mark_outputs(ours, source, outputs)
    if outputs:
        # Where is each Output, and is it where one may be? (See components/outputs.py.)
        try:
            StackSettings.model_validate(ours, context={LOCATE_OUTPUTS: True})
        except ValidationError as err:
            problems.extend(_problems_from(err))
        if problems:
            raise SettingsError(source, problems)
    try:
        settings = StackSettings.model_validate(ours, context={SOURCE: source})
    except ValidationError as err:
        problems.extend(_problems_from(err))
        raise SettingsError(source, problems) from None
    if needs_region and settings.cluster.provisioned is not None and not config.get(AWS_REGION_KEY):
        problems.append(
            Problem(AWS_REGION_KEY, "is required to make an EKS cluster: pulumi config set aws:region <region>")
        )
    if problems:
        raise SettingsError(source, problems)
    for output in outputs:
        output.settled = True
    return settings


MISSPELT_PROJECT_PREFIX = "runmcp"
"""A config namespace that starts like the project's but is not it (runmcp:, runmcp_gateway:,
runmcp-gatway:) holds keys meant for this program that Pulumi would hand to no one."""


def _misspelt_project(namespace: str) -> bool:
    return namespace.startswith(MISSPELT_PROJECT_PREFIX) or bool(
        difflib.get_close_matches(namespace, [PROJECT], n=1, cutoff=0.8)
    )


def validated(model: type[M], data: Mapping[str, Any], source: str) -> M:
    """A component's args (settings objects or plain mappings, snake_case or camelCase keys) as
    ``model``, or a SettingsError naming ``source`` and each key."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as err:
        raise SettingsError(source, _problems_from(err)) from None


def _decode(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _plaintext_secrets(ours: Mapping[str, Any], secure: set[tuple[str, ...]]) -> Iterable[Problem]:
    for pattern in SECRET_PATHS:
        for path, _ in _walk(ours, pattern):
            if path not in secure:
                dotted = ".".join(path)
                yield Problem(
                    dotted,
                    f"must be a Pulumi secret, not plain text in the stack file: "
                    f"pulumi config set --secret --path '{dotted}' <value>",
                )


def _walk(node: Any, pattern: tuple[str, ...], prefix: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], Any]]:
    if not pattern:
        yield prefix, node
        return
    if not isinstance(node, Mapping):
        return
    head, rest = pattern[0], pattern[1:]
    keys = list(node) if head == "*" else [head] if head in node else []
    for key in keys:
        yield from _walk(node[key], rest, (*prefix, str(key)))


def validate_section(model: type[M], value: object) -> tuple[M | None, list[Problem]]:
    """Validate one section on its own, as a building block given just its settings does: the
    section's model, or None and every problem keyed below the section. A mapping holds the stack
    file's keys (camelCase; snake_case names are accepted too); an instance of ``model`` is validated
    again from its data, since model_construct and model_copy(update=...) skip validation."""
    data = (
        value.model_dump(mode="python", by_alias=True, exclude_unset=True, warnings=False)
        if isinstance(value, model)
        else value
    )
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, _problems_from(err, root=model)


def _problems_from(
    err: ValidationError,
    prefix: Iterable[str] = (),
    *,
    root: type[BaseModel] | None = None,
    secret: bool = False,
) -> list[Problem]:
    """One problem per error, its key the error's location below ``prefix``; ``root``: the model the
    locations start from (for suggestions); ``secret``: the value was a secret, so it is shown nowhere
    in the messages."""
    problems: list[Problem] = []
    refused: set[str] = set()
    for e in err.errors(include_url=False):
        loc = [*prefix, *(str(part) for part in e["loc"] if part != "[key]")]
        if e["type"] == OUTPUT_HERE:
            # The locating pass: an Output where one may be. Now its key is known.
            assert isinstance(e["input"], Pending)
            e["input"].loc = tuple(loc)
            continue
        if is_output(e.get("input")):
            key = ".".join(loc) if loc else "(top level)"
            if key not in refused:  # a union reports one error per member
                refused.add(key)
                problems.append(Problem(key, _output_refused(key)))
            continue
        ctx = e.get("ctx") or {}
        inner = ctx.get("error")
        if isinstance(inner, _CrossFieldError):
            here = ".".join(loc)
            problems.extend(
                Problem(".".join(filter(None, [here, p.key])) or "(top level)", p.message) for p in inner.problems
            )
            continue
        key = ".".join(loc) if loc else "(top level)"
        if e["type"] == "extra_forbidden":
            parent = _model_at(loc[:-1], root or StackSettings)
            choices = [f.alias or name for name, f in parent.model_fields.items()] if parent else []
            problems.append(Problem(key, "unknown key" + _did_you_mean(loc[-1], choices)))
        elif e["type"] == "missing":
            problems.append(Problem(key, "is required"))
        else:
            message = str(e["msg"]).removeprefix("Value error, ")
            given = e.get("input")
            if secret:
                if isinstance(given, str) and given:
                    message = message.replace(repr(given), SHOWN_SECRET).replace(given, SHOWN_SECRET)
                problems.append(Problem(key, f"{message} (got {SHOWN_SECRET})"))
            else:
                problems.append(Problem(key, f"{message} (got {_shown(given, loc)})"))
    return problems


def _model_at(loc: list[str], root: type[BaseModel]) -> type[BaseModel] | None:
    """The settings model class found at a key path below ``root``, to suggest the right key for a typo."""
    model = root
    for part in loc:
        field = next(
            (f for n, f in model.model_fields.items() if (f.alias or n) == part or n == part),
            None,
        )
        if field is None:
            return None
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        found = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if found is None:
            return None
        model = found
    return model


def _output_refused(key: str) -> str:
    everywhere = output_keys(StackSettings)
    section = key.split(".", 1)[0]
    nearby = [k for k in everywhere if k.split(".", 1)[0] == section]
    return (
        "is an Output, but this setting must be known when the program runs (it is checked, and shapes what "
        f"is made, before any resource exists); the keys that take Outputs{' here' if nearby else ''} are "
        f"{', '.join(nearby or everywhere)}"
    )


SHOWN_SECRET = "[secret]"
"""How a secret value shows in a message."""


def _shown(value: Any, loc: list[str]) -> str:
    if any(part in ("kubeconfig", "secretEnv") for part in loc):
        return SHOWN_SECRET
    text = json.dumps(value, default=_unshown) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unshown(value: Any) -> str:
    """How a value that is not JSON data (an Output, say) shows in a message."""
    return "<Output>" if is_output(value) else type(value).__name__


def _did_you_mean(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(choices))})"
