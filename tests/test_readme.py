"""The README's Python snippet for consumers runs as printed: it is a whole program, planned offline."""

from __future__ import annotations

from pathlib import Path

from components.offline.runner import read_stack_file, run_program
from tests.conftest import PROJECT_DIR


def python_blocks(after: str) -> list[str]:
    """The ```python blocks of README.md that follow the paragraph starting with ``after``."""
    text = (PROJECT_DIR / "README.md").read_text()
    section = text[text.index(after) :]
    return [block.split("```", 1)[0] for block in section.split("```python\n")[1:]]


def test_the_python_snippet_plans_as_printed(tmp_path: Path) -> None:
    snippet = python_blocks("**From Python.**")[0]
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(snippet)
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    monitor, _ = run_program(tmp_path, "dev", read_stack_file(tmp_path / "Pulumi.dev.yaml"))
    (certificate,) = [r for r in monitor.recorded if r.type == "aws:acm/certificate:Certificate"]
    assert certificate.inputs["domainName"] == "mcp.example.org"
    (hpa,) = [r for r in monitor.recorded if r.type.endswith("HorizontalPodAutoscaler")]
    assert (hpa.inputs["spec"]["minReplicas"], hpa.inputs["spec"]["maxReplicas"]) == (2, 6)
    assert monitor.stack_outputs["url"] == "https://mcp.example.org/mcp"


def test_the_layout_names_every_module_of_the_package() -> None:
    """A reader finds every module of components/ in the README's Layout, with what it is for."""
    text = (PROJECT_DIR / "README.md").read_text()
    layout = text[text.index("## Layout") :].split("```")[1]
    named = {word.strip(",") for line in layout.splitlines() for word in line.split()}
    modules = {p.name for p in (PROJECT_DIR / "components").glob("*.py") if p.name != "__init__.py"}
    assert sorted(modules - named) == []
