"""Checks shared by the texts of the policies (call scripts, import messages, onboarding)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["template_validator"]


def template_validator(*placeholders: str) -> Callable[[Any, attrs.Attribute[Any], str], None]:
    """An attrs validator for ``str.format`` templates that may use only ``placeholders``:
    a bad template raises ValueError naming the field and listing the placeholders."""
    blanks = dict.fromkeys(placeholders, "")
    listed = ", ".join("{" + name + "}" for name in placeholders)

    def check(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"{attribute.name} must be a string")
        try:
            value.format(**blanks)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ValueError(
                f"{attribute.name}: bad template {value!r} ({exc!r}); placeholders are {listed}"
            ) from None

    return check
