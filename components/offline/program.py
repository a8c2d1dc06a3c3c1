"""A Pulumi program directory as the offline plan runs it: its project file, its Python entry point,
its stack files, and its own modules kept apart from every other program's.

What the Python language host does under `pulumi up` (pulumi/pulumi,
sdk/python/cmd/pulumi-language-python-exec): change into the program's directory and
``runpy.run_path`` it, which puts that directory first on ``sys.path``. The project file's ``main``
moves the program to a subdirectory (or a file) and ``stackConfigDir`` moves the stack files
(pulumi.com/docs/iac/concepts/projects/project-file: both relative to Pulumi.yaml).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi
import yaml

from ..config import StackFileError
from ..settings import PROJECT, stack_file_name

PROJECT_FILE = "Pulumi.yaml"
LIBRARY = __name__.split(".")[0]
"""The top-level name this package is imported under in this process: `runmcp_gateway` when
installed, `components` in a checkout that imports its source folder directly."""
LIBRARY_DIR = Path(__file__).resolve().parents[1]


class ProgramError(pulumi.RunError):
    """A program directory that cannot be planned. ``str()`` is one line naming the file."""


@dataclass(frozen=True)
class Program:
    directory: Path
    """The project's directory: where Pulumi.yaml is."""
    name: str
    """The project's name: the namespace of its own config keys, and part of every URN."""
    main: Path
    """The Python file the language host runs (``__main__.py`` of the program's directory)."""
    stack_dir: Path
    """Where the stack files (Pulumi.<stack>.yaml) are."""

    @property
    def program_dir(self) -> Path:
        """The directory the program runs in, first on ``sys.path``."""
        return self.main.parent

    def stack_file(self, stack: str) -> Path:
        return self.stack_dir / stack_file_name(stack)


def load_program(directory: Path, *, require_project_file: bool = True) -> Program:
    """The program in ``directory``, from its Pulumi.yaml. Without ``require_project_file``, a
    directory with only ``__main__.py`` is a program of this project (lower-level test harnesses)."""
    directory = directory.resolve()
    if not directory.is_dir():
        raise ProgramError(f"{directory}: no such directory; --program names the directory holding {PROJECT_FILE}")
    path = directory / PROJECT_FILE
    if not path.is_file() and (directory / "Pulumi.yml").is_file():  # either extension will do
        path = directory / "Pulumi.yml"
    if not path.is_file():
        if require_project_file:
            raise ProgramError(f"{path}: no such file; a Pulumi project directory has one (name, runtime: python)")
        return _located(Program(directory, PROJECT, directory / "__main__.py", directory))
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ProgramError(f"{path}: malformed YAML: {getattr(err, 'problem', None) or err}") from None
    if not isinstance(project, dict):
        raise ProgramError(f"{path}: a project file is a mapping (name, runtime, ...)")
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ProgramError(f"{path}: name: the project's name is required")
    runtime = _runtime(project.get("runtime"))
    if runtime != "python":
        raise ProgramError(f"{path}: runtime: {runtime!r}; the offline plan runs Python programs (runtime: python)")
    main = directory / _relative(path, project, "main")
    stack_dir = directory / _relative(path, project, "stackConfigDir")
    if main.is_dir() or not main.suffix:
        main = main / "__main__.py"
    return _located(Program(directory, name, main, stack_dir))


def _runtime(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if value else "(none)"


def _relative(path: Path, project: dict[str, Any], key: str) -> str:
    value = project.get(key, ".")
    if not isinstance(value, str):
        raise ProgramError(f"{path}: {key}: a path relative to {PROJECT_FILE}")
    return value


def _located(program: Program) -> Program:
    if not program.main.is_file():
        raise ProgramError(f"{program.main}: the Pulumi program is missing")
    return program


def locate_stack_file(program: Program, stack: str) -> Path:
    path = program.stack_file(stack)
    if not path.is_file():
        known = stacks_in(program.stack_dir)
        raise StackFileError(
            f"{path.name}: no such stack file in {program.stack_dir} (stacks here: {', '.join(known) or 'none'})"
        )
    return path


def stacks_in(directory: Path) -> list[str]:
    """The stacks that have a stack file (Pulumi.<stack>.yaml) in ``directory``, sorted."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in directory.glob(stack_file_name("*")))


def own_names(directory: Path) -> set[str]:
    """Top-level modules and packages the program's directory provides (this package's own
    source folder excepted: the repository's program imports it from there)."""
    names = {p.stem for p in directory.glob("*.py") if p.stem != "__main__"}
    names |= {p.name for p in directory.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    return {n for n in names if n.isidentifier() and (directory / n).resolve() != LIBRARY_DIR}


def _inside(module: ModuleType, directory: Path) -> bool:
    places = [getattr(module, "__file__", None) or "", *getattr(module, "__path__", [])]
    return any(place and Path(place).resolve().is_relative_to(directory) for place in places)


@contextmanager
def own_imports(directory: Path) -> Iterator[None]:
    """Run with ``directory`` first on ``sys.path`` and the program's own modules imported from
    it, as under `pulumi up`: a module of the same name imported before (another program's
    ``components``, say) is set aside for the run. Afterwards ``sys.path`` and ``sys.modules`` are
    as before, so nothing one program imported leaks into the next."""
    names = own_names(directory)
    if LIBRARY in names:
        raise ProgramError(
            f"{directory / LIBRARY}: the program's own package has the name this process imports the "
            f"runmcp-gateway package under ({LIBRARY}); plan it with the installed runmcp-infra, which "
            "imports the package as runmcp_gateway"
        )
    saved_path = list(sys.path)
    before = set(sys.modules)
    set_aside = {
        key: module
        for key, module in sys.modules.items()
        if key.split(".")[0] in names and not _inside(module, directory)
    }
    for key in set_aside:
        del sys.modules[key]
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for key in [k for k in sys.modules if k.split(".")[0] in names and k not in before]:
            del sys.modules[key]
        sys.modules.update(set_aside)


def failing_line(err: BaseException, directory: Path) -> str | None:
    """``file:line`` in the program's own code where the error was raised (its last frame, or for a
    SyntaxError the file that failed to compile, is under ``directory``); None otherwise."""
    if isinstance(err, SyntaxError) and err.filename:  # raised where the program is compiled
        filename, line = err.filename, err.lineno
    else:
        frames = traceback.extract_tb(err.__traceback__)
        if not frames:
            return None
        filename, line = frames[-1].filename, frames[-1].lineno
    where = Path(filename).resolve()
    if not where.is_relative_to(directory) or where.is_relative_to(LIBRARY_DIR):
        return None
    return f"{where.relative_to(directory)}:{line}"
