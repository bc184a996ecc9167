"""A griffe extension for the documentation site (mkdocs.yml loads it): it turns the reST-ish
parts of clientops's docstrings into Markdown before mkdocstrings renders them.

- a doctest (a run of lines from ``>>>`` to the next blank line) becomes a fenced ``pycon``
  block, so its brackets are not read as Markdown links and its ``>>>`` not as a quote;
- a paragraph ending in ``::`` (reST's "a literal block follows") ends in ``:``;
- a role (``:class:`~clientops.billing.Invoice```, ``:func:`x```) becomes inline code of its
  target, the last dotted part only when it starts with ``~``, as Sphinx shows it.

The docstrings themselves stay as they are: the doctests still run from them.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def to_markdown(text: str) -> str:
    """``text`` (a cleaned docstring) with its doctests fenced and its roles made code."""
    out: list[str] = []
    fence: str | None = None  # the indentation of the open doctest fence
    for line in _ROLE.sub(_role, text).splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(">>>"):
            fence = line[: len(line) - len(stripped)]
            if out and out[-1].strip():
                out.append("")
            out.append(f"{fence}```pycon")
        elif fence is not None and not stripped:
            out.append(f"{fence}```")
            fence = None
        if fence is not None:
            out.append(line)
            continue
        if line.endswith("::") and not line.endswith(" ::"):
            line = line[:-1]
        out.append(line)
    if fence is not None:
        out.append(f"{fence}```")
    return "\n".join(out)


class ReSTToMarkdown(griffe.Extension):
    """Rewrite every docstring with :func:`to_markdown` once the object tree is loaded."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        _rewrite(obj)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        # on_object skips the package itself (griffe fires it for its members only)
        _rewrite(pkg)


def _rewrite(obj: griffe.Object) -> None:
    if obj.docstring is not None:
        obj.docstring.value = to_markdown(obj.docstring.value)
