"""People's names in the case a sentence needs, by pymorphy3 and its OpenCorpora dictionary.

A full name is read in either order (``Кузнецова Мария Павловна``, ``Руслан Ахмедович Алиев``)
or as a first name alone: the patronymic is the word with a patronymic's ending, the first name
the word before it (or, without one, the word the dictionary knows best as a first name), the
rest are surnames. The gender is the person's own (an override), else the patronymic's, else
the first name's in the dictionary, else the surname's ending. Words the dictionary cannot
decline for that gender (``Шевчук`` for a woman, ``Дюма``, ``Черных``) stay as they are, and
organisation names are never passed here.

>>> decline("Кузнецова Мария Павловна", Case.GEN)
'Кузнецовой Марии Павловны'
>>> decline("Руслан Ахмедович Алиев", Case.DAT)
'Руслану Ахмедовичу Алиеву'
>>> decline("Шевчук Анна", Case.INS), decline("Шевчук Игорь", Case.INS)
('Шевчук Анной', 'Шевчуком Игорем')

In a template a person's placeholder says its case: ``{employee:gen}`` with a
:class:`PersonName` (``nom``, ``gen``, ``dat``, ``acc``, ``ins``, ``pre``).

>>> "{employee:gen} сейчас нет на месте".format(employee=PersonName("Кузнецова Мария Павловна"))
'Кузнецовой Марии Павловны сейчас нет на месте'
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Any

import attrs

__all__ = ["Case", "Gender", "PersonName", "decline", "gender_of"]


class Case(enum.Enum):
    """A grammatical case, as a template's placeholder names it (``{manager:dat}``)."""

    NOM = "nom"
    GEN = "gen"
    DAT = "dat"
    ACC = "acc"
    INS = "ins"
    PRE = "pre"

    @property
    def label(self) -> str:
        return _CASE_LABELS[self]


_CASE_LABELS = {
    Case.NOM: "именительный",
    Case.GEN: "родительный",
    Case.DAT: "дательный",
    Case.ACC: "винительный",
    Case.INS: "творительный",
    Case.PRE: "предложный",
}
_GRAMMEME = {
    Case.NOM: "nomn",
    Case.GEN: "gent",
    Case.DAT: "datv",
    Case.ACC: "accs",
    Case.INS: "ablt",
    Case.PRE: "loct",
}


class Gender(enum.Enum):
    """A person's grammatical gender, which their surname and patronymic decline by."""

    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return "мужской" if self is Gender.MALE else "женский"


_TAG = {Gender.MALE: "masc", Gender.FEMALE: "femn"}
_PATRONYMIC = re.compile(r"(вич|вна|чна|ична|инична|оглы|кызы|улы|уулу)$", re.IGNORECASE)
_INDECLINABLE_PATRONYMIC = re.compile(r"^(оглы|кызы|улы|уулу)$", re.IGNORECASE)
_FEMALE_SURNAME = re.compile(r"(ова|ева|ёва|ина|ына|ая|яя)$", re.IGNORECASE)
_MALE_SURNAME = re.compile(r"(ов|ев|ёв|ин|ын|ий|ой|ый)$", re.IGNORECASE)


@functools.cache
def _morph() -> Any:
    import pymorphy3  # type: ignore[import-untyped]  # loads once, on the first name declined

    return pymorphy3.MorphAnalyzer(lang="ru")


def _name_score(word: str) -> float:
    return float(
        sum(p.score for p in _morph().parse(word) if "Name" in p.tag and p.tag.case == "nomn")
    )


def _roles(words: list[str]) -> list[str]:
    """``Surn``, ``Name`` or ``Patr`` for each word of a full name."""
    roles = ["Surn"] * len(words)
    patronymic = next((i for i, w in enumerate(words) if _PATRONYMIC.search(w)), None)
    if patronymic is not None:
        roles[patronymic] = "Patr"
        if patronymic > 0:
            roles[patronymic - 1] = "Name"
        return roles
    if len(words) == 1:
        return ["Name"] if _name_score(words[0]) > 0 else roles
    best = max(range(len(words)), key=lambda i: (_name_score(words[i]), -i))
    if _name_score(words[best]) > 0:
        roles[best] = "Name"
    return roles


def gender_of(full_name: str) -> Gender | None:
    """The gender a full name says: by the patronymic, the first name, the surname's ending.

    >>> gender_of("Ильина Анна"), gender_of("Шевчук Игорь Олегович"), gender_of("Саша")
    (<Gender.FEMALE: 'female'>, <Gender.MALE: 'male'>, None)
    """
    words = full_name.split()
    roles = _roles(words)
    for word, role in zip(words, roles, strict=True):
        if role == "Patr":
            female = word.lower().endswith(("вна", "чна", "кызы"))
            return Gender.FEMALE if female else Gender.MALE
    for word, role in zip(words, roles, strict=True):
        if role == "Name":
            genders = {
                p.tag.gender
                for p in _morph().parse(word)
                if "Name" in p.tag and p.tag.case == "nomn" and p.tag.number == "sing"
            }
            if genders == {"masc"}:
                return Gender.MALE
            if genders == {"femn"}:
                return Gender.FEMALE
    for word, role in zip(words, roles, strict=True):
        if role == "Surn":
            if _FEMALE_SURNAME.search(word):
                return Gender.FEMALE
            if _MALE_SURNAME.search(word):
                return Gender.MALE
    return None


def _like(model: str, word: str) -> str:
    """``word`` written with ``model``'s capitals (``Иванова``, ``ИВАНОВА``)."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _decline_word(word: str, role: str, gender: Gender, case: Case) -> str:
    if role == "Patr" and _INDECLINABLE_PATRONYMIC.match(word):
        return word
    if "-" in word:  # a double surname: each part on its own
        return "-".join(_decline_word(part, role, gender, case) for part in word.split("-"))
    grammeme = _TAG[gender]
    for parse in _morph().parse(word):
        tag = parse.tag
        if role not in tag or tag.case != "nomn" or tag.number != "sing":
            continue
        if tag.gender != grammeme and "ms-f" not in tag:
            continue
        if "Fixd" in tag:
            return word
        inflected = parse.inflect({_GRAMMEME[case]})
        return word if inflected is None else _like(word, inflected.word)
    return word


def decline(full_name: str, case: Case, *, gender: Gender | None = None) -> str:
    """``full_name`` in ``case``; ``gender`` overrides what the name says. A name whose gender
    cannot be told, or a word the dictionary does not know as a name, stays as it is. The
    last few thousand names declined are remembered (a department has few people)."""
    if not isinstance(case, Case):
        raise TypeError(f"case must be a Case, got {case!r}")
    if gender is not None and not isinstance(gender, Gender):
        raise TypeError(f"gender must be a Gender or None, got {gender!r}")
    return _decline(full_name, case, gender)


@functools.lru_cache(maxsize=4096)
def _decline(full_name: str, case: Case, gender: Gender | None) -> str:
    words = full_name.split()
    if case is Case.NOM or not words:
        return full_name
    gender = gender or gender_of(full_name)
    if gender is None:
        return full_name
    roles = _roles(words)
    return " ".join(_decline_word(w, r, gender, case) for w, r in zip(words, roles, strict=True))


@attrs.frozen
class PersonName:
    """A person's name for a template: ``{manager:dat}`` writes it in the dative. Its plain
    text (``str``) is the nominative."""

    text: str
    gender: Gender | None = None

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        if spec == "":
            return self.text
        try:
            case = Case(spec)
        except ValueError:
            raise ValueError(
                f"a person's case is one of {', '.join(c.value for c in Case)}, not {spec!r}"
            ) from None
        return decline(self.text, case, gender=self.gender)


class CaseCheck:
    """What a template validator formats a person's placeholder with: it accepts a case and
    refuses a placeholder that names none."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        if spec not in {c.value for c in Case}:
            cases = ", ".join("{" + self.name + ":" + c.value + "}" for c in Case)
            raise ValueError(f"{{{self.name}}} is a person: say the case ({cases})")
        return ""


class KeepPlaceholder:
    """Formats as its own placeholder, case and all: a template filled in two steps keeps
    ``{manager:nom}`` for the second."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return "{" + self.name + (":" + spec if spec else "") + "}"
