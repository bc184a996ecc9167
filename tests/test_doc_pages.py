"""Every page under docs/ runs as written.

For each ``docs/*.md`` page, in order and in one namespace per page:

- a ```` ```pycon ```` block runs as a doctest (``ELLIPSIS``);
- a ```` ```python ```` block is executed;
- a block whose first line is ``# <file>.py`` (or ``.toml``, ``.txt``, ``.cfg``, ``.ini``) is
  written to that file in the working directory instead, so later blocks can import it;
- a block right after ``<!-- signature -->`` or ``<!-- excerpt -->`` is skipped, as is any
  other language (``console``, ``toml``, plain text).

Each page runs in its own empty working directory, which is also put first on ``sys.path``.
"""

from __future__ import annotations

import doctest
import io
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(p.name for p in DOCS.glob("*.md"))

_BLOCK = re.compile(
    r"(?P<marker><!-- (?:signature|excerpt) -->\n)?^```(?P<lang>\w*)[^\n]*\n(?P<body>.*?)^```",
    re.MULTILINE | re.DOTALL,
)
_FILE = re.compile(r"^# (?P<path>[\w./-]+\.(?:py|toml|txt|cfg|ini))$")


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int  # 1-based line of the block's first body line in the page
    skipped: bool


def _blocks(text: str) -> list[Block]:
    return [
        Block(
            lang=m["lang"],
            body=m["body"],
            line=text.count("\n", 0, m.start("body")) + 1,
            skipped=m["marker"] is not None,
        )
        for m in _BLOCK.finditer(text)
    ]


def test_there_are_pages_with_examples() -> None:
    assert "tutorial-incoming-call.md" in PAGES
    text = (DOCS / "tutorial-incoming-call.md").read_text(encoding="utf-8")
    assert sum(b.lang == "pycon" for b in _blocks(text)) > 10


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory, first on sys.path; modules imported from it are forgotten
    afterwards so that no page sees another page's files."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("CLIENTOPS_DISABLE_PLUGINS", raising=False)
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if origin.startswith(str(tmp_path) + os.sep):
            del sys.modules[name]


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, workdir: Path) -> None:
    path = DOCS / page
    globs: dict[str, object] = {"__name__": "__docs__"}
    parser = doctest.DocTestParser()
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failed = 0
    for block in _blocks(path.read_text(encoding="utf-8")):
        if block.skipped:
            continue
        first = block.body.split("\n", 1)[0]
        target = _FILE.match(first)
        if target:
            file = workdir / target["path"]
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(block.body, encoding="utf-8")
        elif block.lang == "pycon":
            name = f"{page}:{block.line}"
            # the first example is on the block's first line; the parser counts from 0
            test = parser.get_doctest(block.body, globs, name, str(path), block.line - 1)
            failed += runner.run(test, out=report.write, clear_globs=False).failed
            globs.update(test.globs)
        elif block.lang == "python":
            # padded so that a traceback points at the line in the page
            code = "\n" * (block.line - 1) + block.body
            exec(compile(code, str(path), "exec"), globs)
    if failed:
        pytest.fail(
            f"{failed} example(s) failed in docs/{page}:\n{report.getvalue()}", pytrace=False
        )
