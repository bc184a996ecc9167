"""Texts shared by the values, the rules and the documents: the checks of the policies' templates
(call scripts, import messages, onboarding) and money and dates written the Russian way.

>>> from datetime import date
>>> from clientops.model import Money
>>> format_money(Money("1234567.8")), format_date(date(2025, 6, 30))
('1\\xa0234\\xa0567,80', '30.06.2025')
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from clientops._formats import full_date, number_text
from clientops._names import CaseCheck

if TYPE_CHECKING:
    from clientops.model import Money

__all__ = ["format_date", "format_money", "template_names", "template_validator"]

_CENT = Decimal("0.01")


def template_names(template: str) -> set[str]:
    """The placeholder names a ``str.format`` template uses (``{client.name}`` → ``client``).

    >>> sorted(template_names("{amount} руб. за {month} {year}, {client[0]}"))
    ['amount', 'client', 'month', 'year']
    """
    return {
        (field or "").partition(".")[0].partition("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
    } - {""}


def template_validator(
    *placeholders: str, persons: tuple[str, ...] = ()
) -> Callable[[Any, attrs.Attribute[Any], str], None]:
    """An attrs validator for ``str.format`` templates that may use only ``placeholders`` and
    ``persons``; a person's placeholder must say its case (``{manager:dat}``, see
    :class:`clientops.russian.Case`). A bad template raises ValueError naming the field and
    listing the placeholders.

    >>> check = template_validator("company", persons=("manager",))
    >>> field = attrs.fields(attrs.make_class("T", ["greeting"])).greeting
    >>> check(None, field, "{company}, {manager:nom}, здравствуйте!")
    >>> check(None, field, "{manager} здравствуйте!")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: greeting: bad template ... is a person: say the case ({manager:nom}, ...
    """
    blanks: dict[str, Any] = dict.fromkeys(placeholders, "")
    blanks.update({name: CaseCheck(name) for name in persons})
    listed = ", ".join(
        [*("{" + name + "}" for name in placeholders), *("{" + p + ":<case>}" for p in persons)]
    )

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


def format_money(money: Money) -> str:
    """``12 345,60``: two decimals, a comma, thousands grouped by no-break spaces."""
    return number_text(money.amount.quantize(_CENT), places=2)


def format_date(day: date) -> str:
    """``30.06.2025``."""
    return full_date(day)
