"""In this checkout, `runmcp_gateway` (the name consumers import) is the same module objects as `components`.

The wheel installs components/ as `runmcp_gateway`. Tests import the source as `components`, and the
program, the README snippets and the examples import `runmcp_gateway`: one set of modules must serve
both, or an error class raised by one copy is not caught as the other's, and mutation testing
(which mutates components/ in a copy of the project) would test the unmutated installed code.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

PUBLIC = "runmcp_gateway"
SOURCE = "components"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != PUBLIC and not fullname.startswith(PUBLIC + "."):
            return None
        source = importlib.import_module(SOURCE + fullname[len(PUBLIC) :])
        return importlib.machinery.ModuleSpec(fullname, self, is_package=hasattr(source, "__path__"))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(SOURCE + spec.name[len(PUBLIC) :])

    def exec_module(self, module: ModuleType) -> None:
        """The module ran when `components…` was imported."""


if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Alias())
