"""How money names its currency: :class:`CurrencyStyle` (``Policy.currency``) and the one in
force (:data:`CURRENCY`), kept apart from the formatter so that the entry-point checks can set
it without importing the formatter (nothing of clientops is imported here)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import attrs

__all__ = ["CURRENCY", "CURRENCY_SIGN", "CurrencyStyle"]

NBSP = "\u00a0"
#: How roubles are written after an amount by default (:attr:`CurrencyStyle.ru`).
CURRENCY_SIGN = "руб."


def _sign(inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a string, got {type(value).__name__}")
    if not value or value != value.strip() or len(value) > 16 or any(c.isdigit() for c in value):
        raise ValueError(
            f"{attribute.name}: {value!r} is not a currency's name (1–16 characters, no digits, "
            "no spaces around it)"
        )
    if any(c in value for c in "\r\n\t"):
        raise ValueError(f"{attribute.name}: {value!r} must be one line")


@attrs.frozen
class CurrencyStyle:
    """How roubles are named after an amount: ``ru`` in Russian texts (``руб.``, the form of
    Russian invoices and acts, or ``₽``), ``en`` in English ones (``roubles``, or ``RUB``).
    It is ``Policy.currency``; other currencies are named by their code.

    >>> from clientops.model import Money
    >>> from clientops.russian import money_text
    >>> style = CurrencyStyle(ru="₽", en="RUB")
    >>> money_text(Money("108500"), style=style).replace(NBSP, " ")
    '108 500,00 ₽'
    >>> money_text(Money("108500"), lang="en", style=style)
    '108,500.00\xa0RUB'
    """

    ru: str = attrs.field(default=CURRENCY_SIGN, validator=_sign)
    en: str = attrs.field(default="roubles", validator=_sign)


_DEFAULT = CurrencyStyle()

CURRENCY: ContextVar[CurrencyStyle] = ContextVar("clientops_currency", default=_DEFAULT)
