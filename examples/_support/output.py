"""What an example prints is typeset as Russian print is: every line goes through
:func:`clientops.russian.typeset` (no-break spaces after «№», inside numbers, before units and
in initials; an em dash for a spaced hyphen)."""

from __future__ import annotations

import sys
from typing import TextIO

from clientops.russian import typeset


class _Typeset:
    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(typeset(text))

    def flush(self) -> None:
        self._out.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._out, name)


def typeset_output() -> None:
    """From now on, what the example prints is typeset."""
    if not isinstance(sys.stdout, _Typeset):
        sys.stdout = _Typeset(sys.stdout)  # type: ignore[assignment]
