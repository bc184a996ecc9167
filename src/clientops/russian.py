"""What a person reads, written as a Russian colleague would write it: names in the case the
sentence needs, money, dates, numbers and plurals from CLDR (Babel), and the typography —
«ёлочки» with „лапки“ inside, no-break spaces, the em dash — with a check that lists what a
text gets wrong. See ``docs/russian.md``.

>>> from clientops.russian import Case, decline, typography_problems
>>> decline("Кузнецова Мария Павловна", Case.GEN)
'Кузнецовой Марии Павловны'
>>> typography_problems("ООО «Ромашка»")
()
"""

from __future__ import annotations

from clientops import _rehome
from clientops._formats import (
    CURRENCY_SIGN,
    CurrencyStyle,
    count_text,
    currency_style,
    current_currency_style,
    full_date,
    long_date,
    money_text,
    month_text,
    number_text,
    plural,
    short_date,
)
from clientops._names import Case, Gender, PersonName, decline, gender_of
from clientops._typography import quote, requote, typeset, typography_problems

__all__ = [
    "CURRENCY_SIGN",
    "Case",
    "CurrencyStyle",
    "Gender",
    "PersonName",
    "count_text",
    "currency_style",
    "current_currency_style",
    "decline",
    "full_date",
    "gender_of",
    "long_date",
    "money_text",
    "month_text",
    "number_text",
    "plural",
    "quote",
    "requote",
    "short_date",
    "typeset",
    "typography_problems",
]

_rehome.rehome(__name__, __all__, globals())
