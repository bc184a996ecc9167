"""Checks shared by the texts of the policies (call scripts, import messages, onboarding)."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["template_names", "template_validator"]


def template_names(template: str) -> set[str]:
    """The placeholder names a ``str.format`` template uses (``{client.name}`` → ``client``).

    >>> sorted(template_names("{amount} руб. за {month} {year}, {client[0]}"))
    ['amount', 'client', 'month', 'year']
    """
    return {
        (field or "").partition(".")[0].partition("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
    } - {""}


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
