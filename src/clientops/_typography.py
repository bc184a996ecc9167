"""Russian typography: «ёлочки» with „лапки“ inside, no-break spaces where a line must not
break (after «№», between a number and its unit, in initials), the em dash, the commas of an
address; and a check that lists what a text gets wrong.

>>> quote("ООО «Ромашка»")
'«ООО „Ромашка“»'
>>> typeset('Счёт № 12 на 6 000 руб. - И. О. Петров, Иванов И. И., М.П.').replace("\\xa0", "~")
'Счёт №~12 на 6~000~руб. — И.~О.~Петров, Иванов~И.~И., М.П.'
>>> typography_problems("Компания MLS IT, Анна здравствуйте!")
('no comma before «здравствуйте» (an address is set off by commas)',)
"""

from __future__ import annotations

import functools
import re

__all__ = ["quote", "requote", "typeset", "typography_problems"]

NBSP = "\u00a0"
#: Units and abbreviations a number is never parted from.
UNITS = (
    "руб.",
    "₽",
    "коп.",
    "дн.",
    "мин",
    "с",
    "ч",
    "мм",
    "см",
    "м",
    "км",
    "кг",
    "шт.",
    "г.",
    "%",
    "тыс.",
    "млн",
)
_UNIT = "|".join(re.escape(u) for u in UNITS)
_NUMBER_UNIT = re.compile(rf"(\d) (?=(?:{_UNIT})(?![\w]))")
_THOUSANDS = re.compile(r"(?<![\d,.+])(\d{1,3}) (?=\d{3}(?![-\d]))")
_NUMERO = re.compile(r"№ (?!п/п)")
#: a space inside initials, before them (``Иванов И. И.``) or after them (``И. И. Иванов``)
_INITIALS = re.compile(r"(?<=\b[А-ЯЁ]\.) (?=[А-ЯЁ])|(?<=[а-яё]) (?=[А-ЯЁ]\.(?:\s|$|[А-ЯЁ]))")
_HYPHEN_DASH = re.compile(r"(?<=\S) - (?=\S)")
_ADDRESS = re.compile(r"[А-ЯЁ][а-яё]+ (здравствуйте|добрый день|доброе утро|добрый вечер)\b")
_PLURAL_HACK = re.compile(r"\w\((а|ы|ов|ей|и|ий)\)")
_STRAIGHT = re.compile(r"\"")
_DIGIT = re.compile(r"\d")


def quote(text: str) -> str:
    """``text`` in «ёлочки»; quotes already in it become „лапки“ (straight ones too)."""
    inner = re.sub(r"\"([^\"]*)\"", "„\\1“", text)
    inner = inner.replace("«", "„").replace("»", "“")
    return f"«{inner}»"


def requote(text: str) -> str:
    """``text`` with «ёлочки» inside «ёлочек» made „лапки“: what a template gives when it
    quotes a name that has quotes of its own.

    >>> requote("макет «Буклет «Лето»», папка «ООО «Ромашка»»")
    'макет «Буклет „Лето“», папка «ООО „Ромашка“»'
    """
    out = []
    depth = 0
    for char in text:
        if char == "«":
            out.append("„" if depth else char)
            depth += 1
        elif char == "»" and depth:
            depth -= 1
            out.append("“" if depth else char)
        else:
            out.append(char)
    return "".join(out)


def _nested(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "«":
            depth += 1
            if depth > 1:
                return True
        elif char == "»":
            depth = max(depth - 1, 0)
    return False


def typeset(text: str) -> str:
    """``text`` with no-break spaces after «№», inside numbers and before units, in initials,
    a spaced hyphen made an em dash and quotes inside quotes made „лапки“ (:func:`requote`)."""
    if text.count("«") > 1:
        text = requote(text)
    if " " not in text:  # every other rule is about a space: most values of a document
        return text
    return _spaced(text) if len(text) <= 200 else _spaced.__wrapped__(text)


@functools.lru_cache(maxsize=8192)
def _spaced(text: str) -> str:
    # a document's values repeat (names, dates, units): each is set once
    if "№" in text:
        text = _NUMERO.sub("№" + NBSP, text)
    if _DIGIT.search(text):
        text = _THOUSANDS.sub("\\1" + NBSP, text)
        text = _NUMBER_UNIT.sub("\\1" + NBSP, text)
    if "." in text:
        text = _INITIALS.sub(NBSP, text)
    return _HYPHEN_DASH.sub(" — ", text) if " - " in text else text


def typography_problems(text: str, *, spacing: bool = True) -> tuple[str, ...]:
    """What ``text`` gets wrong, one line each (none: an empty tuple); without ``spacing`` the
    breakable spaces :func:`typeset` would make no-break ones are not counted."""
    problems = []
    if _STRAIGHT.search(text):
        problems.append('straight quotes (") instead of «ёлочки»')
    if _nested(text):
        problems.append("«ёлочки» inside «ёлочек» (inner quotes are „лапки“)")
    if _HYPHEN_DASH.search(text):
        problems.append("a hyphen between spaces instead of an em dash (—)")
    for match in _ADDRESS.finditer(text):
        problems.append(f"no comma before «{match.group(1)}» (an address is set off by commas)")
    for match in _PLURAL_HACK.finditer(text):
        problems.append(f"a word with its ending in brackets ({match.group(0)}): use the plural")
    plain = requote(text).replace(" — ", " - ")
    if spacing and typeset(text).replace(" — ", " - ") != plain:
        problems.append("a breakable space after «№», in a number, before a unit or in initials")
    return tuple(problems)
