"""One formatter for what a person reads: money, dates, numbers and plurals, from the CLDR data
of Babel (``ru_RU``; ``en`` for the English texts).

Money is written one way everywhere, printed lines and documents alike: two decimals, a
decimal comma, thousands grouped by no-break spaces and ``руб.`` after a no-break space (the
form Russian invoices and acts use). How roubles are named is one policy value,
:class:`CurrencyStyle` (``Policy.currency``: ``руб.`` or ``₽`` in Russian, ``roubles`` in
English by default), in force where a service works (:func:`currency_style`). Dates are
``13 ноября 2026 г.`` in documents and ``13.11`` in lists.

>>> from datetime import date
>>> from clientops.model import Money
>>> money_text(Money("108500")).replace("\\xa0", " ")
'108 500,00 руб.'
>>> long_date(date(2026, 11, 13)).replace("\\xa0", " "), short_date(date(2026, 11, 13))
('13 ноября 2026 г.', '13.11')
>>> count_text(2, "дело", "дела", "дел"), plural(21, "дело", "дела", "дел")
('2\\xa0дела', 'дело')
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from clientops._currency import CURRENCY, CURRENCY_SIGN, CurrencyStyle

if TYPE_CHECKING:
    from clientops.model import Money

__all__ = [
    "CURRENCY_SIGN",
    "CurrencyStyle",
    "count_text",
    "currency_style",
    "current_currency_style",
    "full_date",
    "long_date",
    "money_text",
    "month_text",
    "number_text",
    "plural",
    "short_date",
]

NBSP = "\u00a0"


def current_currency_style() -> CurrencyStyle:
    """The :class:`CurrencyStyle` in force: the policy's inside a service's call, an opened
    ``ClientOps`` (``with clientops.connect(...) as ops``) or :func:`currency_style`; else the
    default (``руб.``, ``roubles``)."""
    return CURRENCY.get()


@contextmanager
def currency_style(style: CurrencyStyle) -> Iterator[CurrencyStyle]:
    """Write money with ``style`` inside the block (this thread or task only).

    >>> from clientops.model import Money
    >>> with currency_style(CurrencyStyle(ru="₽")):
    ...     money_text(Money("6000")).replace(NBSP, " ")
    '6 000,00 ₽'
    >>> money_text(Money("6000")).replace(NBSP, " ")
    '6 000,00 руб.'
    """
    if not isinstance(style, CurrencyStyle):
        raise TypeError(f"style must be a CurrencyStyle, got {type(style).__name__}")
    token = CURRENCY.set(style)
    try:
        yield style
    finally:
        CURRENCY.reset(token)


_LOCALES = {"ru": Locale.parse("ru_RU"), "en": Locale.parse("en_GB")}
_CENT = Decimal("0.01")


def _locale(lang: str) -> Locale:
    try:
        return _LOCALES[lang]
    except KeyError:
        raise ValueError(f"lang: {lang!r} is neither 'ru' nor 'en'") from None


def _nbsp(text: str) -> str:
    # CLDR puts narrow no-break spaces in a few patterns; the documents' fonts have U+00A0
    return text.replace("\u202f", NBSP)


def number_text(value: int | Decimal, *, places: int | None = None, lang: str = "ru") -> str:
    """``12 345`` or ``4,5``; with ``places`` exactly that many decimals (``4,50``).

    >>> from decimal import Decimal
    >>> number_text(Decimal("4.5"), places=2), number_text(12345, lang="en")
    ('4,50', '12,345')
    """
    pattern = "#,##0" + ("." + "0" * places if places else "") if places is not None else None
    # keyed by the exact text of the value: Decimal("4.5") == Decimal("4.50") but may print apart
    return _formatted(str(value), type(value) is int, pattern, lang)


@lru_cache(maxsize=8192)
def _formatted(value: str, integral: bool, pattern: str | None, lang: str) -> str:
    # Babel parses the pattern and looks the symbols up on every call (about 0.15 ms); the
    # agenda and the billing run print the same few amounts thousands of times
    number = int(value) if integral else Decimal(value)
    return _nbsp(format_decimal(number, format=pattern, locale=_locale(lang)))


def money_text(money: Money, *, lang: str = "ru", style: CurrencyStyle | None = None) -> str:
    """``108 500,00 руб.`` (``108,500.00 roubles`` in English): roubles named as ``style``
    says (by default the one in force, :func:`current_currency_style`); other currencies by
    their code."""
    amount = money.amount.quantize(_CENT)
    if style is None:
        style = CURRENCY.get()
    sign = money.currency if money.currency != "RUB" else style.en if lang == "en" else style.ru
    return f"{number_text(amount, places=2, lang=lang)}{NBSP}{sign}"


def long_date(day: date, *, lang: str = "ru") -> str:
    """``13 ноября 2026 г.`` (``13 November 2026``): how a document dates things."""
    return _nbsp(format_date(day, format="long", locale=_locale(lang)))


def full_date(day: date) -> str:
    """``13.11.2026``: a date in a line of text."""
    return day.strftime("%d.%m.%Y")


def short_date(day: date | datetime) -> str:
    """``13.11``: a date in a list of this year's things."""
    return day.strftime("%d.%m")


def month_text(day: date, *, lang: str = "ru") -> str:
    """``ноябрь 2026``: a month as a heading says it.

    >>> from datetime import date
    >>> month_text(date(2026, 11, 1), lang="en")
    'November 2026'
    """
    return format_date(day, format="LLLL y", locale=_locale(lang))


def plural(count: int | Decimal, one: str, few: str, many: str) -> str:
    """The form of a word after ``count`` (CLDR's Russian plural rules): ``дело`` for 1 and 21,
    ``дела`` for 2–4 and 22, ``дел`` for 5–20 and 25; ``дела`` for a fraction.

    >>> [plural(n, "день", "дня", "дней") for n in (1, 3, 11, 25)]
    ['день', 'дня', 'дней', 'дней']
    """
    form = _LOCALES["ru"].plural_form(count)
    return {"one": one, "few": few, "many": many}.get(form, few)


def count_text(count: int, one: str, few: str, many: str) -> str:
    """``2 дела``: the count and the word in its form, joined by a no-break space."""
    return f"{number_text(count)}{NBSP}{plural(count, one, few, many)}"
