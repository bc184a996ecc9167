"""Amounts and numbers as Russian documents write them.

>>> from clientops import Money
>>> amount_in_words(Money("123.45"))
'Сто двадцать три рубля 45 копеек'
>>> format_money(Money("1234567.8"))
'1\\xa0234\\xa0567,80'
>>> format_quantity(Decimal("1.50")), format_quantity(Decimal(500))
('1,5', '500')
"""

from __future__ import annotations

import functools
from decimal import Decimal

from clientops._text import format_date, format_money
from clientops.errors import FieldError, ValidationError
from clientops.model import Money

__all__ = [
    "MAX_RUBLES",
    "amount_in_words",
    "format_date",
    "format_money",
    "format_quantity",
    "plural_ru",
]

#: The largest whole number of roubles :func:`amount_in_words` writes (just under a quadrillion).
MAX_RUBLES = 10**15 - 1
_RUBLE = ("рубль", "рубля", "рублей")
_KOPECK = ("копейка", "копейки", "копеек")
_CENT = Decimal("0.01")


def plural_ru(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian noun form after the number ``n``: ``forms`` is (one, few, many), as in
    (рубль, рубля, рублей).

    >>> [plural_ru(n, ("рубль", "рубля", "рублей")) for n in (1, 2, 5, 11, 21, 111, 1000)]
    ['рубль', 'рубля', 'рублей', 'рублей', 'рубль', 'рублей', 'рублей']
    """
    n = abs(n) % 100
    if 11 <= n <= 14:
        return forms[2]
    n %= 10
    if n == 1:
        return forms[0]
    if 2 <= n <= 4:
        return forms[1]
    return forms[2]


def _kopecks(money: Money, path: str) -> int:
    """The amount as a whole number of kopecks, or ValidationError naming ``path``."""

    def bad(message: str) -> ValidationError:
        return ValidationError([FieldError(path, message)], subject="amount")

    if money.currency != "RUB":
        raise bad(f"amounts are written for RUB only, not {money.currency}")
    if money.amount < 0:
        raise bad(f"{money.amount} is negative")
    kopecks = money.amount * 100
    if kopecks != kopecks.to_integral_value():
        raise bad(f"{money.amount} has a fraction of a kopeck; round it first (Money.rounded())")
    if kopecks // 100 > MAX_RUBLES:
        raise bad(f"{money.amount} is too large (at most {MAX_RUBLES} roubles)")
    return int(kopecks)


def amount_in_words(money: Money) -> str:
    """The amount as the total line of a Russian act or invoice writes it: roubles in words
    (capitalised), kopecks as two digits, each followed by its noun in the right form.

    >>> amount_in_words(Money("21.01")), amount_in_words(Money(0))
    ('Двадцать один рубль 01 копейка', 'Ноль рублей 00 копеек')

    Only roubles; a negative amount, a fraction of a kopeck or more than :data:`MAX_RUBLES`
    raises :class:`~clientops.errors.ValidationError`.
    """
    rubles, kopecks = divmod(_kopecks(money, "amount"), 100)
    text = f"{_rubles_in_words(rubles)} {kopecks:02d} {plural_ru(kopecks, _KOPECK)}"
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=4096)
def _rubles_in_words(rubles: int) -> str:
    """``двадцать один рубль``: kept for the next invoice of the same amount (a billing run
    writes thousands of invoices of a few fees)."""
    from num2words import num2words  # type: ignore[import-untyped]  # loaded when first used

    words: str = num2words(rubles, lang="ru")
    return f"{words} {plural_ru(rubles, _RUBLE)}"


def format_quantity(quantity: Decimal) -> str:
    """A quantity without trailing zeros and with a decimal comma: ``500``, ``1,5``."""
    if quantity == quantity.to_integral_value():
        return f"{quantity.to_integral_value():f}"
    return f"{quantity.normalize():f}".replace(".", ",")
