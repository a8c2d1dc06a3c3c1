"""For a process of its own (the command, a pytester run): this checkout's components/ imported as
the real package `runmcp_gateway`, as the wheel installs it, and nothing as `components`.

tests/package_alias.py serves the test process itself, where the source must stay `components`
(mutation testing names mutants by that path). A process that runs a consumer's program needs the
installed layout instead: the program may have a `components` package of its own, and must get it.
The editable install of the shared virtualenv may point at another checkout; this finder wins.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

PUBLIC = "runmcp_gateway"
SOURCE = Path(__file__).resolve().parents[1] / "components"


class _Public(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != PUBLIC:
            return None  # its submodules are found on its __path__, this checkout's components/
        return importlib.util.spec_from_file_location(
            PUBLIC, SOURCE / "__init__.py", submodule_search_locations=[str(SOURCE)]
        )


if not any(isinstance(finder, _Public) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Public())
