"""The JSON shapes docs/cli.md documents, read from the page, and the check that an output has
its command's shape (the same keys at every level, the same kinds of value)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

CLI_PAGE = Path(__file__).parents[1] / "docs" / "cli.md"
_BLOCK = re.compile(r"<!-- json: (?P<command>[a-z -]+) -->\n```json\n(?P<body>.*?)\n```", re.S)


def documented_shapes() -> dict[str, Any]:
    """Every ``<!-- json: COMMAND -->`` block of docs/cli.md, parsed."""
    return {
        m["command"]: json.loads(m["body"]) for m in _BLOCK.finditer(CLI_PAGE.read_text("utf-8"))
    }


def assert_shape(actual: Any, documented: Any, path: str = "$") -> None:
    """``actual`` has the documented shape: objects with exactly the documented keys, lists
    whose items have the shape of the documented first item, values of the documented kind
    (``null`` allowed for any value; a documented ``null`` allows anything)."""
    if actual is None or documented is None:
        return
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert set(actual) == set(documented), (
            f"{path}: keys {sorted(actual)} differ from the documented {sorted(documented)}"
        )
        for key, value in documented.items():
            assert_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(documented, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        if documented:
            for n, item in enumerate(actual):
                assert_shape(item, documented[0], f"{path}[{n}]")
    elif isinstance(documented, bool):
        assert isinstance(actual, bool), f"{path}: expected true or false, got {actual!r}"
    elif isinstance(documented, int):
        assert isinstance(actual, int), f"{path}: expected an integer, got {actual!r}"
        assert not isinstance(actual, bool), f"{path}: expected an integer, got {actual!r}"
    else:
        assert isinstance(actual, type(documented)), f"{path}: expected {type(documented)}"
