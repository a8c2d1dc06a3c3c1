"""The Pulumi package schema of the public components, generated in-process by the SDK's analyzer
(what `pulumi package get-schema provider` would print), committed as provider/schema.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.provider.experimental.component import ComponentProvider

from . import PACKAGE_NAME, __version__
from .platform import GatewayPlatform

SCHEMA_PATH = Path("provider") / "schema.json"
PUBLIC_COMPONENTS: list[type[pulumi.ComponentResource]] = [GatewayPlatform]
"""The components served to other languages; the rest are Python-only building blocks."""


def package_schema() -> dict[str, Any]:
    provider = ComponentProvider(PUBLIC_COMPONENTS, PACKAGE_NAME, None, __version__)
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
