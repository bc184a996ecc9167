"""The README tells the truth: CI runs its test command, and its demo command names a real
example."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", readme)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = next(c for c in _commands() if "pytest" in c)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_the_demo_command_runs_an_example_that_exists() -> None:
    demo = next(c for c in _commands() if "examples/" in c)
    script = re.search(r"(examples/\S+\.py)", demo)
    assert script is not None
    assert (ROOT / script.group(1)).exists()
    assert "pip install ." in demo


def test_the_python_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (snippet,) = re.findall(r"```python\n(.+?)\n```", readme, re.DOTALL)
    out = io.StringIO()
    monkeypatch.chdir(tmp_path)
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "README.md", "exec"), {})
    printed = out.getvalue()
    assert printed.startswith("Компания MLS IT, Анна, здравствуйте!")
    assert "sales" in printed
    assert (tmp_path / "crm.db").exists()
