"""The CLI reference page (docs/cli-reference.md) is generated from the command itself by
mkdocs-click when the site is built: rendered here through the same Markdown extension, it
shows every command and sub-command there is, with its usage line, its help and every
option, so a command added without help, or a page pointing elsewhere, fails."""

from __future__ import annotations

import html
import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from clientops.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli-reference.md"


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


@pytest.fixture(scope="module")
def rendered() -> str:
    if importlib.util.find_spec("mkdocs_click") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mkdocs-click is not installed (CI=true: the dev extra installs it)")
        pytest.skip("mkdocs-click is not installed")
    import markdown

    return markdown.markdown(PAGE.read_text(encoding="utf-8"), extensions=["mkdocs-click"])


def test_the_page_is_generated_from_the_clientops_group() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert re.search(
        r"^::: mkdocs-click\n    :module: clientops.cli\n    :command: cli\n", text, re.M
    )
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "  - mkdocs-click\n" in mkdocs
    assert "cli-reference.md" in mkdocs


def test_every_command_is_on_the_page_with_its_help_and_options(rendered: str) -> None:
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", rendered)).split())
    listed = list(commands(cli))
    assert len(listed) >= 25
    for path, command in listed:
        usage = " ".join(("clientops", *path))
        assert f"{usage} [OPTIONS]" in rendered, usage
        assert command.help, f"{usage} has no help"
        first = " ".join(command.help.replace("`", "").split()[:5])
        assert first in text, usage
        for parameter in command.params:
            for option in getattr(parameter, "opts", ()):
                if option.startswith("-"):
                    assert option in rendered, f"{usage} {option}"
