"""Where a stack's settings come from: the Pulumi runtime under `pulumi up`, or the stack file
itself for the offline plan. Both end in settings.load_settings, the one validation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import config as runtime_config

from .settings import PROJECT, StackSettings, load_settings, stack_file_name

SECRET_PLACEHOLDER = "offline-placeholder-secret"
"""What a `secure:` value reads as offline: ciphertext cannot be decrypted without the Pulumi CLI."""


class StackFileError(pulumi.RunError):
    """A stack file that cannot be read or parsed. ``str()`` names the file (and line)."""


@dataclass(frozen=True)
class StackFile:
    path: Path
    config: dict[str, str]
    """Full key -> value as Pulumi hands it to a program: strings; structured values as JSON."""
    secret_keys: list[str] = field(default_factory=list)
    secure_paths: set[tuple[str, ...]] = field(default_factory=set)
    """Paths below the project namespace that hold `secure:` values, e.g. ("gateway", "secretEnv", "KEY")."""


def full_key(key: str, project: str) -> str:
    """A config key with its namespace: a key without one is the project's, as Pulumi reads a stack
    file (pulumi/pulumi sdk/go/common/resource/config/key.go, ParseKey)."""
    return key if ":" in key else f"{project}:{key}"


def read_stack_file(path: Path, project: str = PROJECT) -> StackFile:
    """Read Pulumi.<stack>.yaml of ``project``; `secure:` values become placeholders and are marked secret."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise StackFileError(f"{path.name}: cannot read the stack file: {err.strerror}") from None
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise StackFileError(f"{path.name}{where}: malformed YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise StackFileError(f"{path.name}: a stack file is a mapping with a 'config' key")
    raw_config = doc.get("config") or {}
    if not isinstance(raw_config, dict):
        raise StackFileError(f"{path.name}: 'config' must be a mapping of keys to values")

    config: dict[str, str] = {}
    secret_keys: list[str] = []
    secure_paths: set[tuple[str, ...]] = set()
    for key, value in raw_config.items():
        key = full_key(str(key), project)
        found = list(_secure_leaves(value))
        if found:
            secret_keys.append(key)
            if key.startswith(PROJECT + ":"):
                top = key.split(":", 1)[1]
                secure_paths.update((top, *p) for p in found)
        plain = _replace_secure(value)
        config[key] = plain if isinstance(plain, str) else json.dumps(plain)
    return StackFile(path=path, config=config, secret_keys=secret_keys, secure_paths=secure_paths)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _secure_leaves(value: Any, prefix: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    if _is_secure(value):
        yield prefix
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _secure_leaves(v, (*prefix, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _secure_leaves(v, (*prefix, str(i)))


def _replace_secure(value: Any) -> Any:
    if _is_secure(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {k: _replace_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v) for v in value]
    return value


def settings_from_stack_file(stack_file: StackFile) -> StackSettings:
    return load_settings(stack_file.config, source=stack_file.path.name, secure_paths=stack_file.secure_paths)


def settings_from_pulumi() -> StackSettings:
    """The settings of the stack Pulumi is running, validated before any resource exists.

    Pulumi hands the program its config decrypted, so the stack file is read as well (when it is
    beside the program) to refuse secrets written there in plain text.
    """
    stack = pulumi.get_stack()
    source = stack_file_name(stack)
    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    on_disk = Path.cwd() / source
    secure_paths = read_stack_file(on_disk).secure_paths if on_disk.is_file() else None
    return load_settings(config, source=source, secure_paths=secure_paths)
